/**
 * Stride-1 3x3x3 convolutions (I3D's Inception branches) by Winograd's F(2x2x2, 3x3x3): F(2, 3)
 * along each of D, H and W (Lavin & Gray 2016), so each 2x2x2 block of outputs takes 64
 * multiplications per (input, output) channel pair instead of 216: the GEMMs do 8/27 of the
 * direct method's multiply-adds. The same four steps as the 2-D pipeline (conv2d/winograd.ts),
 * whose batched GEMMs it shares with 64 points: the weight transform U = G g (along each axis),
 * the input transform V = B^T d of every 4x4x4 input patch, 64 GEMMs M[xi] = U[xi] V[xi] and
 * the output transform A^T M. The input gradient is the same pipeline on dy with the flipped,
 * transposed kernel (front padding 2 - P per dimension); the weight gradient runs the adjoint
 * transforms around a split-K GEMM over the tiles. The coefficients are 0, +-1 and 1/2, so the
 * results differ from the direct sums by rounding only.
 */
import inputSrc from "./winograd3d_input_transform.wgsl" with { type: "text" };
import weightSrc from "./winograd3d_weight_transform.wgsl" with { type: "text" };
import outputSrc from "./winograd3d_output_transform.wgsl" with { type: "text" };
import outputBackwardSrc from "./winograd3d_output_transform_backward.wgsl" with { type: "text" };
import weightBackwardSrc from "./winograd3d_weight_transform_backward.wgsl" with { type: "text" };
import { groups1d, type Kernel } from "../runtime/gpu.ts";
import type { TiledKernel } from "../runtime/variants.ts";
import { expectShape, Tensor } from "../tensor.ts";
import {
  WINOGRAD_GEMM,
  WINOGRAD_GEMM_BACKWARD,
  type WinogradBackwardKernel,
  winogradGemm,
  winogradGemmBackward,
} from "../conv2d/winograd.ts";

type Triple = [number, number, number];

const input: Kernel = { name: "winograd3d_input_transform", code: inputSrc };
const weight: Kernel = { name: "winograd3d_weight_transform", code: weightSrc };
const output: Kernel = { name: "winograd3d_output_transform", code: outputSrc };
const outputBackward: Kernel = {
  name: "winograd3d_output_transform_backward",
  code: outputBackwardSrc,
};
const weightBackward: Kernel = {
  name: "winograd3d_weight_transform_backward",
  code: weightBackwardSrc,
};

/** Transformed points per tile (4x4x4): the GEMM count of one convolution. */
const Z = 64;

/** The 3-D Winograd variant names, one per GEMM family. */
export type Winograd3dVariant = "winograd" | "winograd_gpu" | "winograd_tiled";
const FAMILY = { winograd: "cpu", winograd_gpu: "gpu", winograd_tiled: "tiled" } as const;

/** True for a variant name of the 3-D Winograd table. */
export function isWinograd3d(v: string): v is Winograd3dVariant {
  return Object.hasOwn(FAMILY, v);
}

const table = <K>(make: (family: "cpu" | "gpu" | "tiled") => K): Record<Winograd3dVariant, K> => ({
  winograd: make(FAMILY.winograd),
  winograd_gpu: make(FAMILY.winograd_gpu),
  winograd_tiled: make(FAMILY.winograd_tiled),
});

/**
 * The forward and input-gradient variants; each lists the transform kernels it also runs, so
 * that their sources count in the autotune fingerprint.
 */
export const WINOGRAD3D: Record<Winograd3dVariant, TiledKernel> = table((f) => ({
  ...WINOGRAD_GEMM[f],
  companions: [weight, input, output],
}));

/** The weight-gradient variants (split-K GEMMs over the tiles). */
export const WINOGRAD3D_BACKWARD_WEIGHT: Record<Winograd3dVariant, WinogradBackwardKernel> = table(
  (f) => {
    const companions = [input, outputBackward, weightBackward];
    if (f !== "cpu") return { ...WINOGRAD_GEMM_BACKWARD[f], companions };
    const narrow = WINOGRAD_GEMM_BACKWARD.narrow;
    return { ...WINOGRAD_GEMM_BACKWARD.cpu, narrow, companions: [...companions, narrow.kernel] };
  },
);

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
}

/** Whether a 3-D convolution suits F(2x2x2, 3x3x3): a 3x3x3 kernel, stride 1, front pads <= 2. */
export function winograd3dFits(
  s: { kernel: Triple; stride: Triple; pad: Triple },
): boolean {
  return [0, 1, 2].every((d) => s.kernel[d] === 3 && s.stride[d] === 1 && s.pad[d] <= 2);
}

/** Output tiles: 2x2x2 blocks of the output, per dimension and in all (T). */
export function winograd3dTiles(c: Winograd3dConv): { tiles: Triple; T: number } {
  const tiles = c.output.map((o) => Math.ceil(o / 2)) as Triple;
  return { tiles, T: c.B * tiles[0] * tiles[1] * tiles[2] };
}

/** u [64, O, I] = the weight transform of every 3x3x3 kernel of `w` (see `flip`). */
export function winograd3dWeightTransform(u: Tensor, w: Tensor, c: Winograd3dConv): void {
  expectShape(u, "winograd3d weight transform", 3, [Z, c.O, c.I]);
  expectShape(w, "winograd3d weights", 5, c.flip ? [c.I, c.O, 3, 3, 3] : [c.O, c.I, 3, 3, 3]);
  u.gpu.dispatch(weight, [w.range, u.range], {
    u: [c.O, c.I, c.flip ? 1 : 0, c.O * c.I],
  }, groups1d(c.O * c.I, 64));
}

/** v [64, I, T] = the input transform of every tile's 4x4x4 patch and channel of `inp`. */
export function winograd3dInputTransform(v: Tensor, inp: Tensor, c: Winograd3dConv): void {
  const { tiles, T } = winograd3dTiles(c);
  expectShape(v, "winograd3d input transform", 3, [Z, c.I, T]);
  expectShape(inp, "winograd3d input", 5, [c.B, c.I, ...c.input]);
  v.gpu.dispatch(input, [inp.range, v.range], {
    u: [c.I, ...c.input, ...tiles, T, ...c.pad, c.I * T],
  }, groups1d(c.I * T, 64));
}

/** out [B, O, ...output] (+)= the output transform of every tile's products m [64, O, T]. */
export function winograd3dOutputTransform(
  out: Tensor,
  m: Tensor,
  c: Winograd3dConv,
  accumulate: boolean,
): void {
  const { tiles, T } = winograd3dTiles(c);
  expectShape(m, "winograd3d products", 3, [Z, c.O, T]);
  expectShape(out, "winograd3d output", 5, [c.B, c.O, ...c.output]);
  out.gpu.dispatch(output, [m.range, out.range], {
    u: [c.O, ...c.output, ...tiles, T, accumulate ? 1 : 0, c.O * T],
  }, groups1d(c.O * T, 64));
}

/** out (+)= the convolution `c` of `inp` with `w`, the GEMMs by variant `v`'s kernel. */
export function winograd3dConvInto(
  v: TiledKernel,
  out: Tensor,
  inp: Tensor,
  w: Tensor,
  c: Winograd3dConv,
  accumulate: boolean,
): void {
  const gpu = out.gpu, { T } = winograd3dTiles(c);
  const u = Tensor.empty(gpu, [Z, c.O, c.I]);
  const vt = Tensor.empty(gpu, [Z, c.I, T]);
  const m = Tensor.empty(gpu, [Z, c.O, T]);
  winograd3dWeightTransform(u, w, c);
  winograd3dInputTransform(vt, inp, c);
  winogradGemm(v, m, u, vt);
  winograd3dOutputTransform(out, m, c, accumulate);
  u.dispose();
  vt.dispose();
  m.dispose();
}

/** g [64, O, T] = the adjoint output transform of every tile's 2x2x2 block of `dy`. */
export function winograd3dOutputTransformBackward(g: Tensor, dy: Tensor, c: Winograd3dConv): void {
  const { tiles, T } = winograd3dTiles(c);
  expectShape(g, "winograd3d output-gradient transform", 3, [Z, c.O, T]);
  expectShape(dy, "winograd3d output gradient", 5, [c.B, c.O, ...c.output]);
  g.gpu.dispatch(outputBackward, [dy.range, g.range], {
    u: [c.O, ...c.output, ...tiles, T, c.O * T],
  }, groups1d(c.O * T, 64));
}

/** dw [O, I, 3, 3, 3] (+)= the adjoint weight transform of d [64, splits, O, I] (splits summed). */
export function winograd3dWeightTransformBackward(
  dw: Tensor,
  d: Tensor,
  c: Winograd3dConv,
  accumulate: boolean,
): void {
  expectShape(d, "winograd3d weight-gradient products", 4, [Z, undefined, c.O, c.I]);
  expectShape(dw, "winograd3d weight gradient", 5, [c.O, c.I, 3, 3, 3]);
  dw.gpu.dispatch(weightBackward, [d.range, dw.range], {
    u: [c.O, c.I, d.shape[1], accumulate ? 1 : 0, c.O * c.I],
  }, groups1d(c.O * c.I, 64));
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
  if (c.flip) throw new Error("winograd3d weight gradient: the convolution must not be flipped");
  const gpu = dw.gpu, { T } = winograd3dTiles(c);
  const g = Tensor.empty(gpu, [Z, c.O, T]);
  const vt = Tensor.empty(gpu, [Z, c.I, T]);
  winograd3dOutputTransformBackward(g, dy, c);
  winograd3dInputTransform(vt, x, c);
  const d = winogradGemmBackward(variant, g, vt);
  winograd3dWeightTransformBackward(dw, d, c, accumulate);
  g.dispose();
  vt.dispose();
  d.dispose();
}
