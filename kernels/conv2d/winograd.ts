/**
 * Stride-1 3x3 convolutions by Winograd's minimal filtering F(m x m, 3x3) (Lavin & Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016), m = 2, 4 or 6: each m x m block of
 * outputs takes (m + 2)^2 multiplications per (input, output) channel pair instead of 9 m^2, so
 * the GEMMs at the heart of the convolution do 4/9 (m = 2), 1/4 (m = 4) or 16/81 (m = 6) of the
 * direct method's multiply-adds. The forward pass is four dispatches: the weight transform
 * U = G g G^T, the input transform V = B^T d B of every (m + 2)^2 input patch, Z = (m + 2)^2
 * independent GEMMs M[xi] = U[xi] V[xi] (one grid z layer each), and the output transform
 * A^T M A. The input gradient is the same pipeline (dy convolved with the flipped, transposed
 * kernel and padding 2 - P). The weight gradient runs the adjoints: dw = G^T [sum_t (A dy_t A^T) . (B^T d_t B)] G,
 * the sum over tiles t as Z GEMMs split along t. F(2x2) differs from the direct sums by rounding
 * only (coefficients 0, +-1, 1/2); F(4x4)'s larger coefficients (up to 8, fractions down to 1/24)
 * cost a few more bits of rounding, F(6x6)'s (up to 32, down to 1/90) a few more again (measured in
 * the README; tests/_helpers.ts variantTolerance).
 */
import inputSrc from "./winograd_input_transform.wgsl" with { type: "text" };
import weightSrc from "./winograd_weight_transform.wgsl" with { type: "text" };
import outputSrc from "./winograd_output_transform.wgsl" with { type: "text" };
import outputBackwardSrc from "./winograd_output_transform_backward.wgsl" with { type: "text" };
import weightBackwardSrc from "./winograd_weight_transform_backward.wgsl" with { type: "text" };
import f4InputSrc from "./generated/winograd_f4_input_transform.wgsl" with { type: "text" };
import f4WeightSrc from "./generated/winograd_f4_weight_transform.wgsl" with { type: "text" };
import f4OutputSrc from "./generated/winograd_f4_output_transform.wgsl" with { type: "text" };
import f4OutputBackwardSrc from "./generated/winograd_f4_output_transform_backward.wgsl" with {
  type: "text",
};
import f4WeightBackwardSrc from "./generated/winograd_f4_weight_transform_backward.wgsl" with {
  type: "text",
};
import f6InputSrc from "./generated/winograd_f6_input_transform.wgsl" with { type: "text" };
import f6WeightSrc from "./generated/winograd_f6_weight_transform.wgsl" with { type: "text" };
import f6OutputSrc from "./generated/winograd_f6_output_transform.wgsl" with { type: "text" };
import f6OutputBackwardSrc from "./generated/winograd_f6_output_transform_backward.wgsl" with {
  type: "text",
};
import f6WeightBackwardSrc from "./generated/winograd_f6_weight_transform_backward.wgsl" with {
  type: "text",
};
import { expectShape, type Tensor } from "../tensor.ts";
import {
  ALL_WINOGRAD_VARIANTS,
  dispatchTransform,
  dispatchWeightTransform,
  dispatchWeightTransformBackward,
  transformKernels,
  type Transforms,
  type WinogradBackwardKernel,
  winogradBackwardWeightWith,
  winogradConvWith,
  type WinogradGemmKernel,
  type WinogradSteps,
  winogradTables,
  type WinogradTile,
} from "./winograd_gemm.ts";

/** F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3). */
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
const F6 = transformKernels("winograd_f6", {
  input: f6InputSrc,
  weight: f6WeightSrc,
  output: f6OutputSrc,
  outputBackward: f6OutputBackwardSrc,
  weightBackward: f6WeightBackwardSrc,
});
const SCHEMES: Record<WinogradTile, Transforms> = { 2: F2, 4: F4, 6: F6 };
const scheme = (tile: WinogradTile): Transforms => SCHEMES[tile];

/** Transformed points per tile, (m + 2)^2: the GEMM count of one convolution. */
export const winogradPoints = (tile: WinogradTile): number => (tile + 2) * (tile + 2);

const TABLES = winogradTables(scheme, ALL_WINOGRAD_VARIANTS);
/** The 2-D Winograd variants of the forward and input-gradient passes. */
export const WINOGRAD = TABLES.forward;
/** The 2-D Winograd variants of the weight-gradient pass (split-K GEMMs over the tiles). */
export const WINOGRAD_BACKWARD_WEIGHT = TABLES.backwardWeight;

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
  dispatchWeightTransform(scheme(c.tile).weight, u, w, c, kMajor);
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
  dispatchTransform(v.gpu, scheme(c.tile).input, [inp.range, v.range], [
    c.I,
    c.H,
    c.W,
    TH,
    TW,
    T,
    c.pad,
    kMajor ? 1 : 0,
    c.I * T,
  ]);
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
  dispatchTransform(out.gpu, scheme(c.tile).output, [m.range, out.range], [
    c.O,
    c.OH,
    c.OW,
    TH,
    TW,
    T,
    accumulate ? 1 : 0,
    c.O * T,
  ]);
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
  dispatchTransform(g.gpu, scheme(c.tile).outputBackward, [dy.range, g.range], [
    c.O,
    c.OH,
    c.OW,
    TH,
    TW,
    T,
    kMajor ? 1 : 0,
    c.O * T,
  ]);
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
  dispatchWeightTransformBackward(scheme(c.tile).weightBackward, dw, d, c, accumulate);
}

/** The 2-D transforms, for winogradConvWith and winogradBackwardWeightWith. */
const STEPS_2D: WinogradSteps<WinogradConv> = {
  sizes: (c) => ({ Z: winogradPoints(c.tile), T: winogradTiles(c).T }),
  weight: winogradWeightTransform,
  input: winogradInputTransform,
  output: winogradOutputTransform,
  outputBackward: winogradOutputTransformBackward,
  weightBackward: winogradWeightTransformBackward,
};

/** out (+)= the 2-D convolution `c` of `inp` with `w`, the GEMM by variant `v`'s kernel. */
export function winogradConvInto(
  v: WinogradGemmKernel,
  out: Tensor,
  inp: Tensor,
  w: Tensor,
  c: WinogradConv,
  accumulate: boolean,
): void {
  winogradConvWith(STEPS_2D, v, out, inp, w, c, accumulate);
}

/**
 * dw [O, I, 3, 3] (+)= the weight gradient of the convolution `c` (not flipped) given its
 * input `x` and output gradient `dy`: Winograd's adjoint, dw = G^T [sum_t (A dy_t A^T) .
 * (B^T d_t B)] G, the sum over tiles t as Z GEMMs split along the tiles.
 */
export function winogradBackwardWeightInto(
  variant: WinogradBackwardKernel,
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  c: WinogradConv,
  accumulate: boolean,
): void {
  winogradBackwardWeightWith(STEPS_2D, variant, dw, dy, x, c, accumulate);
}
