import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { FILL_ONES, gpuTest, randn, rejected, thrown } from "../../_helpers.ts";
import { basicBlock, BLOCK_BNS, type RunningStats } from "../../_block.ts";
import { FLUSH_EVERY, groups1d } from "../../../kernels/runtime/gpu.ts";
import { parseFlushEvery } from "../../../pipelines/env.ts";
import { BufferPool } from "../../../kernels/runtime/buffer_pool.ts";
import { kaimingNormalFanOut, Rng, xavierNormal } from "../../../kernels/init/init.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { globalAvgPool } from "../../../kernels/pool/pool.ts";
import { linear } from "../../../kernels/matmul/matmul.ts";
import { crossEntropy, oneHot } from "../../../kernels/loss/loss.ts";

Deno.test("groups1d folds large grids into y and always covers n", () => {
  assertEquals(groups1d(1, 64), [1, 1]);
  assertEquals(groups1d(64 * 65535, 64), [65535, 1]);
  const [x, y] = groups1d(64 * 65536, 64);
  if (x > 65535 || x * y * 64 < 64 * 65536) throw new Error(`bad fold ${x}x${y}`);
});

gpuTest("pooled buffers are reused by size; scopes release what they created", async (gpu) => {
  const created = gpu.pool.created, live = gpu.pool.live;
  {
    using _ = new Scope(gpu);
    Tensor.empty(gpu, [1000]);
    Tensor.empty(gpu, [7]);
  }
  assertEquals(gpu.pool.live, live);
  {
    using _ = new Scope(gpu);
    Tensor.empty(gpu, [1000]);
    Tensor.empty(gpu, [7]);
  }
  assertEquals(gpu.pool.created, created + 2, "second scope reuses both buffers");
  assertEquals(BufferPool.bucket(1), 256);
  let kept: Tensor;
  {
    using _outer = new Scope(gpu);
    {
      using _inner = new Scope(gpu);
      kept = Tensor.from(gpu, [1, 2, 3], [3]).keep();
    }
    assertEquals(Array.from(await kept.read()), [1, 2, 3], "kept tensor survives its scope");
  }
  if (!kept.disposed) throw new Error("a kept tensor belongs to the enclosing scope");
});

gpuTest("a disposed tensor cannot be bound, and dispose is idempotent", (gpu) => {
  const t = Tensor.zeros(gpu, [4]);
  t.dispose();
  t.dispose();
  const msg = thrown(() => t.range);
  if (!msg.includes("disposed")) throw new Error(`no error on use after dispose: ${msg}`);
});

gpuTest("read returns several tensors with one submit", async (gpu) => {
  using _ = new Scope(gpu);
  const a = Tensor.from(gpu, [1, 2], [2]), b = Tensor.from(gpu, [3, 4, 5], [3]);
  const [x, y] = await gpu.read([a.range, b.range]);
  assertEquals([Array.from(x), Array.from(y)], [[1, 2], [3, 4, 5]]);
});

gpuTest("the live-buffer count stays flat over 20 forward/backward/SGD steps", async (gpu) => {
  const rng = new Rng(70);
  const C = 8, K = 5;
  const shapes: [string, number[]][] = [
    ["conv1.weight", [C, 3, 3, 3]],
    ["conv2.weight", [C, C, 3, 3]],
    ["down_conv.weight", [C, 3, 1, 1]],
  ];
  const set = ParameterSet.create(gpu, [
    ...shapes.map(([name, shape]) => ({ name, shape, data: kaimingNormalFanOut(rng, shape) })),
    ...BLOCK_BNS.flatMap((b) => [
      { name: `${b}.weight`, shape: [C], data: new Float32Array(C).fill(1) },
      { name: `${b}.bias`, shape: [C], data: new Float32Array(C) },
    ]),
    { name: "fc.weight", shape: [K, C], data: xavierNormal(rng, [K, C]) },
    { name: "fc.bias", shape: [K], data: new Float32Array(K) },
  ]);
  const running = Object.fromEntries(
    BLOCK_BNS.map((b) => [b, Tensor.zeros(gpu, [2, C]).persist()]),
  ) as RunningStats;
  const x = Tensor.from(gpu, randn(rng, 4 * 3 * 12 * 12), [4, 3, 12, 12]).persist();
  const q = oneHot(gpu, [0, 1, 2, 3], K).persist();
  const counts: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < 20; step++) {
    using _ = new Scope(gpu);
    set.zeroGrad();
    const logits = linear(
      globalAvgPool(basicBlock(x, set, running, 2)),
      set.get("fc.weight"),
      set.get("fc.bias"),
    );
    const loss = crossEntropy(logits, q);
    backward(loss);
    set.sgdStep({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    if (step % 5 === 4) losses.push((await loss.read())[0]);
    counts.push(gpu.pool.live);
  }
  const created = gpu.pool.created;
  if (new Set(counts).size !== 1) throw new Error(`live buffers changed across steps: ${counts}`);
  if (!(losses[losses.length - 1] < losses[0])) throw new Error(`loss did not fall: ${losses}`);
  // one more step allocates nothing new
  {
    using _ = new Scope(gpu);
    const logits = linear(
      globalAvgPool(basicBlock(x, set, running, 2)),
      set.get("fc.weight"),
      set.get("fc.bias"),
    );
    backward(crossEntropy(logits, q));
  }
  assertEquals(gpu.pool.created, created, "no new buffers after warm-up");
  for (const t of [x, q, ...Object.values(running)]) t.dispose();
  set.destroy();
});

Deno.test({
  name: "timestamp queries time each kernel (and with profile: grid, each shape) when available",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { Gpu } = await import("../../../kernels/runtime/gpu.ts");
    const { matmulInto } = await import("../../../kernels/matmul/matmul.ts");
    for (const profile of [true, "grid"] as const) {
      const gpu = await Gpu.create({ profile });
      if (!gpu.timer) {
        console.log("adapter has no timestamp-query; skipped");
        await gpu.destroy();
        return;
      }
      {
        using _ = new Scope(gpu);
        const a = Tensor.from(gpu, randn(new Rng(1), 64 * 64), [64, 64]);
        const c = Tensor.empty(gpu, [64, 64]);
        const b = Tensor.from(gpu, randn(new Rng(2), 64 * 512), [64, 512]);
        const d = Tensor.empty(gpu, [64, 512]);
        for (let i = 0; i < 3; i++) matmulInto(c, a, a);
        matmulInto(d, a, b);
        await gpu.sync();
      }
      const report = gpu.timer.report();
      // either GEMM family; per grid, the 64x64 and 64x512 products are rows of their own
      const mm = report.filter((r) => r.name.startsWith("matmul_forward"));
      const calls = mm.map((r) => r.calls).sort().join();
      const ok = profile === "grid"
        ? calls === "1,3" && mm.every((r) => / \d+x\d+(x\d+)?$/.test(r.name))
        : calls === "4";
      if (!ok || !mm.every((r) => r.ms >= 0)) {
        throw new Error(`bad report (${profile}) ${JSON.stringify(report)}`);
      }
      await gpu.destroy();
    }
  },
});

Deno.test("with no adapter, Gpu.create says what to install", async () => {
  // A backend this OS lacks leaves WebGPU without an adapter, as on a machine with no driver.
  const code = `import { Gpu } from ${
    JSON.stringify(new URL("../../../kernels/runtime/gpu.ts", import.meta.url).href)
  };
try { await Gpu.create(); console.log("adapter found"); } catch (e) { console.log(e.message); }`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { DENO_WEBGPU_BACKEND: "dx12" },
    stdout: "piped",
    stderr: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!text.includes("mesa-vulkan-drivers libvulkan1")) throw new Error(`unhelpful: ${text}`);
});

gpuTest(
  "submitting every few dispatches (flushEvery) changes no bit of a training run",
  async (gpu) => {
    const C = 8, K = 5;
    const train = async (flushEvery: number) => {
      const rng = new Rng(71);
      const shapes: [string, number[]][] = [
        ["conv1.weight", [C, 3, 3, 3]],
        ["conv2.weight", [C, C, 3, 3]],
        ["down_conv.weight", [C, 3, 1, 1]],
      ];
      const set = ParameterSet.create(gpu, [
        ...shapes.map(([name, shape]) => ({ name, shape, data: kaimingNormalFanOut(rng, shape) })),
        ...BLOCK_BNS.flatMap((b) => [
          { name: `${b}.weight`, shape: [C], data: new Float32Array(C).fill(1) },
          { name: `${b}.bias`, shape: [C], data: new Float32Array(C) },
        ]),
        { name: "fc.weight", shape: [K, C], data: xavierNormal(rng, [K, C]) },
        { name: "fc.bias", shape: [K], data: new Float32Array(K) },
      ]);
      const running = Object.fromEntries(
        BLOCK_BNS.map((b) => [b, Tensor.zeros(gpu, [2, C]).persist()]),
      ) as RunningStats;
      const x = Tensor.from(gpu, randn(rng, 4 * 3 * 12 * 12), [4, 3, 12, 12]).persist();
      const q = oneHot(gpu, [0, 1, 2, 3], K).persist();
      const before = gpu.flushEvery, flush = gpu.flush;
      let submits = 0;
      gpu.flush = () => { // counts every submit, the chunked ones included
        submits++;
        flush.call(gpu);
      };
      gpu.flushEvery = flushEvery;
      try {
        for (let step = 0; step < 4; step++) { // recorded back to back, as the trainer does
          using _ = new Scope(gpu);
          set.zeroGrad();
          const logits = linear(
            globalAvgPool(basicBlock(x, set, running, 2)),
            set.get("fc.weight"),
            set.get("fc.bias"),
          );
          backward(crossEntropy(logits, q));
          set.sgdStep({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
        }
        const out = await gpu.read([
          ...set.names.map((n) => set.get(n).range),
          ...Object.values(running).map((t) => t.range),
        ]);
        return { out, submits };
      } finally {
        gpu.flush = flush;
        gpu.flushEvery = before;
        for (const t of [x, q, ...Object.values(running)]) t.dispose();
        set.destroy();
      }
    };
    const whole = await train(0), chunked = await train(1);
    if (chunked.submits < 10 * whole.submits) {
      throw new Error(`flushEvery 1 submitted ${chunked.submits} times, 0 ${whole.submits}`);
    }
    assertEquals(chunked.out, whole.out, "parameters and running statistics, bit for bit");
  },
);

Deno.test("MMBOOST_FLUSH_EVERY takes a whole number of dispatches and names itself otherwise", () => {
  assertEquals(parseFlushEvery(undefined), null);
  assertEquals(parseFlushEvery(""), null);
  assertEquals(parseFlushEvery("0"), 0);
  assertEquals(parseFlushEvery("128"), 128);
  for (const bad of ["-1", "2.5", "many"]) {
    const message = thrown(() => parseFlushEvery(bad));
    if (!message.includes("MMBOOST_FLUSH_EVERY") || !message.includes(bad)) {
      throw new Error(`unhelpful: ${message}`);
    }
  }
});

gpuTest(
  "the software adapter submits once per flush by default, a GPU every FLUSH_EVERY",
  (gpu) => {
    const want = gpu.adapterInfo.isFallbackAdapter ? 0 : FLUSH_EVERY;
    if (Deno.env.get("MMBOOST_FLUSH_EVERY") === undefined && gpu.flushEvery !== want) {
      throw new Error(`flushEvery ${gpu.flushEvery}, want ${want}`);
    }
  },
);

gpuTest(
  "a dispatch WebGPU rejects makes the next wait throw with its error; the next work runs",
  async (gpu) => {
    using _ = new Scope(gpu);
    const t = Tensor.zeros(gpu, [4]);
    gpu.dispatch(FILL_ONES, [t.range], null, [70000]); // over maxComputeWorkgroupsPerDimension
    const message = await rejected(gpu.sync());
    if (!/^WebGPU reported \d+ errors? .*dispatch group size/.test(message)) {
      throw new Error(`sync after a rejected dispatch: ${message || "passed"}`);
    }
    gpu.dispatch(FILL_ONES, [t.range], null, [4]);
    const [v] = await gpu.read([t.range]); // the errors were reported once: this wait passes
    assertEquals([...v], [1, 1, 1, 1]);
    gpu.dispatch(FILL_ONES, [t.range], null, [70000]);
    if (!/dispatch group size/.test(await rejected(gpu.read([t.range])))) {
      throw new Error("read after a rejected dispatch passed");
    }
  },
);
