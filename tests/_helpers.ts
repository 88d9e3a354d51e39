/** Shared test helpers: one GPU per test file, random data, closeness checks, fixtures. */
import type { Gpu } from "../kernels/runtime/gpu.ts";
import { GEMM_VARIANTS, type GemmVariant, variantPolicy } from "../kernels/variants/policy.ts";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "../pipelines/env.ts";
import type { Rng } from "../kernels/init/init.ts";
import { readSafetensors } from "../pipelines/io/safetensors.ts";

let shared: Promise<Gpu> | null = null;

/** The test run's GPU (created once; WebGPU resources outlive single tests by design). */
export function testGpu(): Promise<Gpu> {
  shared ??= openGpu(envDevice(false)); // MMBOOST_* settings apply to the tests too
  return shared;
}

/**
 * Destroy the run's GPU, if one was created (tests/zz_teardown_test.ts, the last file, calls it):
 * left to the process's exit, the software adapter's threads can still run while its memory is
 * freed.
 */
export async function destroyTestGpu(): Promise<void> {
  const gpu = shared;
  shared = null;
  if (gpu) await (await gpu).destroy();
}

/** Deno.test with resource/op sanitizers off (GPU objects live across tests). */
export function gpuTest(name: string, fn: (gpu: Gpu) => Promise<void> | void): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => await fn(await testGpu()),
  });
}

/**
 * Run `f` with `variant` preferred wherever an op offers it (the policy's `prefer`; null: none) and
 * return the names of the kernels it dispatched (gpu.dispatch and the preference are restored).
 */
export async function dispatchedWith(
  gpu: Gpu,
  variant: string | null,
  f: () => Promise<void> | void,
): Promise<Set<string>> {
  const ran = new Set<string>(), dispatch = gpu.dispatch, before = variantPolicy(gpu).prefer;
  gpu.dispatch = (kernel, ...rest) => {
    ran.add(kernel.name.split("#")[0]); // specialized pipelines count under their kernel
    return dispatch.call(gpu, kernel, ...rest);
  };
  variantPolicy(gpu).prefer = variant;
  try {
    await f();
  } finally {
    variantPolicy(gpu).prefer = before;
    gpu.dispatch = dispatch;
  }
  return ran;
}

/** The message `fn` throws ("" when it does not throw), for checking error texts. */
export function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

/** The message a promise rejects with ("" when it resolves). */
export async function rejected(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

/** Run `fn` once with each GEMM kernel family (cpu, gpu, shared-memory tiled and wide). */
export async function forEachGemm(
  gpu: Gpu,
  fn: (variant: GemmVariant) => Promise<void>,
): Promise<void> {
  const before = variantPolicy(gpu).gemm;
  try {
    for (const v of GEMM_VARIANTS) {
      variantPolicy(gpu).gemm = v;
      await fn(v);
    }
  } finally {
    variantPolicy(gpu).gemm = before;
  }
}

/** n standard normals (scaled), seeded. */
export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

/** Tolerances: |actual - expected| <= atol + rtol * |expected| elementwise. */
export interface Tolerance {
  atol: number;
  rtol: number;
}

const CONV_TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };

/**
 * The tolerance of a convolution variant's result `ref`: 1e-4 (atol and rtol) for the direct
 * kernels and F(2x2, 3x3). F(4x4, 3x3) Winograd rounds worse than the direct
 * sums: its transforms scale by up to 25 and divide by 24, so its error follows the size of the
 * summed terms rather than of each result. Measured worst error 2e-5 to 7e-5 times the RMS of the
 * result at ResNet shapes (direct and F(2x2): 1e-6 to 4e-6); allowed: 2e-4 x RMS, absolute.
 * F(6x6, 3x3) (coefficients up to 32, down to 1/90): 2e-5 to 9e-5 measured; allowed 6e-4 x RMS.
 */
export function variantTolerance(variant: string, ref: ArrayLike<number>): Tolerance {
  const scale = variant.startsWith("winograd_f4")
    ? 2e-4
    : variant.startsWith("winograd_f6")
    ? 6e-4
    : 0;
  if (scale === 0) return CONV_TOL;
  const rms = Math.sqrt(Array.from(ref).reduce((s, v) => s + v * v, 0) / ref.length);
  return { atol: Math.max(CONV_TOL.atol, scale * rms), rtol: CONV_TOL.rtol };
}

/** Assert closeness, reporting the count and the first mismatches with their indices. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label = "",
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} != expected ${expected.length}`);
  }
  const bad: string[] = [];
  let count = 0, worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const err = Math.abs(a - e);
    if (!(err <= tol.atol + tol.rtol * Math.abs(e))) {
      count++;
      worst = Math.max(worst, err);
      if (bad.length < 5) bad.push(`[${i}] got ${a}, want ${e}`);
    }
  }
  if (count > 0) {
    throw new Error(
      `${label}: ${count}/${actual.length} values off (atol ${tol.atol}, rtol ${tol.rtol}, ` +
        `worst abs err ${worst}): ${bad.join("; ")}`,
    );
  }
}

/** A PyTorch fixture: tensors by name, and its metadata. */
export async function fixture(name: string) {
  const f = await readSafetensors(
    new URL(`./fixtures/${name}.safetensors`, import.meta.url).pathname,
  );
  return {
    metadata: f.metadata,
    get(key: string): Float32Array {
      const t = f.tensors.get(key);
      if (!t) throw new Error(`fixture ${name} has no tensor "${key}"`);
      return t.data as Float32Array;
    },
    /** The tensor, or undefined when the fixture has none of that name. */
    find(key: string): Float32Array | undefined {
      return f.tensors.get(key)?.data as Float32Array | undefined;
    },
    shape(key: string): number[] {
      const t = f.tensors.get(key);
      if (!t) throw new Error(`fixture ${name} has no tensor "${key}"`);
      return t.shape;
    },
  };
}

/**
 * Central-difference gradient of L(x) = sum_i r_i f(x)_i in f64, for checking a backward pass.
 * `f` is the float64 CPU reference of the forward.
 */
export function numericGrad(
  f: (x: Float64Array) => Float64Array,
  x: ArrayLike<number>,
  r: ArrayLike<number>,
  h = 1e-5,
): Float64Array {
  const xv = Float64Array.from(x);
  const g = new Float64Array(xv.length);
  const L = () => {
    const y = f(xv);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  };
  for (let i = 0; i < xv.length; i++) {
    const x0 = xv[i];
    xv[i] = x0 + h;
    const up = L();
    xv[i] = x0 - h;
    const down = L();
    xv[i] = x0;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/**
 * Run an entry script (pipelines/<name>.ts) in a subprocess and return its output; a failure
 * throws with the output. Autotune choices go to `tuneFile`, never the user's cache.
 */
export async function runEntry(name: string, args: string[], tuneFile: string): Promise<string> {
  const script = new URL(`../pipelines/${name}.ts`, import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    env: { MMBOOST_AUTOTUNE: tuneFile },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${name} ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** A kernel writing 1 to each element of its one buffer (any grid; checks bounds). */
export const FILL_ONES = {
  name: "test_fill_ones",
  code: `@group(0) @binding(0) var<storage, read_write> o: array<f32>;
@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < arrayLength(&o)) { o[g.x] = 1.0; }
}`,
};
