/**
 * Stride-1 3x3x3 convolutions (I3D's Inception branches) by Winograd's minimal filtering along
 * each of D, H and W (Lavin & Gray 2016): F(2x2x2, 3x3x3) (F(2, 3) on every axis: 64
 * multiplications per 2x2x2 block and channel pair instead of 216, 8/27 of the direct
 * multiply-adds) and F(2x4x4, 3x3x3) (F(4, 3) along H and W: 144 per 2x4x4 block, 1/6). The same
 * four steps as the 2-D pipeline (conv2d/winograd.ts), whose batched GEMMs it shares: the weight
 * transform (G along each axis), the input transform (B^T along each axis of every input patch),
 * one GEMM per point and the output transform (A^T). The input gradient is the same pipeline on
 * dy with the flipped, transposed kernel (front padding 2 - P per dimension); the weight gradient
 * runs the adjoint transforms around a split-K GEMM over the tiles. F(2x2x2) rounds like the
 * direct sums (coefficients 0, +-1, 1/2); F(2x4x4) like the 2-D F(4x4, 3x3) (see the README).
 */
import inputSrc from "./generated/winograd3d_input_transform.wgsl" with { type: "text" };
import weightSrc from "./generated/winograd3d_weight_transform.wgsl" with { type: "text" };
import outputSrc from "./generated/winograd3d_output_transform.wgsl" with { type: "text" };
import outputBackwardSrc from "./generated/winograd3d_output_transform_backward.wgsl" with {
  type: "text",
};
import weightBackwardSrc from "./generated/winograd3d_weight_transform_backward.wgsl" with {
  type: "text",
};
import f4InputSrc from "./generated/winograd3d_f4_input_transform.wgsl" with { type: "text" };
import f4WeightSrc from "./generated/winograd3d_f4_weight_transform.wgsl" with { type: "text" };
import f4OutputSrc from "./generated/winograd3d_f4_output_transform.wgsl" with { type: "text" };
import f4OutputBackwardSrc from "./generated/winograd3d_f4_output_transform_backward.wgsl" with {
  type: "text",
};
import f4WeightBackwardSrc from "./generated/winograd3d_f4_weight_transform_backward.wgsl" with {
  type: "text",
};
import { expectShape, type Tensor } from "../tensor.ts";
import {
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
} from "../conv2d/winograd_gemm.ts";

type Triple = [number, number, number];

/** The transform kernels of one 3-D algorithm, its output block and point count. */
interface Scheme extends Transforms {
  block: Triple;
  points: number;
}
/** F(2x2x2, 3x3x3): 64 points per 2x2x2 block. */
const F2: Scheme = {
  block: [2, 2, 2],
  points: 64,
  ...transformKernels("winograd3d", {
    input: inputSrc,
    weight: weightSrc,
    output: outputSrc,
    outputBackward: outputBackwardSrc,
    weightBackward: weightBackwardSrc,
  }),
};
/** F(2x4x4, 3x3x3): F(2, 3) along D, F(4, 3) along H and W; 144 points per 2x4x4 block. */
const F4: Scheme = {
  block: [2, 4, 4],
  points: 144,
  ...transformKernels("winograd3d_f4", {
    input: f4InputSrc,
    weight: f4WeightSrc,
    output: f4OutputSrc,
    outputBackward: f4OutputBackwardSrc,
    weightBackward: f4WeightBackwardSrc,
  }),
};
function scheme(c: { tile: WinogradTile }): Scheme {
  if (c.tile === 6) throw new Error("winograd3d: no F(2x6x6, 3x3x3) (F(6x6, 3x3) is 2-D only)");
  return c.tile === 4 ? F4 : F2;
}

/**
 * The 3-D variants, under the 2-D names (WINOGRAD_VARIANTS: "winograd*" F(2x2x2, 3x3x3),
 * "winograd_f4*" F(2x4x4, 3x3x3)); each lists the transform kernels it also runs.
 */
const TABLES = winogradTables((tile) => scheme({ tile }));
/** The forward and input-gradient variants. */
export const WINOGRAD3D = TABLES.forward;
/** The weight-gradient variants (split-K GEMMs over the tiles). */
export const WINOGRAD3D_BACKWARD_WEIGHT = TABLES.backwardWeight;

/**
 * A stride-1 3x3x3 convolution as the Winograd pipeline sees it: `out` [B, O, ...output] (+)=
 * sum over i of g[o, i] correlated with `inp` [B, I, ...input] zero-padded in front by `pad`
 * (per dimension; the back padding follows from the sizes), where g is `w` [O, I, 3, 3, 3] as
 * given, or with `flip` the kernel of `w` [I, O, 3, 3, 3] flipped in all three dimensions.
 */
export interface Winograd3dConv {
  B: number;
  I: number;
  O: number;
  input: Triple;
  output: Triple;
  pad: Triple;
  flip: boolean;
  /** The output block in H and W: 2 (F(2x2x2, 3x3x3)) or 4 (F(2x4x4, 3x3x3)); D's is 2. */
  tile: WinogradTile;
}

/** Whether a 3-D convolution suits F(2x2x2, 3x3x3): a 3x3x3 kernel, stride 1, front pads <= 2. */
export function winograd3dFits(
  s: { kernel: Triple; stride: Triple; pad: Triple },
): boolean {
  return [0, 1, 2].every((d) => s.kernel[d] === 3 && s.stride[d] === 1 && s.pad[d] <= 2);
}

/** Output tiles: blocks of the output, per dimension and in all (T). */
export function winograd3dTiles(c: Winograd3dConv): { tiles: Triple; T: number } {
  const b = scheme(c).block;
  const tiles = c.output.map((o, d) => Math.ceil(o / b[d])) as Triple;
  return { tiles, T: c.B * tiles[0] * tiles[1] * tiles[2] };
}

/**
 * u [Z, O, I] = the weight transform of every 3x3x3 kernel of `w` (see `flip`); with `kMajor`,
 * u [Z, I, O] (the vec4 GEMM's order).
 */
export function winograd3dWeightTransform(
  u: Tensor,
  w: Tensor,
  c: Winograd3dConv,
  kMajor = false,
): void {
  const { points: Z, weight } = scheme(c);
  expectShape(u, "winograd3d weight transform", 3, kMajor ? [Z, c.I, c.O] : [Z, c.O, c.I]);
  expectShape(w, "winograd3d weights", 5, c.flip ? [c.I, c.O, 3, 3, 3] : [c.O, c.I, 3, 3, 3]);
  dispatchWeightTransform(weight, u, w, c, kMajor);
}

/**
 * v [Z, I, T] = the input transform of every tile's patch and channel of `inp`; with `kMajor`,
 * v [Z, T, I] (the vec4 weight-gradient GEMM's order).
 */
export function winograd3dInputTransform(
  v: Tensor,
  inp: Tensor,
  c: Winograd3dConv,
  kMajor = false,
): void {
  const { tiles, T } = winograd3dTiles(c);
  const { points: Z, input } = scheme(c);
  expectShape(v, "winograd3d input transform", 3, kMajor ? [Z, T, c.I] : [Z, c.I, T]);
  expectShape(inp, "winograd3d input", 5, [c.B, c.I, ...c.input]);
  dispatchTransform(v.gpu, input, [inp.range, v.range], [
    c.I,
    ...c.input,
    ...tiles,
    T,
    ...c.pad,
    kMajor ? 1 : 0,
    c.I * T,
  ]);
}

/** out [B, O, ...output] (+)= the output transform of every tile's products m [Z, O, T]. */
export function winograd3dOutputTransform(
  out: Tensor,
  m: Tensor,
  c: Winograd3dConv,
  accumulate: boolean,
): void {
  const { tiles, T } = winograd3dTiles(c);
  const { points: Z, output } = scheme(c);
  expectShape(m, "winograd3d products", 3, [Z, c.O, T]);
  expectShape(out, "winograd3d output", 5, [c.B, c.O, ...c.output]);
  dispatchTransform(out.gpu, output, [m.range, out.range], [
    c.O,
    ...c.output,
    ...tiles,
    T,
    accumulate ? 1 : 0,
    c.O * T,
  ]);
}

/**
 * g [Z, O, T] = the adjoint output transform of every tile's block of `dy`; with `kMajor`,
 * g [Z, T, O] (the vec4 weight-gradient GEMM's order).
 */
export function winograd3dOutputTransformBackward(
  g: Tensor,
  dy: Tensor,
  c: Winograd3dConv,
  kMajor = false,
): void {
  const { tiles, T } = winograd3dTiles(c);
  const { points: Z, outputBackward } = scheme(c);
  expectShape(g, "winograd3d output-gradient transform", 3, kMajor ? [Z, T, c.O] : [Z, c.O, T]);
  expectShape(dy, "winograd3d output gradient", 5, [c.B, c.O, ...c.output]);
  dispatchTransform(g.gpu, outputBackward, [dy.range, g.range], [
    c.O,
    ...c.output,
    ...tiles,
    T,
    kMajor ? 1 : 0,
    c.O * T,
  ]);
}

/** dw [O, I, 3, 3, 3] (+)= the adjoint weight transform of d [Z, splits, O, I] (splits summed). */
export function winograd3dWeightTransformBackward(
  dw: Tensor,
  d: Tensor,
  c: Winograd3dConv,
  accumulate: boolean,
): void {
  const { points: Z, weightBackward } = scheme(c);
  expectShape(d, "winograd3d weight-gradient products", 4, [Z, undefined, c.O, c.I]);
  expectShape(dw, "winograd3d weight gradient", 5, [c.O, c.I, 3, 3, 3]);
  dispatchWeightTransformBackward(weightBackward, dw, d, c, accumulate);
}

/** The 3-D transforms, for winogradConvWith and winogradBackwardWeightWith. */
const STEPS_3D: WinogradSteps<Winograd3dConv> = {
  sizes: (c) => ({ Z: scheme(c).points, T: winograd3dTiles(c).T }),
  weight: winograd3dWeightTransform,
  input: winograd3dInputTransform,
  output: winograd3dOutputTransform,
  outputBackward: winograd3dOutputTransformBackward,
  weightBackward: winograd3dWeightTransformBackward,
};

/** out (+)= the 3-D convolution `c` of `inp` with `w`, the GEMMs by variant `v`'s kernel. */
export function winograd3dConvInto(
  v: WinogradGemmKernel,
  out: Tensor,
  inp: Tensor,
  w: Tensor,
  c: Winograd3dConv,
  accumulate: boolean,
): void {
  winogradConvWith(STEPS_3D, v, out, inp, w, c, accumulate);
}

/**
 * dw [O, I, 3, 3, 3] (+)= the weight gradient of the convolution `c` (not flipped) given its input
 * `x` and output gradient `dy`: the adjoint transforms around a split-K GEMM over the tiles.
 */
export function winograd3dBackwardWeightInto(
  variant: WinogradBackwardKernel,
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  c: Winograd3dConv,
  accumulate: boolean,
): void {
  winogradBackwardWeightWith(STEPS_3D, variant, dw, dy, x, c, accumulate);
}
