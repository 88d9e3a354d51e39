/**
 * Stride-1 3x3 convolutions by Winograd's minimal filtering F(m x m, 3x3) (Lavin & Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016), m = 2 or 4: each m x m block of outputs
 * takes (m + 2)^2 multiplications per (input, output) channel pair instead of 9 m^2, so the GEMMs
 * at the heart of the convolution do 4/9 (m = 2) or 1/4 (m = 4) of the direct method's
 * multiply-adds. The forward pass is four dispatches: the weight transform U = G g G^T, the input
 * transform V = B^T d B of every (m + 2)^2 input patch, Z = (m + 2)^2 independent GEMMs
 * M[xi] = U[xi] V[xi] (one grid z layer each), and the output transform A^T M A. The input
 * gradient is the same pipeline (dy convolved with the flipped, transposed kernel and padding
 * 2 - P). The weight gradient runs the adjoints: dw = G^T [sum_t (A dy_t A^T) . (B^T d_t B)] G,
 * the sum over tiles t as Z GEMMs split along t. F(2x2) differs from the direct sums by rounding
 * only (coefficients 0, +-1, 1/2); F(4x4)'s larger coefficients (up to 8, fractions down to 1/24)
 * cost a few more bits of rounding (measured in the README; tests/_helpers.ts variantTolerance).
 */
import inputSrc from "./winograd_input_transform.wgsl" with { type: "text" };
import weightSrc from "./winograd_weight_transform.wgsl" with { type: "text" };
import outputSrc from "./winograd_output_transform.wgsl" with { type: "text" };
import gemmSrc from "./winograd_gemm.wgsl" with { type: "text" };
import gemmGpuSrc from "./winograd_gemm_gpu.wgsl" with { type: "text" };
import gemmTiledSrc from "./winograd_gemm_tiled.wgsl" with { type: "text" };
import gemmVec4Src from "./winograd_gemm_vec4.wgsl" with { type: "text" };
import outputBackwardSrc from "./winograd_output_transform_backward.wgsl" with { type: "text" };
import weightBackwardSrc from "./winograd_weight_transform_backward.wgsl" with { type: "text" };
import f4InputSrc from "./winograd_f4_input_transform.wgsl" with { type: "text" };
import f4WeightSrc from "./winograd_f4_weight_transform.wgsl" with { type: "text" };
import f4OutputSrc from "./winograd_f4_output_transform.wgsl" with { type: "text" };
import f4OutputBackwardSrc from "./winograd_f4_output_transform_backward.wgsl" with {
  type: "text",
};
import f4WeightBackwardSrc from "./winograd_f4_weight_transform_backward.wgsl" with {
  type: "text",
};
import gemmBackwardSrc from "./winograd_gemm_backward.wgsl" with { type: "text" };
import gemmBackwardGpuSrc from "./winograd_gemm_backward_gpu.wgsl" with { type: "text" };
import gemmBackwardTiledSrc from "./winograd_gemm_backward_tiled.wgsl" with { type: "text" };
import gemmBackwardNarrowSrc from "./winograd_gemm_backward_narrow.wgsl" with { type: "text" };
import gemmBackwardVec4Src from "./winograd_gemm_backward_vec4.wgsl" with { type: "text" };
import gemmBackwardVec4NarrowSrc from "./winograd_gemm_backward_vec4_narrow.wgsl" with {
  type: "text",
};
import { groups1d, type Kernel } from "../runtime/gpu.ts";
import { type TiledKernel, variantTable } from "../runtime/variants.ts";
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

/** F(2x2, 3x3) and F(4x4, 3x3). */
const F2 = transformKernels("winograd", {
  input: inputSrc,
  weight: weightSrc,
  output: outputSrc,
  outputBackward: outputBackwardSrc,
  weightBackward: weightBackwardSrc,
});
const F4 = transformKernels("winograd_f4", {
  input: f4InputSrc,
  weight: f4WeightSrc,
  output: f4OutputSrc,
  outputBackward: f4OutputBackwardSrc,
  weightBackward: f4WeightBackwardSrc,
});
const scheme = (tile: WinogradTile): Transforms => tile === 4 ? F4 : F2;

/** Output block size m of Winograd F(m x m, 3x3): 2 (16 points) or 4 (36 points). */
export type WinogradTile = 2 | 4;

/** Transformed points per tile, (m + 2)^2: the GEMM count of one convolution. */
export const winogradPoints = (tile: WinogradTile): number => (tile + 2) * (tile + 2);

/**
 * A batched Winograd GEMM kernel. With `kMajor` it reads the weight transform as u [Z, I, O] (the
 * weight transform writes that order on request) and needs O and the tile count T to be multiples
 * of 4; `fallback` runs where they are not, on u [Z, O, I].
 */
export interface WinogradGemmKernel extends TiledKernel {
  kMajor?: boolean;
  fallback?: TiledKernel;
}

/** The kernel to run for O output channels and T tiles, and the weight order it reads. */
export function winogradGemmFor(
  v: WinogradGemmKernel,
  O: number,
  T: number,
): { kernel: TiledKernel; kMajor: boolean } {
  if (v.kMajor && O % 4 === 0 && T % 4 === 0) return { kernel: v, kMajor: true };
  return { kernel: v.fallback ?? v, kMajor: false };
}

const GEMMS = variantTable("winograd_gemm", {
  cpu: gemmSrc,
  gpu: gemmGpuSrc,
  tiled: gemmTiledSrc,
  vec4: gemmVec4Src,
});
/**
 * The batched Winograd GEMMs (shared by the 2-D and 3-D convolutions), one per family: the
 * software adapter's reads both operands as vec4 (its passes 1.16-1.26x faster at ResNet18's
 * shapes, the same sums), with the scalar kernel where the channels or tiles are not multiples of 4.
 */
const WINOGRAD_GEMM: Record<"cpu" | "gpu" | "tiled", WinogradGemmKernel> = {
  cpu: { ...GEMMS.vec4, kMajor: true, fallback: GEMMS.cpu },
  gpu: GEMMS.gpu,
  tiled: GEMMS.tiled,
};
/** The weight-gradient GEMMs (split-K over the tiles), one per family, and "narrow" (64x64). */
const BACKWARD_GEMMS = splitKTable(variantTable("winograd_gemm_backward", {
  cpu: gemmBackwardSrc,
  gpu: gemmBackwardGpuSrc,
  tiled: gemmBackwardTiledSrc,
  narrow: gemmBackwardNarrowSrc,
  vec4: gemmBackwardVec4Src,
  vec4_narrow: gemmBackwardVec4NarrowSrc,
}));
/**
 * The software adapter's weight-gradient GEMM: vec4 loads of both transforms stored tile-major
 * (where the channels are multiples of 4; the scalar kernels elsewhere), in 64x64 tiles when there
 * are 64 input channels or fewer.
 */
const CPU_BACKWARD: WinogradBackwardKernel = {
  ...BACKWARD_GEMMS.vec4,
  kMajor: true,
  fallback: BACKWARD_GEMMS.cpu,
  narrow: { ...BACKWARD_GEMMS.vec4_narrow, kMajor: true, fallback: BACKWARD_GEMMS.narrow },
};

/**
 * Each Winograd variant's GEMM family and output block size (in H and W; the 3-D variants of the
 * same names, conv3d/winograd3d.ts, use 2 along D).
 */
export const WINOGRAD_VARIANTS = {
  winograd: { family: "cpu", tile: 2 },
  winograd_gpu: { family: "gpu", tile: 2 },
  winograd_tiled: { family: "tiled", tile: 2 },
  winograd_f4: { family: "cpu", tile: 4 },
  winograd_f4_gpu: { family: "gpu", tile: 4 },
  winograd_f4_tiled: { family: "tiled", tile: 4 },
} as const;

/** The Winograd variant names: F(2x2, 3x3) as "winograd*", F(4x4, 3x3) as "winograd_f4*". */
export type WinogradVariant = keyof typeof WINOGRAD_VARIANTS;

/** Output block size of a Winograd variant (in H and W; along D the 3-D ones use 2). */
export const winogradTile = (v: WinogradVariant): WinogradTile => WINOGRAD_VARIANTS[v].tile;

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
  const v = variant.narrow && I <= variant.narrow.cols ? variant.narrow : variant;
  if (v.kMajor && O % 4 === 0 && I % 4 === 0) return { kernel: v, kMajor: true };
  return { kernel: v.fallback ?? v, kMajor: false };
}

/** The Winograd variants of a convolution's passes (forward and input gradient; weight gradient). */
export interface WinogradTables {
  forward: Record<WinogradVariant, WinogradGemmKernel>;
  backwardWeight: Record<WinogradVariant, WinogradBackwardKernel>;
}

/**
 * The variant tables of the algorithms `transforms(tile)` (2-D or 3-D), one entry per GEMM family
 * and block size; each lists the transform kernels it also runs, so that their sources count in
 * the autotune fingerprint.
 */
export function winogradTables(transforms: (tile: WinogradTile) => Transforms): WinogradTables {
  const cpuBackward = [BACKWARD_GEMMS.cpu, BACKWARD_GEMMS.narrow, BACKWARD_GEMMS.vec4_narrow];
  const tables = { forward: {}, backwardWeight: {} } as WinogradTables;
  for (const [name, { family, tile }] of Object.entries(WINOGRAD_VARIANTS)) {
    const v = name as WinogradVariant, t = transforms(tile);
    const gemm = WINOGRAD_GEMM[family];
    const fallback = gemm.fallback ? [gemm.fallback.kernel] : [];
    tables.forward[v] = { ...gemm, companions: [t.weight, t.input, t.output, ...fallback] };
    const companions = [t.input, t.outputBackward, t.weightBackward];
    tables.backwardWeight[v] = family === "cpu"
      ? { ...CPU_BACKWARD, companions: [...companions, ...cpuBackward.map((k) => k.kernel)] }
      : { ...BACKWARD_GEMMS[family], companions };
  }
  return tables;
}

const TABLES = winogradTables(scheme);
/** The 2-D Winograd variants of the forward and input-gradient passes. */
export const WINOGRAD = TABLES.forward;
/** The 2-D Winograd variants of the weight-gradient pass (split-K GEMMs over the tiles). */
export const WINOGRAD_BACKWARD_WEIGHT = TABLES.backwardWeight;

/** True for a Winograd variant name (2-D or 3-D). */
export function isWinograd(v: string): v is WinogradVariant {
  return Object.hasOwn(WINOGRAD_VARIANTS, v);
}

/**
 * A stride-1 3x3 convolution as seen by the Winograd pipeline: `out` [B, O, OH, OW] (+)=
 * sum over i of g[o, i] correlated with `inp` [B, I, H, W] zero-padded by `pad`, where g is
 * `w` [O, I, 3, 3] as given, or with `flip` the kernel of `w` [I, O, 3, 3] flipped in both
 * spatial dimensions (the input gradient of a convolution with weights w).
 */
export interface WinogradConv {
  B: number;
  I: number;
  H: number;
  W: number;
  O: number;
  OH: number;
  OW: number;
  pad: number;
  flip: boolean;
  /** Output block size m of F(m x m, 3x3). */
  tile: WinogradTile;
}

/** Whether a convolution geometry suits Winograd's F(m x m, 3x3): a 3x3 kernel, stride 1, padding <= 2. */
export function winogradFits(s: { KH: number; KW: number; stride: number; pad: number }): boolean {
  return s.KH === 3 && s.KW === 3 && s.stride === 1 && s.pad <= 2;
}

/** Output tiles of a geometry: m x m blocks of the output, per image (TH x TW) and in all (T). */
export function winogradTiles(c: WinogradConv): { TH: number; TW: number; T: number } {
  const TH = Math.ceil(c.OH / c.tile), TW = Math.ceil(c.OW / c.tile);
  return { TH, TW, T: c.B * TH * TW };
}

/**
 * u [Z, O, I] = G g G^T for every kernel of `w` (see WinogradConv for `flip`); Z points. With
 * `kMajor`, u [Z, I, O] (the vec4 GEMM's order).
 */
export function winogradWeightTransform(
  u: Tensor,
  w: Tensor,
  c: WinogradConv,
  kMajor = false,
): void {
  const Z = winogradPoints(c.tile);
  expectShape(u, "winograd weight transform", 3, kMajor ? [Z, c.I, c.O] : [Z, c.O, c.I]);
  expectShape(w, "winograd weights", 4, c.flip ? [c.I, c.O, 3, 3] : [c.O, c.I, 3, 3]);
  u.gpu.dispatch(scheme(c.tile).weight, [w.range, u.range], {
    u: [c.O, c.I, c.flip ? 1 : 0, kMajor ? 1 : 0, c.O * c.I],
  }, groups1d(c.O * c.I, 64));
}

/**
 * v [Z, I, T] = B^T d B for the (m+2)^2 input patch d of every tile and channel of `inp`; with
 * `kMajor`, v [Z, T, I] (the vec4 weight-gradient GEMM's order).
 */
export function winogradInputTransform(
  v: Tensor,
  inp: Tensor,
  c: WinogradConv,
  kMajor = false,
): void {
  const { TH, TW, T } = winogradTiles(c), Z = winogradPoints(c.tile);
  expectShape(v, "winograd input transform", 3, kMajor ? [Z, T, c.I] : [Z, c.I, T]);
  expectShape(inp, "winograd input", 4, [c.B, c.I, c.H, c.W]);
  v.gpu.dispatch(scheme(c.tile).input, [inp.range, v.range], {
    u: [c.I, c.H, c.W, TH, TW, T, c.pad, kMajor ? 1 : 0, c.I * T],
  }, groups1d(c.I * T, 64));
}

/** out [B, O, OH, OW] (+)= A^T M A for the products m [Z, O, T] of every tile. */
export function winogradOutputTransform(
  out: Tensor,
  m: Tensor,
  c: WinogradConv,
  accumulate: boolean,
): void {
  const { TH, TW, T } = winogradTiles(c);
  expectShape(m, "winograd products", 3, [winogradPoints(c.tile), c.O, T]);
  expectShape(out, "winograd output", 4, [c.B, c.O, c.OH, c.OW]);
  out.gpu.dispatch(scheme(c.tile).output, [m.range, out.range], {
    u: [c.O, c.OH, c.OW, TH, TW, T, accumulate ? 1 : 0, c.O * T],
  }, groups1d(c.O * T, 64));
}

/** out (+)= the convolution `c` of `inp` with `w`, the GEMM by variant `v`'s kernel. */
export function winogradConvInto(
  v: WinogradGemmKernel,
  out: Tensor,
  inp: Tensor,
  w: Tensor,
  c: WinogradConv,
  accumulate: boolean,
): void {
  const gpu = out.gpu, { T } = winogradTiles(c), Z = winogradPoints(c.tile);
  const { kernel, kMajor } = winogradGemmFor(v, c.O, T);
  const u = Tensor.empty(gpu, kMajor ? [Z, c.I, c.O] : [Z, c.O, c.I]);
  const vt = Tensor.empty(gpu, [Z, c.I, T]);
  const m = Tensor.empty(gpu, [Z, c.O, T]);
  winogradWeightTransform(u, w, c, kMajor);
  winogradInputTransform(vt, inp, c);
  winogradGemm(kernel, m, u, vt, kMajor);
  winogradOutputTransform(out, m, c, accumulate);
  u.dispose();
  vt.dispose();
  m.dispose();
}

/**
 * g [Z, O, T] = A dy_t A^T for the m x m block dy_t of every tile of `dy` [B, O, OH, OW]; with
 * `kMajor`, g [Z, T, O] (the vec4 weight-gradient GEMM's order).
 */
export function winogradOutputTransformBackward(
  g: Tensor,
  dy: Tensor,
  c: WinogradConv,
  kMajor = false,
): void {
  const { TH, TW, T } = winogradTiles(c), Z = winogradPoints(c.tile);
  expectShape(g, "winograd output-gradient transform", 3, kMajor ? [Z, T, c.O] : [Z, c.O, T]);
  expectShape(dy, "winograd output gradient", 4, [c.B, c.O, c.OH, c.OW]);
  g.gpu.dispatch(scheme(c.tile).outputBackward, [dy.range, g.range], {
    u: [c.O, c.OH, c.OW, TH, TW, T, kMajor ? 1 : 0, c.O * T],
  }, groups1d(c.O * T, 64));
}

/** dw [O, I, 3, 3] (+)= G^T D G with D = the sum over splits of d [Z, splits, O, I]. */
export function winogradWeightTransformBackward(
  dw: Tensor,
  d: Tensor,
  c: WinogradConv,
  accumulate: boolean,
): void {
  const Z = winogradPoints(c.tile);
  expectShape(d, "winograd weight-gradient products", 4, [Z, undefined, c.O, c.I]);
  expectShape(dw, "winograd weight gradient", 4, [c.O, c.I, 3, 3]);
  dw.gpu.dispatch(scheme(c.tile).weightBackward, [d.range, dw.range], {
    u: [c.O, c.I, d.shape[1], accumulate ? 1 : 0, c.O * c.I],
  }, groups1d(c.O * c.I, 64));
}

/**
 * dw [O, I, 3, 3] (+)= the weight gradient of the convolution `c` (not flipped) given its
 * input `x` and output gradient `dy`: Winograd's adjoint, dw = G^T [sum_t (A dy_t A^T) .
 * (B^T d_t B)] G, the sum over tiles t as 16 GEMMs split along the tiles.
 */
export function winogradBackwardWeightInto(
  variant: WinogradBackwardKernel,
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  c: WinogradConv,
  accumulate: boolean,
): void {
  if (c.flip) throw new Error("winograd weight gradient: the convolution must not be flipped");
  const gpu = dw.gpu, { T } = winogradTiles(c), Z = winogradPoints(c.tile);
  const { kernel, kMajor } = winogradGemmBackwardFor(variant, c.O, c.I);
  const g = Tensor.empty(gpu, kMajor ? [Z, T, c.O] : [Z, c.O, T]);
  const vt = Tensor.empty(gpu, kMajor ? [Z, T, c.I] : [Z, c.I, T]);
  winogradOutputTransformBackward(g, dy, c, kMajor);
  winogradInputTransform(vt, x, c, kMajor);
  const d = winogradGemmBackward(kernel, g, vt, kMajor);
  winogradWeightTransformBackward(dw, d, c, accumulate);
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
