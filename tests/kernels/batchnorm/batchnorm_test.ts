import { ok as assert } from "node:assert/strict";
import {
  assertClose,
  dispatchedWith,
  fixture,
  gpuTest,
  numericGrad,
  randn,
  thrown,
} from "../../_helpers.ts";
import { batchNormBackwardRef, batchNormRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { batchNorm, BATCHNORM_SPLIT, splitSlices } from "../../../kernels/batchnorm/batchnorm.ts";
import type { Gpu } from "../../../kernels/runtime/gpu.ts";
import { configureVariants, variantPolicy } from "../../../kernels/variants/policy.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { add, relu } from "../../../kernels/elementwise/elementwise.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";

const TOL = { atol: 1e-4, rtol: 1e-4 };

function bnParams(gpu: Tensor["gpu"], gamma: Float32Array, beta: Float32Array) {
  const C = gamma.length;
  return ParameterSet.create(gpu, [
    { name: "gamma", shape: [C], data: gamma },
    { name: "beta", shape: [C], data: beta },
  ]);
}

gpuTest(
  "batchnorm training forward and running stats match the CPU reference (odd shapes)",
  async (gpu) => {
    const rng = new Rng(20);
    // 64 lanes per channel below S = 256 (flat over B*S, one or several rounds; plane by plane
    // from S = 64), 256 lanes from S = 256; S = 257 and 1030 are long planes that start at
    // every offset mod 4 and end in a partial round of lanes
    const shapes = [
      [2, 3, 5],
      [3, 7, 1],
      [1, 2, 1000],
      [5, 70, 9],
      [9, 3, 20],
      [3, 4, 100],
      [3, 5, 257],
      [2, 3, 1030],
    ];
    for (const [B, C, S] of shapes) {
      const x = randn(rng, B * C * S, 2).map((v, i) => v + (i % 3));
      const gamma = randn(rng, C), beta = randn(rng, C);
      const rm = randn(rng, C), rv = randn(rng, C).map((v) => 1 + Math.abs(v));
      const set = bnParams(gpu, gamma, beta);
      using _ = new Scope(gpu);
      const running = Tensor.from(gpu, [...rm, ...rv], [2, C]);
      const y = batchNorm(
        Tensor.from(gpu, x, [B, C, S]),
        set.get("gamma"),
        set.get("beta"),
        running,
        { training: true },
      );
      const ref = batchNormRef(x, gamma, beta, B, C, S);
      assertClose(await y.read(), ref.y, TOL, `y [${B},${C},${S}]`);
      const n = B * S;
      const wantRunning = [
        ...Array.from(rm, (v, c) => 0.9 * v + 0.1 * ref.mean[c]),
        ...Array.from(rv, (v, c) => 0.9 * v + 0.1 * ref.variance[c] * n / (n - 1)),
      ];
      assertClose(await running.read(), wantRunning, TOL, `running stats [${B},${C},${S}]`);
      set.destroy();
    }
  },
);

gpuTest("batchnorm backward passes a float64 finite-difference check", async (gpu) => {
  const rng = new Rng(21);
  const [B, C, S] = [3, 2, 4];
  const x = randn(rng, B * C * S),
    gamma = randn(rng, C),
    beta = randn(rng, C),
    r = randn(rng, B * C * S);
  const set = bnParams(gpu, gamma, beta);
  using _ = new Scope(gpu);
  const X = Tensor.from(gpu, x, [B, C, S]);
  X.requiresGrad = true;
  const y = batchNorm(X, set.get("gamma"), set.get("beta"), Tensor.zeros(gpu, [2, C]), {
    training: true,
  });
  backward(y, Tensor.from(gpu, r, y.shape));
  const FD = { atol: 1e-4, rtol: 1e-3 };
  const f = (xs: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>) =>
    batchNormRef(xs, g, b, B, C, S).y;
  assertClose(await X.grad!.read(), numericGrad((v) => f(v, gamma, beta), x, r), FD, "dx");
  const grads = await set.read("grads");
  assertClose(grads.get("gamma")!, numericGrad((v) => f(x, v, beta), gamma, r), FD, "dgamma");
  assertClose(grads.get("beta")!, numericGrad((v) => f(x, gamma, v), beta, r), FD, "dbeta");
  set.destroy();
});

gpuTest(
  "batchnorm matches the PyTorch fixture (train y, dx, dgamma, dbeta, running stats, eval y)",
  async (gpu) => {
    const fx = await fixture("batchnorm");
    const set = bnParams(gpu, fx.get("gamma"), fx.get("beta"));
    using _ = new Scope(gpu);
    const C = fx.shape("gamma")[0];
    const running = Tensor.from(gpu, [...fx.get("running_mean0"), ...fx.get("running_var0")], [
      2,
      C,
    ]);
    const x = Tensor.from(gpu, fx.get("x"), fx.shape("x"));
    x.requiresGrad = true;
    const y = batchNorm(x, set.get("gamma"), set.get("beta"), running, { training: true });
    backward(y, Tensor.from(gpu, fx.get("dy"), fx.shape("dy")));
    assertClose(await y.read(), fx.get("y"), TOL, "y");
    assertClose(await x.grad!.read(), fx.get("dx"), TOL, "dx");
    const grads = await set.read("grads");
    assertClose(grads.get("gamma")!, fx.get("dgamma"), TOL, "dgamma");
    assertClose(grads.get("beta")!, fx.get("dbeta"), TOL, "dbeta");
    const run = await running.read();
    assertClose(run.slice(0, C), fx.get("running_mean"), TOL, "running_mean");
    assertClose(run.slice(C), fx.get("running_var"), TOL, "running_var");
    const yEval = batchNorm(x, set.get("gamma"), set.get("beta"), running, { training: false });
    assertClose(await yEval.read(), fx.get("y_eval"), TOL, "eval y");
    set.destroy();
  },
);

gpuTest(
  "batchnorm with a fused ReLU equals batchnorm then relu (y, dx, dgamma, dbeta; train and eval)",
  async (gpu) => {
    const rng = new Rng(22);
    const [B, C, S] = [3, 5, 7];
    const x = randn(rng, B * C * S), gamma = randn(rng, C), beta = randn(rng, C);
    const dy = randn(rng, B * C * S);
    const results: Float32Array[][] = [];
    for (const fused of [false, true]) {
      const set = bnParams(gpu, gamma, beta);
      using _ = new Scope(gpu);
      const X = Tensor.from(gpu, x, [B, C, S]);
      X.requiresGrad = true;
      const running = Tensor.zeros(gpu, [2, C]);
      const bn = (training: boolean) =>
        batchNorm(X, set.get("gamma"), set.get("beta"), running, { training, relu: fused });
      const y = fused ? bn(true) : relu(bn(true));
      backward(y, Tensor.from(gpu, dy, y.shape));
      const yEval = fused ? bn(false) : relu(bn(false));
      const grads = await set.read("grads");
      results.push([
        await y.read(),
        await X.grad!.read(),
        grads.get("gamma")!,
        grads.get("beta")!,
        await yEval.read(),
      ]);
      set.destroy();
    }
    const [plain, fused] = results;
    if (!plain[0].some((v) => v === 0)) throw new Error("no value was clipped: a weak test");
    ["y", "dx", "dgamma", "dbeta", "eval y"].forEach((name, i) =>
      assertClose(fused[i], plain[i], { atol: 1e-6, rtol: 1e-6 }, name)
    );
  },
);

gpuTest(
  "batchnorm forward and backward match the float64 reference on the four-per-invocation " +
    "path (vec4 within a channel and straddling two) and the one-per-invocation path",
  async (gpu) => {
    const rng = new Rng(23);
    // sizes % 4 == 0 with S >= 4 take the vec4 kernels: S = 4 (aligned), 5 and 49 (vec4s
    // straddle two channels, the last channel's into the next sample's first); [3, 5, 7] (105
    // values) and [2, 4, 2] (S < 4: a vec4 would span more than two planes) the scalar ones
    const shapes: [number, number, number][] = [
      [2, 3, 4],
      [4, 3, 5],
      [2, 8, 49],
      [3, 5, 7],
      [2, 4, 2],
      [3, 4, 100],
      [2, 3, 300],
      [3, 5, 259], // long planes starting at every offset mod 4, a partial last round
    ];
    for (const shape of shapes) {
      for (const fused of [false, true]) {
        const [B, C, S] = shape;
        const x = randn(rng, B * C * S), dy = randn(rng, B * C * S);
        const gamma = randn(rng, C), beta = randn(rng, C);
        const set = bnParams(gpu, gamma, beta);
        using _ = new Scope(gpu);
        const X = Tensor.from(gpu, x, shape);
        X.requiresGrad = true;
        const y = batchNorm(X, set.get("gamma"), set.get("beta"), Tensor.zeros(gpu, [2, C]), {
          training: true,
          relu: fused,
        });
        // y + X: the input gradient accumulates onto the identity's (the accumulate path)
        backward(add(y, X), Tensor.from(gpu, dy, shape));
        const fwd = batchNormRef(x, gamma, beta, B, C, S).y.map((
          v,
        ) => (fused ? Math.max(v, 0) : v));
        const ref = batchNormBackwardRef(x, dy, gamma, beta, shape, fused);
        const what = `[${shape}] relu ${fused}`;
        assertClose(await y.read(), fwd, TOL, `y ${what}`);
        assertClose(await X.grad!.read(), ref.dx.map((v, i) => v + dy[i]), TOL, `dx ${what}`);
        const grads = await set.read("grads");
        assertClose(grads.get("gamma")!, ref.dgamma, TOL, `dgamma ${what}`);
        assertClose(grads.get("beta")!, ref.dbeta, TOL, `dbeta ${what}`);
        set.destroy();
      }
    }
  },
);

gpuTest(
  "batchnorm with a fused residual and ReLU equals relu(batchnorm + residual) to the bit " +
    "(forward, every gradient, eval), and names a residual of the wrong shape",
  async (gpu) => {
    const rng = new Rng(24);
    const shapes: [number, number, number][] = [[2, 3, 5], [3, 5, 7], [2, 8, 49]];
    for (const shape of shapes) {
      for (const [fused, training] of [[true, true], [false, true], [true, false]]) {
        const [B, C, S] = shape;
        const x = randn(rng, B * C * S), r = randn(rng, B * C * S), dy = randn(rng, B * C * S);
        const gamma = randn(rng, C), beta = randn(rng, C);
        const results: Float32Array[][] = [];
        for (const together of [true, false]) {
          const set = bnParams(gpu, gamma, beta);
          using _ = new Scope(gpu);
          const X = Tensor.from(gpu, x, shape), R = Tensor.from(gpu, r, shape);
          X.requiresGrad = training;
          R.requiresGrad = training;
          const running = Tensor.zeros(gpu, [2, C]);
          const [g, b] = [set.get("gamma"), set.get("beta")];
          const y = together
            ? batchNorm(X, g, b, running, { training, relu: fused, residual: R })
            : (() => {
              const sum = add(batchNorm(X, g, b, running, { training }), R);
              return fused ? relu(sum) : sum;
            })();
          const out = [await y.read()];
          if (training) {
            backward(y, Tensor.from(gpu, dy, shape));
            const grads = await set.read("grads");
            out.push(await X.grad!.read(), await R.grad!.read(), grads.get("gamma")!);
            out.push(grads.get("beta")!);
          }
          results.push(out);
          set.destroy();
        }
        const what = `[${shape}] relu ${fused} training ${training}`;
        results[0].forEach((got, i) =>
          assertClose(got, results[1][i], { atol: 0, rtol: 0 }, `${what} output ${i}`)
        );
      }
    }
    using _ = new Scope(gpu);
    const set = bnParams(gpu, new Float32Array(3), new Float32Array(3));
    const X = Tensor.zeros(gpu, [2, 3, 4]);
    const msg = thrown(() =>
      batchNorm(X, set.get("gamma"), set.get("beta"), Tensor.zeros(gpu, [2, 3]), {
        training: true,
        residual: Tensor.zeros(gpu, [2, 3, 5]),
      })
    );
    assert(msg.includes("batchnorm residual") && msg.includes("2,3,5"), msg);
    set.destroy();
  },
);

gpuTest(
  "the split (two-stage) per-channel reductions match the float64 reference: statistics, " +
    "running statistics, y, dx, dgamma, dbeta, with and without a fused ReLU",
  async (gpu) => {
    const rng = new Rng(25);
    // slices of one chunk and of several (4096 values each, the last one short), planes under
    // 256 values (64 lanes), single samples; means far from zero (the merge's cancellation)
    const shapes: [number, number, number][] = [
      [2, 3, 5],
      [3, 2, 4096],
      [2, 3, 5000],
      [1, 2, 9000],
      [4, 3, 100],
    ];
    for (const shape of shapes) {
      for (const fused of [false, true]) {
        const [B, C, S] = shape;
        // channels' means far from zero, and the samples' apart (the merge's between-slice term)
        const x = randn(rng, B * C * S).map((v, i) =>
          v + 20 * (Math.floor(i / S) % C) + 3 * Math.floor(i / (C * S))
        );
        const dy = randn(rng, B * C * S);
        const gamma = randn(rng, C), beta = randn(rng, C);
        const rm = randn(rng, C), rv = randn(rng, C).map((v) => 1 + Math.abs(v));
        const set = bnParams(gpu, gamma, beta);
        using _ = new Scope(gpu);
        const X = Tensor.from(gpu, x, shape);
        X.requiresGrad = true;
        const running = Tensor.from(gpu, [...rm, ...rv], [2, C]);
        let y: Tensor | null = null;
        const ran = await dispatchedWith(gpu, BATCHNORM_SPLIT, () => {
          y = batchNorm(X, set.get("gamma"), set.get("beta"), running, {
            training: true,
            relu: fused,
          });
          // y + X: the input gradient accumulates onto the identity's
          backward(add(y, X), Tensor.from(gpu, dy, shape));
        });
        for (const k of ["batchnorm_stats_partial", "batchnorm_backward_reduce_merge"]) {
          assert(ran.has(k), `${k} did not run for [${shape}]: ${[...ran]}`);
        }
        const ref = batchNormRef(x, gamma, beta, B, C, S);
        const back = batchNormBackwardRef(x, dy, gamma, beta, shape, fused);
        const what = `split [${shape}] relu ${fused}`;
        const fwd = ref.y.map((v) => (fused ? Math.max(v, 0) : v));
        assertClose(await y!.read(), fwd, TOL, `y ${what}`);
        const n = B * S;
        const wantRunning = [
          ...Array.from(rm, (v, c) => 0.9 * v + 0.1 * ref.mean[c]),
          ...Array.from(rv, (v, c) => 0.9 * v + 0.1 * ref.variance[c] * n / (n - 1)),
        ];
        assertClose(await running.read(), wantRunning, TOL, `running stats ${what}`);
        assertClose(await X.grad!.read(), back.dx.map((v, i) => v + dy[i]), TOL, `dx ${what}`);
        const grads = await set.read("grads");
        assertClose(grads.get("gamma")!, back.dgamma, TOL, `dgamma ${what}`);
        assertClose(grads.get("beta")!, back.dbeta, TOL, `dbeta ${what}`);
        set.destroy();
      }
    }
  },
);

gpuTest("a GPU splits the reductions of large planes only; the software adapter never", (gpu) => {
  const gpuLike = { adapterInfo: { isFallbackAdapter: false }, software: false } as unknown as Gpu;
  assert(splitSlices(gpuLike, 64, 112 * 112) === 64 * 4, "64 x 112x112: 4 chunks per plane");
  assert(splitSlices(gpuLike, 2, 8 * 56 * 56) === 2 * 7, "I3D's 8x56x56 at batch 2");
  assert(splitSlices(gpuLike, 16, 49) === 0, "784 values per channel: one workgroup each");
  const excluding = { ...gpuLike } as unknown as Gpu;
  configureVariants(excluding, { exclude: [BATCHNORM_SPLIT] });
  assert(splitSlices(excluding, 64, 112 * 112) === 0, "MMBOOST_EXCLUDE=batchnorm_split");
  if (gpu.adapterInfo.isFallbackAdapter && variantPolicy(gpu).prefer !== BATCHNORM_SPLIT) {
    assert(splitSlices(gpu, 64, 112 * 112) === 0, "the software adapter keeps one per channel");
  }
});
