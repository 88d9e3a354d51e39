/**
 * The parts of the Winograd convolutions shared by the 2-D (winograd.ts) and 3-D
 * (conv3d/winograd3d.ts) algorithms: the variant names, the batched GEMM kernels between the
 * transformed weights and inputs (winograd_gemm*.wgsl) with the operand order each reads, the
 * pipelines that run an algorithm's transforms around them (forward / input gradient; weight
 * gradient), and the pass tables the convolutions choose from.
 */
import gemmSrc from "./generated/winograd_gemm.wgsl" with { type: "text" };
import gemmGpuSrc from "./generated/winograd_gemm_gpu.wgsl" with { type: "text" };
import gemmTiledSrc from "./generated/winograd_gemm_tiled.wgsl" with { type: "text" };
import gemmWideSrc from "./generated/winograd_gemm_wide.wgsl" with { type: "text" };
import gemmVec4Src from "./generated/winograd_gemm_vec4.wgsl" with { type: "text" };
import gemmBackwardSrc from "./generated/winograd_gemm_backward.wgsl" with { type: "text" };
import gemmBackwardGpuSrc from "./generated/winograd_gemm_backward_gpu.wgsl" with { type: "text" };
import gemmBackwardTiledSrc from "./generated/winograd_gemm_backward_tiled.wgsl" with {
  type: "text",
};
import gemmBackwardWideSrc from "./generated/winograd_gemm_backward_wide.wgsl" with {
  type: "text",
};
import gemmBackwardNarrowSrc from "./generated/winograd_gemm_backward_narrow.wgsl" with {
  type: "text",
};
import gemmBackwardVec4Src from "./generated/winograd_gemm_backward_vec4.wgsl" with {
  type: "text",
};
import gemmBackwardVec4NarrowSrc from "./generated/winograd_gemm_backward_vec4_narrow.wgsl" with {
  type: "text",
};
import TILES from "./generated/tiles.json" with { type: "json" };
import { type BufferRange, type Gpu, groups1d, type Kernel } from "../runtime/gpu.ts";
import type { GemmVariant } from "../variants/policy.ts";
import { specialize } from "../runtime/specialize.ts";
import { type TiledKernel, variantTable } from "../variants/table.ts";
import { expectShape, Tensor } from "../tensor.ts";
import { splitCount, type SplitKKernel, splitKTable } from "./split_k.ts";

/** The five transform kernels of one Winograd algorithm (2-D here, 3-D in conv3d/winograd3d.ts). */
export interface Transforms {
  input: Kernel;
  weight: Kernel;
  output: Kernel;
  outputBackward: Kernel;
  weightBackward: Kernel;
}

/** The transforms from their sources, named `${prefix}_input_transform` and so on. */
export function transformKernels(
  prefix: string,
  code: Record<keyof Transforms, string>,
): Transforms {
  const k = (key: keyof Transforms, op: string) => ({ name: `${prefix}_${op}`, code: code[key] });
  return {
    input: k("input", "input_transform"),
    weight: k("weight", "weight_transform"),
    output: k("output", "output_transform"),
    outputBackward: k("outputBackward", "output_transform_backward"),
    weightBackward: k("weightBackward", "weight_transform_backward"),
  };
}

/**
 * Dispatch a transform (2-D or 3-D): `values` are its Params in order, `total` (the invocation
 * count) last; workgroups of 64. Large dispatches run specialized to the values (specialize.ts).
 */
export function dispatchTransform(
  gpu: Gpu,
  kernel: Kernel,
  buffers: BufferRange[],
  values: number[],
): void {
  const total = values[values.length - 1];
  gpu.dispatch(specialize(kernel, values), buffers, { u: values }, groups1d(total, 64));
}

/** The sizes the weight transforms read (2-D and 3-D alike). */
interface WeightSizes {
  O: number;
  I: number;
  flip: boolean;
}

/** u (Z points of every kernel of w) by the weight transform `kernel`; k-major with `kMajor`. */
export function dispatchWeightTransform(
  kernel: Kernel,
  u: Tensor,
  w: Tensor,
  c: WeightSizes,
  kMajor: boolean,
): void {
  const values = [c.O, c.I, c.flip ? 1 : 0, kMajor ? 1 : 0, c.O * c.I];
  dispatchTransform(u.gpu, kernel, [w.range, u.range], values);
}

/** dw (+)= the adjoint weight transform `kernel` of d [Z, splits, O, I], the splits summed. */
export function dispatchWeightTransformBackward(
  kernel: Kernel,
  dw: Tensor,
  d: Tensor,
  c: WeightSizes,
  accumulate: boolean,
): void {
  const values = [c.O, c.I, d.shape[1], accumulate ? 1 : 0, c.O * c.I];
  dispatchTransform(dw.gpu, kernel, [d.range, dw.range], values);
}

/**
 * Output block size m of Winograd F(m x m, 3x3): 2 (16 points), 4 (36 points) or 6 (64 points;
 * 2-D only).
 */
export type WinogradTile = 2 | 4 | 6;

/**
 * A batched Winograd GEMM kernel. With `kMajor` it reads the weight transform as u [Z, I, O] (the
 * weight transform writes that order on request) and needs O and the tile count T to be multiples
 * of 4; `fallback` runs where they are not, on u [Z, O, I].
 */
export interface WinogradGemmKernel extends TiledKernel {
  kMajor?: boolean;
  fallback?: TiledKernel;
}

/**
 * The kernel to run and the operand order it reads: `v` with its k-major layouts when it has them
 * and every size it reads as vec4 (`sizes`) is a multiple of 4, else its scalar fallback.
 */
function kMajorOr<K extends TiledKernel>(
  v: K & { kMajor?: boolean; fallback?: K },
  sizes: number[],
): { kernel: K; kMajor: boolean } {
  if (v.kMajor && sizes.every((n) => n % 4 === 0)) return { kernel: v, kMajor: true };
  return { kernel: v.fallback ?? v, kMajor: false };
}

/** The forward GEMM kernel to run for O output channels and T tiles, and the weight order. */
export const winogradGemmFor = (
  v: WinogradGemmKernel,
  O: number,
  T: number,
): { kernel: TiledKernel; kMajor: boolean } => kMajorOr(v, [O, T]);

const GEMMS = variantTable("winograd_gemm", {
  cpu: gemmSrc,
  gpu: gemmGpuSrc,
  tiled: gemmTiledSrc,
  wide: gemmWideSrc,
  vec4: gemmVec4Src,
}, TILES);
/**
 * The batched Winograd GEMMs (shared by the 2-D and 3-D convolutions), one per family: the
 * software adapter's reads both operands as vec4 (its passes 1.16-1.26x faster at ResNet18's
 * shapes, the same sums), with the scalar kernel where the channels or tiles are not multiples of 4.
 */
const WINOGRAD_GEMM: Record<GemmVariant, WinogradGemmKernel> = {
  cpu: { ...GEMMS.vec4, kMajor: true, fallback: GEMMS.cpu },
  gpu: GEMMS.gpu,
  tiled: GEMMS.tiled,
  wide: GEMMS.wide,
};
/** The weight-gradient GEMMs (split-K over the tiles), one per family, and "narrow" (64x64). */
const BACKWARD_GEMMS = splitKTable(variantTable("winograd_gemm_backward", {
  cpu: gemmBackwardSrc,
  gpu: gemmBackwardGpuSrc,
  tiled: gemmBackwardTiledSrc,
  wide: gemmBackwardWideSrc,
  narrow: gemmBackwardNarrowSrc,
  vec4: gemmBackwardVec4Src,
  vec4_narrow: gemmBackwardVec4NarrowSrc,
}, TILES));
/**
 * The weight-gradient GEMMs, one per family; the software adapter's reads both transforms stored
 * tile-major as vec4 (where the channels are multiples of 4; the scalar kernels elsewhere), in
 * 64x64 tiles when there are 64 input channels or fewer.
 */
const WINOGRAD_GEMM_BACKWARD: Record<GemmVariant, WinogradBackwardKernel> = {
  cpu: {
    ...BACKWARD_GEMMS.vec4,
    kMajor: true,
    fallback: BACKWARD_GEMMS.cpu,
    narrow: { ...BACKWARD_GEMMS.vec4_narrow, kMajor: true, fallback: BACKWARD_GEMMS.narrow },
  },
  gpu: BACKWARD_GEMMS.gpu,
  tiled: BACKWARD_GEMMS.tiled,
  wide: BACKWARD_GEMMS.wide,
};

/** The kernels a GEMM entry may run besides its own: its fallback, narrow form and theirs. */
function alsoRuns(k: WinogradBackwardKernel | WinogradGemmKernel): Kernel[] {
  const narrow = "narrow" in k ? k.narrow : undefined;
  return [k.fallback, narrow?.fallback, narrow].flatMap((e) => e ? [e.kernel] : []);
}

/**
 * Each Winograd variant's GEMM family and output block size (in H and W; the 3-D variants of the
 * same names, conv3d/winograd3d.ts, use 2 along D).
 */
export const WINOGRAD_VARIANTS = {
  winograd: { family: "cpu", tile: 2 },
  winograd_gpu: { family: "gpu", tile: 2 },
  winograd_tiled: { family: "tiled", tile: 2 },
  winograd_wide: { family: "wide", tile: 2 },
  winograd_f4: { family: "cpu", tile: 4 },
  winograd_f4_gpu: { family: "gpu", tile: 4 },
  winograd_f4_tiled: { family: "tiled", tile: 4 },
  winograd_f4_wide: { family: "wide", tile: 4 },
} as const;

/** The F(6x6, 3x3) variants, one per GEMM family (2-D convolutions only). */
export const WINOGRAD_F6_VARIANTS = {
  winograd_f6: { family: "cpu", tile: 6 },
  winograd_f6_gpu: { family: "gpu", tile: 6 },
  winograd_f6_tiled: { family: "tiled", tile: 6 },
  winograd_f6_wide: { family: "wide", tile: 6 },
} as const;

/** Every 2-D Winograd variant: F(2x2), F(4x4) (also 3-D) and F(6x6), one per GEMM family each. */
export const ALL_WINOGRAD_VARIANTS = { ...WINOGRAD_VARIANTS, ...WINOGRAD_F6_VARIANTS };

/**
 * The Winograd variant names: F(2x2, 3x3) as "winograd*", F(4x4, 3x3) as "winograd_f4*",
 * F(6x6, 3x3) as "winograd_f6*" (2-D only).
 */
export type WinogradVariant = keyof typeof ALL_WINOGRAD_VARIANTS;

/** Output block size of a Winograd variant (in H and W; along D the 3-D ones use 2). */
export const winogradTile = (v: WinogradVariant): WinogradTile => ALL_WINOGRAD_VARIANTS[v].tile;

/**
 * A weight-gradient GEMM kernel, and for the software adapter's family the same block in 64x64
 * tiles, run when there are 64 input channels or fewer (half of a 64x128 tile would idle). With
 * `kMajor` it reads both transforms tile-major (g [Z, T, O], v [Z, T, I]) and needs O and I to be
 * multiples of 4; `fallback` runs where they are not, on g [Z, O, T] and v [Z, I, T].
 */
export interface WinogradBackwardKernel extends SplitKKernel {
  narrow?: WinogradBackwardKernel;
  kMajor?: boolean;
  fallback?: SplitKKernel;
}

/** The weight-gradient kernel to run for O output and I input channels, and the order it reads. */
export function winogradGemmBackwardFor(
  variant: WinogradBackwardKernel,
  O: number,
  I: number,
): { kernel: SplitKKernel; kMajor: boolean } {
  return kMajorOr(variant.narrow && I <= variant.narrow.cols ? variant.narrow : variant, [O, I]);
}

/** The Winograd variants of a convolution's passes (forward and input gradient; weight gradient). */
export interface WinogradTables {
  forward: Record<string, WinogradGemmKernel>;
  backwardWeight: Record<string, WinogradBackwardKernel>;
}

/**
 * The variant tables of the algorithms `transforms(tile)` (2-D or 3-D), one entry per variant of
 * `variants` (GEMM family and block size); each lists the transform kernels it also runs, so
 * that their sources count in the autotune fingerprint.
 */
export function winogradTables(
  transforms: (tile: WinogradTile) => Transforms,
  variants: Partial<typeof ALL_WINOGRAD_VARIANTS> = WINOGRAD_VARIANTS,
): WinogradTables {
  const tables: WinogradTables = { forward: {}, backwardWeight: {} };
  for (const [v, { family, tile }] of Object.entries(variants)) {
    const t = transforms(tile);
    const gemm = WINOGRAD_GEMM[family], back = WINOGRAD_GEMM_BACKWARD[family];
    tables.forward[v] = { ...gemm, companions: [t.weight, t.input, t.output, ...alsoRuns(gemm)] };
    tables.backwardWeight[v] = {
      ...back,
      companions: [t.input, t.outputBackward, t.weightBackward, ...alsoRuns(back)],
    };
  }
  return tables;
}

/** True for a Winograd variant name (2-D or 3-D; "winograd_f6*" are 2-D only). */
export function isWinograd(v: string): v is WinogradVariant {
  return Object.hasOwn(ALL_WINOGRAD_VARIANTS, v);
}

/**
 * The transforms of one Winograd algorithm over its geometry C (2-D here, 3-D in winograd3d.ts),
 * for the pipelines that run them around the shared GEMMs (winogradConvWith and
 * winogradBackwardWeightWith).
 */
export interface WinogradSteps<C extends { I: number; O: number; flip: boolean }> {
  /** Transformed points Z and output tiles T of a geometry. */
  sizes(c: C): { Z: number; T: number };
  weight(u: Tensor, w: Tensor, c: C, kMajor: boolean): void;
  input(v: Tensor, x: Tensor, c: C, kMajor: boolean): void;
  output(out: Tensor, m: Tensor, c: C, accumulate: boolean): void;
  outputBackward(g: Tensor, dy: Tensor, c: C, kMajor: boolean): void;
  weightBackward(dw: Tensor, d: Tensor, c: C, accumulate: boolean): void;
}

/** out (+)= the convolution `c` of `inp` with `w`: the transforms `steps`, variant `v`'s GEMM. */
export function winogradConvWith<C extends { I: number; O: number; flip: boolean }>(
  steps: WinogradSteps<C>,
  v: WinogradGemmKernel,
  out: Tensor,
  inp: Tensor,
  w: Tensor,
  c: C,
  accumulate: boolean,
): void {
  const gpu = out.gpu, { Z, T } = steps.sizes(c);
  const { kernel, kMajor } = winogradGemmFor(v, c.O, T);
  const u = Tensor.empty(gpu, kMajor ? [Z, c.I, c.O] : [Z, c.O, c.I]);
  const vt = Tensor.empty(gpu, [Z, c.I, T]);
  const m = Tensor.empty(gpu, [Z, c.O, T]);
  steps.weight(u, w, c, kMajor);
  steps.input(vt, inp, c, false);
  winogradGemm(kernel, m, u, vt, kMajor);
  steps.output(out, m, c, accumulate);
  u.dispose();
  vt.dispose();
  m.dispose();
}

/**
 * dw (+)= the weight gradient of the convolution `c` (not flipped) given its input `x` and output
 * gradient `dy`: the adjoint transforms `steps` around variant `variant`'s split-K GEMM.
 */
export function winogradBackwardWeightWith<C extends { I: number; O: number; flip: boolean }>(
  steps: WinogradSteps<C>,
  variant: WinogradBackwardKernel,
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  c: C,
  accumulate: boolean,
): void {
  if (c.flip) throw new Error("winograd weight gradient: the convolution must not be flipped");
  const gpu = dw.gpu, { Z, T } = steps.sizes(c);
  const { kernel, kMajor } = winogradGemmBackwardFor(variant, c.O, c.I);
  const g = Tensor.empty(gpu, kMajor ? [Z, T, c.O] : [Z, c.O, T]);
  const vt = Tensor.empty(gpu, kMajor ? [Z, T, c.I] : [Z, c.I, T]);
  steps.outputBackward(g, dy, c, kMajor);
  steps.input(vt, x, c, kMajor);
  const d = winogradGemmBackward(kernel, g, vt, kMajor);
  steps.weightBackward(dw, d, c, accumulate);
  g.dispose();
  vt.dispose();
  d.dispose();
}

/**
 * m [Z, O, T] = u [Z, O, I] v [Z, I, T]: the Z point-wise GEMMs, by variant `v`'s kernel; with
 * `kMajor` u is [Z, I, O] (a kernel that reads that order: see winogradGemmFor).
 */
export function winogradGemm(
  v: TiledKernel,
  m: Tensor,
  u: Tensor,
  vt: Tensor,
  kMajor = false,
): void {
  const [Z, a, b] = u.shape, T = vt.shape[2];
  const [O, I] = kMajor ? [b, a] : [a, b];
  expectShape(vt, "winograd input transform", 3, [Z, I, undefined]);
  expectShape(m, "winograd products", 3, [Z, O, T]);
  m.gpu.dispatch(v.kernel, [u.range, vt.range, m.range], {
    u: [O, T, I],
  }, [Math.ceil(T / v.cols), Math.ceil(O / v.rows), Z]);
}

/**
 * d [Z, splits, O, I]: the products sum_t g[xi, o, t] v[xi, i, t] of the weight gradient, the
 * tiles t split along grid z, by kernel `v` (see winogradGemmBackwardFor); with `kMajor` g is
 * [Z, T, O] and v [Z, T, I], else g [Z, O, T] and v [Z, I, T].
 */
export function winogradGemmBackward(
  v: SplitKKernel,
  g: Tensor,
  vt: Tensor,
  kMajor = false,
): Tensor {
  const [Z, O, T] = kMajor ? [g.shape[0], g.shape[2], g.shape[1]] : g.shape;
  const I = vt.shape[kMajor ? 2 : 1];
  expectShape(vt, "winograd input transform", 3, kMajor ? [Z, T, undefined] : [Z, undefined, T]);
  const gx = Math.ceil(I / v.cols), gy = Math.ceil(O / v.rows);
  const splits = splitCount(v.targetGroups, Z * gx * gy, T);
  const d = Tensor.empty(g.gpu, [Z, splits, O, I]);
  g.gpu.dispatch(v.kernel, [g.range, vt.range, d.range], {
    u: [O, I, T, splits, Math.ceil(T / splits)],
  }, [gx, gy, Z * splits]);
  return d;
}

/** The variant tables of a convolution's three passes. */
export interface PassTables {
  forward: Record<string, TiledKernel>;
  backwardInput: Record<string, TiledKernel>;
  backwardWeight: Record<string, SplitKKernel>;
}

/**
 * The direct tables with Winograd variants added: `winograd` to the forward and input-gradient
 * passes (the same pipeline), `backwardWeight` to the weight gradient.
 */
export function withWinograd(
  direct: PassTables,
  winograd: Record<string, TiledKernel>,
  backwardWeight: Record<string, SplitKKernel>,
): PassTables {
  return {
    forward: { ...direct.forward, ...winograd },
    backwardInput: { ...direct.backwardInput, ...winograd },
    backwardWeight: { ...direct.backwardWeight, ...backwardWeight },
  };
}

/** The variant names of each pass's table. */
export function passVariants(t: PassTables): Record<keyof PassTables, string[]> {
  return {
    forward: Object.keys(t.forward),
    backwardInput: Object.keys(t.backwardInput),
    backwardWeight: Object.keys(t.backwardWeight),
  };
}
