/**
 * Split-K dispatch of a weight-gradient kernel (conv2d and conv3d backward-weight): the
 * reduction (K = batch x output positions) is split along grid z until the grid has about
 * `targetGroups` workgroups (each split at least 512 long); split z writes slice z of a
 * [splits, M, N] scratch tensor and `split_reduce` sums the slices into the output.
 */
import splitReduceSrc from "./split_reduce.wgsl" with { type: "text" };
import { type BufferRange, groups1d } from "../runtime/gpu.ts";
import type { TiledKernel } from "../variants/table.ts";
import { Tensor } from "../tensor.ts";

const splitReduceKernel = { name: "split_reduce", code: splitReduceSrc };

/** A weight-gradient kernel, its tile and the grid size its split aims for. */
export interface SplitKKernel extends TiledKernel {
  targetGroups: number;
}

/** The software adapter's weight-gradient kernels (want about 64 workgroups: its cores). */
const CPU_VARIANTS: readonly string[] = ["cpu", "narrow", "vec4", "vec4_narrow"];

/**
 * Split-K targets per variant: the software adapter's kernels (CPU_VARIANTS) want about 64
 * workgroups (its cores), a GPU's about 1024.
 */
export function splitKTable<V extends string>(
  table: Record<V, TiledKernel>,
): Record<V, SplitKKernel> {
  const entries = Object.entries(table) as [V, TiledKernel][];
  return Object.fromEntries(entries.map(([v, k]) => [v, {
    ...k,
    targetGroups: CPU_VARIANTS.includes(v) ? 64 : 1024,
  }])) as Record<V, SplitKKernel>;
}

/**
 * How many splits of a reduction of length K bring a grid of `groups` workgroups (per split) to
 * about `targetGroups`, each split at least 512 long.
 */
export function splitCount(targetGroups: number, groups: number, K: number): number {
  return Math.max(1, Math.min(Math.ceil(targetGroups / groups), Math.ceil(K / 512)));
}

/**
 * out [M, N] (+)= the kernel's result. `uniforms(accumulate, kps)` gives the kernel's Params;
 * `inputs` are bound before the output.
 */
export function dispatchSplitK(
  v: SplitKKernel,
  out: Tensor,
  inputs: BufferRange[],
  [M, N, K]: [number, number, number],
  accumulate: boolean,
  uniforms: (accumulate: boolean, kps: number) => number[],
): void {
  const gx = Math.ceil(N / v.cols), gy = Math.ceil(M / v.rows);
  const splits = splitCount(v.targetGroups, gx * gy, K);
  const kps = Math.ceil(K / splits);
  const gpu = out.gpu;
  const target = splits === 1 ? out : Tensor.empty(gpu, [splits, M, N]);
  gpu.dispatch(v.kernel, [...inputs, target.range], {
    u: uniforms(splits === 1 && accumulate, kps),
  }, [gx, gy, splits]);
  if (splits > 1) sumSplits(target, out, accumulate);
}

/** out (+)= the sum of the slices of `parts` [splits, ...out.shape] (split_reduce); frees parts. */
export function sumSplits(parts: Tensor, out: Tensor, accumulate: boolean): void {
  out.gpu.dispatch(splitReduceKernel, [parts.range, out.range], {
    u: [out.size, parts.shape[0], accumulate ? 1 : 0],
  }, groups1d(out.size, 64));
  parts.dispose();
}
