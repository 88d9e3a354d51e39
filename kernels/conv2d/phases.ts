/**
 * The stride phases of a convolution's input gradient in one dispatch: the generated
 * backward-input kernels (tools/gen_kernels.ts, tools/gen_conv3d.ts) read their phase's sizes
 * from `p.phases[wid.z]`, so the S*S (or Sd*Sh*Sw) implicit GEMMs of a strided convolution run
 * as one grid instead of one dispatch each. On a GPU that is the difference between a few dozen
 * workgroups per dispatch, one dispatch after another, and all of them at once (ResNet18's
 * layer4 at batch 64: 50 workgroups of 128x128 per phase); each output is summed exactly as
 * before, so the results are the same to the bit.
 */

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
