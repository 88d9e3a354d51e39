import {
  assertClose,
  dispatchedWith,
  FILL_ONES,
  gpuTest,
  randn,
  variantTolerance,
} from "../../_helpers.ts";
import { conv2dRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { Autotuner } from "../../../kernels/variants/autotune.ts";
import {
  GEMM_VARIANTS,
  parseTuneFamilies,
  variantFamily,
  variantPolicy,
} from "../../../kernels/variants/policy.ts";
import { parseTuneBudget } from "../../../pipelines/env.ts";
import { conv2dForwardInto, conv2dShape } from "../../../kernels/conv2d/conv2d.ts";
import { join } from "node:path";

gpuTest(
  "autotune measures each new shape once, caches the choice on disk, a second run reuses it, changed kernels are measured again",
  async (gpu) => {
    const policy = variantPolicy(gpu);
    const dir = await Deno.makeTempDir(), path = join(dir, "sub", "autotune.json");
    // 21 MFLOP: above MIN_TUNE_FLOPS (smaller shapes keep the default without measuring)
    const [xs, ws] = [[4, 16, 24, 24], [32, 16, 3, 3]];
    const s = conv2dShape(xs, ws, { stride: 1, padding: 1 });
    const rng = new Rng(60);
    const x = randn(rng, 4 * 16 * 576), w = randn(rng, 32 * 16 * 9);
    const run = async () => {
      using _ = new Scope(gpu);
      const y = Tensor.empty(gpu, [4, 32, 24, 24]);
      conv2dForwardInto(y, Tensor.from(gpu, x, xs), Tensor.from(gpu, w, ws), s);
      return await y.read();
    };
    const families = policy.tuneFamilies;
    try {
      policy.tuneFamilies = GEMM_VARIANTS; // every family, whatever the adapter
      policy.tuner = await Autotuner.open(gpu, path);
      const first = await run(); // the default variant, and the shape is queued
      if (policy.tuner.pending !== 1) throw new Error(`pending ${policy.tuner.pending}, want 1`);
      const results = await policy.tuner.tune(gpu);
      // every variant measured (in an order that follows the timings: clearly slower ones first)
      const all = "cpu,gpu,tiled,wide,winograd,winograd_gpu,winograd_tiled,winograd_wide," +
        "winograd_f4,winograd_f4_gpu,winograd_f4_tiled,winograd_f4_wide,winograd_f6," +
        "winograd_f6_gpu,winograd_f6_tiled,winograd_f6_wide";
      if (
        results.length !== 1 ||
        Object.keys(results[0].ms).sort().join() !== all.split(",").sort().join()
      ) {
        throw new Error(`unexpected results ${JSON.stringify(results)}`);
      }
      if (results[0].fallback !== policy.gemm) throw new Error(`fallback ${results[0].fallback}`);
      const choice = results[0].choice;
      const tuned = await run(); // the measured variant: same numbers (same summation order)
      const want = conv2dRef(x, w, s), tol = variantTolerance(choice, want);
      assertClose(tuned, want, tol, `tuned (${choice}) vs reference`);
      assertClose(first, want, variantTolerance(results[0].fallback, want), "default vs reference");
      // a second run (a new tuner on the same file) finds the choice and measures nothing
      policy.tuner = await Autotuner.open(gpu, path);
      await run();
      if (policy.tuner.pending !== 0) throw new Error("the cached shape was queued again");
      if ((await policy.tuner.tune(gpu)).length !== 0 || policy.tuner.measured !== 0) {
        throw new Error("the second run measured again");
      }
      const cached = [...policy.tuner.choices.values()];
      if (cached.length !== 1 || cached[0] !== choice) {
        throw new Error(`second run chose ${cached}, first ${choice}`);
      }
      const file = JSON.parse(await Deno.readTextFile(path));
      if (Object.keys(file.adapters).length !== 1) throw new Error("one adapter expected");
      // a choice measured for other kernels (another version: another fingerprint) is not reused
      const text = await Deno.readTextFile(path);
      if (!/#[0-9a-f]{8}"/.test(text)) throw new Error(`no kernel fingerprint in ${text}`);
      const stale = JSON.parse(text.replace(/#[0-9a-f]{8}"/g, '#00000000"'));
      const [adapter] = Object.keys(stale.adapters);
      stale.adapters[adapter]["conv2d_forward|9,9,9#00000000"] = "cpu"; // another shape
      await Deno.writeTextFile(path, JSON.stringify(stale));
      policy.tuner = await Autotuner.open(gpu, path);
      await run();
      if (policy.tuner.pending !== 1) throw new Error("a choice for changed kernels was reused");
      // measuring it anew drops the superseded entry from the file, and keeps the other shape's
      await policy.tuner.tune(gpu);
      const ids = Object.keys(JSON.parse(await Deno.readTextFile(path)).adapters[adapter]);
      const forShape = ids.filter((id) => id !== "conv2d_forward|9,9,9#00000000");
      if (forShape.length !== 1 || forShape[0].endsWith("#00000000")) {
        throw new Error(`entries for the shape after a new measurement: ${forShape}`);
      }
      if (!ids.includes("conv2d_forward|9,9,9#00000000")) throw new Error("another shape lost");
    } finally {
      policy.tuner = null;
      policy.tuneFamilies = families;
      await Deno.remove(dir, { recursive: true });
    }
  },
);

gpuTest("shapes under MIN_TUNE_FLOPS keep the default and are not queued", async (gpu) => {
  const policy = variantPolicy(gpu);
  try {
    policy.tuner = new Autotuner("test", null);
    using _ = new Scope(gpu);
    const s = conv2dShape([1, 4, 8, 8], [4, 4, 3, 3], { stride: 1, padding: 1 });
    conv2dForwardInto(
      Tensor.empty(gpu, [1, 4, 8, 8]),
      Tensor.zeros(gpu, [1, 4, 8, 8]),
      Tensor.zeros(gpu, [4, 4, 3, 3]),
      s,
    );
    if (policy.tuner.pending !== 0) throw new Error("a tiny shape was queued");
    await gpu.sync();
  } finally {
    policy.tuner = null;
  }
});

gpuTest("a cache that cannot be written keeps the choices in memory and says why", async (gpu) => {
  const policy = variantPolicy(gpu);
  const dir = await Deno.makeTempDir();
  const blocker = join(dir, "file");
  await Deno.writeTextFile(blocker, "not a folder");
  try {
    policy.tuner = await Autotuner.open(gpu, join(blocker, "autotune.json")); // parent is a file
    using _ = new Scope(gpu);
    const s = conv2dShape([4, 16, 24, 24], [32, 16, 3, 3], { stride: 1, padding: 1 });
    conv2dForwardInto(
      Tensor.empty(gpu, [4, 32, 24, 24]),
      Tensor.zeros(gpu, [4, 16, 24, 24]),
      Tensor.zeros(gpu, [32, 16, 3, 3]),
      s,
    );
    const results = await policy.tuner.tune(gpu);
    if (results.length !== 1 || policy.tuner.choices.size !== 1) throw new Error("not measured");
    if (!policy.tuner.saveError?.includes("autotune.json")) {
      throw new Error(`saveError: ${policy.tuner.saveError}`);
    }
  } finally {
    policy.tuner = null;
    await Deno.remove(dir, { recursive: true });
  }
});

gpuTest(
  "excluded variants (MMBOOST_EXCLUDE) are neither measured nor run, the default stays",
  async (gpu) => {
    const policy = variantPolicy(gpu);
    const families = policy.tuneFamilies;
    try {
      policy.tuneFamilies = GEMM_VARIANTS; // the GPU families too (on the software adapter)
      policy.tuner = new Autotuner("test", null);
      // batchnorm_split is no conv variant: it must not enter the conv's key (a retune)
      policy.exclude = ["winograd_f4", "tiled", "batchnorm_split"];
      using _ = new Scope(gpu);
      const s = conv2dShape([4, 16, 24, 24], [32, 16, 3, 3], { stride: 1, padding: 1 });
      const run = () =>
        conv2dForwardInto(
          Tensor.empty(gpu, [4, 32, 24, 24]),
          Tensor.zeros(gpu, [4, 16, 24, 24]),
          Tensor.zeros(gpu, [32, 16, 3, 3]),
          s,
        );
      run();
      const results = await policy.tuner.tune(gpu);
      // which variants were measured (their order follows the timings: it varies under load)
      const measured = Object.keys(results[0]?.ms ?? {}).sort().join();
      const want = ["cpu", "gpu", "wide", "winograd", "winograd_gpu", "winograd_tiled"]
        .concat(["winograd_wide", "winograd_f6", "winograd_f6_gpu", "winograd_f6_tiled"])
        .concat(["winograd_f6_wide"]).sort().join();
      if (measured !== want) {
        throw new Error(`measured ${measured}`);
      }
      const [id] = policy.tuner.choices.keys();
      if (!id.endsWith("-winograd_f4-tiled")) throw new Error(`the key ${id} hides the exclusion`);
      const ran = await dispatchedWith(gpu, "winograd_f4", run); // excluded even when preferred
      if ([...ran].some((k) => k.startsWith("winograd_f4"))) throw new Error(`ran ${[...ran]}`);
      await gpu.sync();
    } finally {
      policy.tuner = null;
      policy.tuneFamilies = families;
      policy.exclude = [];
    }
  },
);

gpuTest(
  "on the software adapter the tuner measures the cpu family only unless told (MMBOOST_TUNE_FAMILIES)",
  async (gpu) => {
    const policy = variantPolicy(gpu);
    const families = policy.tuneFamilies;
    try {
      policy.tuner = new Autotuner("test", null);
      policy.tuneFamilies = parseTuneFamilies(undefined, true, "X");
      using _ = new Scope(gpu);
      const s = conv2dShape([4, 16, 24, 24], [32, 16, 3, 3], { stride: 1, padding: 1 });
      const y = Tensor.empty(gpu, [4, 32, 24, 24]);
      conv2dForwardInto(
        y,
        Tensor.zeros(gpu, [4, 16, 24, 24]),
        Tensor.zeros(gpu, [32, 16, 3, 3]),
        s,
      );
      const results = await policy.tuner.tune(gpu);
      const measured = Object.keys(results[0]?.ms ?? {}).sort().join(); // order: by timings
      if (measured !== "cpu,winograd,winograd_f4,winograd_f6") {
        throw new Error(`measured ${measured}`);
      }
      const [id] = policy.tuner.choices.keys();
      if (!id.endsWith("~cpu")) throw new Error(`the key ${id} hides the family restriction`);
      await gpu.sync();
    } finally {
      policy.tuner = null;
      policy.tuneFamilies = families;
    }
    const check = (got: unknown, want: unknown, what: string) => {
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: ${got}`);
    };
    check(parseTuneFamilies(undefined, false, "X"), ["gpu", "tiled", "wide"], "a GPU's default");
    check(parseTuneFamilies("all", true, "X"), GEMM_VARIANTS, "all");
    check(parseTuneFamilies("cpu,wide", true, "X"), ["cpu", "wide"], "a list");
    let msg = "";
    try {
      parseTuneFamilies("cpu,gpus", true, "MMBOOST_TUNE_FAMILIES");
    } catch (e) {
      msg = (e as Error).message;
    }
    if (!msg.includes("MMBOOST_TUNE_FAMILIES") || !msg.includes('"gpus"')) throw new Error(msg);
    const names = ["cpu", "narrow", "pointwise", "winograd_f4", "gpu", "winograd_f6_tiled", "wide"];
    check(
      names.map(variantFamily),
      ["cpu", "cpu", "cpu", "cpu", "gpu", "tiled", "wide"],
      "families",
    );
  },
);

gpuTest(
  "a tuning budget leaves the shapes it did not reach queued; a long tune saves as it goes",
  async (gpu) => {
    const dir = await Deno.makeTempDir(), path = join(dir, "autotune.json");
    const tuner = new Autotuner("test", path);
    const pending = () => tuner.pending; // a getter: read anew after each tune
    const onDisk = () => {
      try {
        return Object.keys(JSON.parse(Deno.readTextFileSync(path)).adapters.test);
      } catch {
        return [];
      }
    };
    const seen: Record<string, string[]> = {};
    for (const key of ["a", "b", "c"]) {
      tuner.request("op", key, ["x", "y"], "x", () => {
        seen[key] = onDisk(); // what a run stopped here would have kept
        return () => {};
      });
    }
    try {
      const first = await tuner.tune(gpu, { budgetMs: 1e-6 }); // spent at once: one shape only
      if (first.length !== 1 || first[0].key !== "a" || pending() !== 2) {
        throw new Error(`measured ${first.map((r) => r.key)}, pending ${pending()}`);
      }
      const rest = await tuner.tune(gpu, { saveEveryMs: 0 }); // no budget: the rest
      if (rest.map((r) => r.key).join() !== "b,c" || pending() !== 0) {
        throw new Error(`then measured ${rest.map((r) => r.key)}, pending ${pending()}`);
      }
      if (seen.c.join() !== "op|a,op|b") throw new Error(`on disk before c: ${seen.c}`);
      if (onDisk().join() !== "op|a,op|b,op|c") throw new Error(`on disk: ${onDisk()}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("MMBOOST_TUNE_BUDGET: seconds > 0, a clear error otherwise", () => {
  if (parseTuneBudget(undefined) !== null || parseTuneBudget("") !== null) throw new Error("unset");
  if (parseTuneBudget("90") !== 90_000 || parseTuneBudget("0.5") !== 500) throw new Error("parse");
  for (const bad of ["0", "-3", "abc", "Infinity"]) {
    let message = "";
    try {
      parseTuneBudget(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    if (!message.includes("MMBOOST_TUNE_BUDGET") || !message.includes(bad)) {
      throw new Error(`"${bad}": ${message || "accepted"}`);
    }
  }
});

gpuTest("a variant WebGPU rejects on this device is reported and never chosen", async (gpu) => {
  using _ = new Scope(gpu);
  const t = Tensor.zeros(gpu, [4]);
  const tuner = new Autotuner("test", null);
  // "bad" dispatches over maxComputeWorkgroupsPerDimension: WebGPU drops it, so it would time
  // as the fastest
  tuner.request("op", "k", ["bad", "good"], "bad", () => (v) => {
    gpu.dispatch(FILL_ONES, [t.range], null, [v === "bad" ? 70000 : 4]);
  });
  const [r] = await tuner.tune(gpu);
  if (r.choice !== "good" || !/dispatch group size/.test(r.failed?.bad ?? "")) {
    throw new Error(`chose ${r.choice}, failed ${JSON.stringify(r.failed)}`);
  }
  if ("bad" in r.ms || r.failed?.good) throw new Error(`timed ${Object.keys(r.ms)}`);
  await gpu.sync(); // the errors were captured, not left for the run's next wait
});
