/**
 * The stride phases of a convolution's input gradient in one dispatch: the generated
 * backward-input kernels (tools/gen_kernels.ts, tools/gen_conv3d.ts) read their phase's sizes
 * from `p.phases[wid.z]`, so the S*S (or Sd*Sh*Sw) implicit GEMMs of a strided convolution run
 * as one grid instead of one dispatch each. On a GPU that is the difference between a few dozen
 * workgroups per dispatch, one dispatch after another, and all of them at once (ResNet18's
 * layer4 at batch 64: 50 workgroups of 128x128 per phase); each output is summed exactly as
 * before, so the results are the same to the bit.
 */
import type { BufferRange, Gpu } from "../runtime/gpu.ts";
import type { TiledKernel } from "../variants/table.ts";

/**
 * The families whose input-gradient kernels read the phases from the table: the GPUs'. The
 * software adapter's ("cpu", "narrow") take one dispatch per phase with the phase in scalar
 * uniforms: llvmpipe reads a dynamically indexed uniform lane by lane, and their strided input
 * gradients ran 1.1-1.2x slower folded.
 */
export const FOLDED_PHASES: ReadonlySet<string> = new Set(["gpu", "tiled", "wide"]);

/** Phases one dispatch covers at most (the kernels' `array<Phase, 16>`). */
export const MAX_PHASES = 16;

/**
 * The uniforms of a phase-folded kernel: the `common` fields, then from the next 16-byte
 * boundary the `phases` (each `fields` u32 long, padded to `stride`), zero-filled to
 * MAX_PHASES, the size of the kernel's Params struct.
 */
export function phaseUniforms(common: number[], phases: number[][], stride: number): number[] {
  if (phases.length > MAX_PHASES) {
    throw new Error(`${phases.length} phases in one dispatch, at most ${MAX_PHASES}`);
  }
  const pad = (a: number[], n: number) => [...a, ...new Array<number>(n - a.length).fill(0)];
  const head = pad(common, Math.ceil(common.length / 4) * 4);
  for (const ph of phases) {
    if (ph.length > stride) throw new Error(`a phase of ${ph.length} fields, at most ${stride}`);
  }
  const body = phases.flatMap((ph) => pad(ph, stride));
  return [...head, ...pad(body, MAX_PHASES * stride)];
}

/** `items` in groups of at most `size`. */
export function chunks<T>(items: T[], size = MAX_PHASES): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** How an input-gradient kernel takes its stride phases. */
export interface PhaseDispatch {
  /** The kernel, its tile, and whether it reads the phases from a table (grid z) or scalars. */
  kernel: TiledKernel;
  folded: boolean;
  buffers: BufferRange[];
  /** The uniforms before the phase: the geometry with this GEMM's N and K (0, 0 when folded). */
  fields: (N: number, K: number) => number[];
  /** Words per phase in the table (the kernel's Phase struct). */
  stride: number;
}

/**
 * Dispatches the phases (each [N, K, ...the phase's fields]): one dispatch each, the phase after
 * the geometry, or, folded, up to MAX_PHASES per dispatch over a grid as wide as the largest.
 */
export function dispatchPhases(gpu: Gpu, d: PhaseDispatch, phases: number[][], M: number) {
  const k = d.kernel, rows = Math.ceil(M / k.rows);
  if (!d.folded) {
    for (const [N, K, ...phase] of phases) {
      gpu.dispatch(k.kernel, d.buffers, { u: [...d.fields(N, K), ...phase] }, [
        Math.ceil(N / k.cols),
        rows,
      ]);
    }
    return;
  }
  for (const part of chunks(phases)) {
    const cols = Math.max(...part.map(([N]) => N));
    gpu.dispatch(k.kernel, d.buffers, { u: phaseUniforms(d.fields(0, 0), part, d.stride) }, [
      Math.ceil(cols / k.cols),
      rows,
      part.length,
    ]);
  }
}
