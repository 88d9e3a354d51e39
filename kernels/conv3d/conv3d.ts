/**
 * 3-D convolution without bias (NCDHW, weights [Co, Ci, KD, KH, KW]), as implicit GEMM kernels:
 * forward, backward-input (by stride phase: one dispatch each, or all in one on the GPU
 * families) and backward-weight (split-K); for stride-1 3x3x3 kernels also Winograd
 * F(2x2x2, 3x3x3) variants of all three (winograd3d.ts), and for pointwise ones (1x1x1, stride 1, no padding) a vec4 GEMM per clip for the forward and input
 * gradient (conv2d/pointwise.ts), chosen by the autotuner.
 * Padding per dimension: a number (symmetric, PyTorch's) or "same" (TensorFlow's, computed from
 * the input size as the I3D port does: total = max(k - s, 0) when s divides the size, else
 * max(k - size mod s, 0); front = total div 2, back = the rest).
 */
import forwardSrc from "./generated/conv3d_forward.wgsl" with { type: "text" };
import forwardGpuSrc from "./generated/conv3d_forward_gpu.wgsl" with { type: "text" };
import forwardTiledSrc from "./generated/conv3d_forward_tiled.wgsl" with { type: "text" };
import forwardWideSrc from "./generated/conv3d_forward_wide.wgsl" with { type: "text" };
import backwardInputSrc from "./generated/conv3d_backward_input.wgsl" with { type: "text" };
import backwardInputNarrowSrc from "./generated/conv3d_backward_input_narrow.wgsl" with {
  type: "text",
};
import backwardInputGpuSrc from "./generated/conv3d_backward_input_gpu.wgsl" with { type: "text" };
import backwardInputTiledSrc from "./generated/conv3d_backward_input_tiled.wgsl" with {
  type: "text",
};
import backwardInputWideSrc from "./generated/conv3d_backward_input_wide.wgsl" with {
  type: "text",
};
import backwardWeightSrc from "./generated/conv3d_backward_weight.wgsl" with { type: "text" };
import backwardWeightNarrowSrc from "./generated/conv3d_backward_weight_narrow.wgsl" with {
  type: "text",
};
import backwardWeightGpuSrc from "./generated/conv3d_backward_weight_gpu.wgsl" with {
  type: "text",
};
import backwardWeightTiledSrc from "./generated/conv3d_backward_weight_tiled.wgsl" with {
  type: "text",
};
import backwardWeightWideSrc from "./generated/conv3d_backward_weight_wide.wgsl" with {
  type: "text",
};
import TILES from "./generated/tiles.json" with { type: "json" };
import { expectShape, Tensor } from "../tensor.ts";
import { dispatchSplitK, splitKTable } from "../conv2d/split_k.ts";
import { dispatchPhases, FOLDED_PHASES } from "../conv2d/phases.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { variantTable } from "../variants/table.ts";
import { defaultVariant, pick, variantPolicy } from "../variants/policy.ts";
import {
  WINOGRAD3D,
  WINOGRAD3D_BACKWARD_WEIGHT,
  winograd3dBackwardWeightInto,
  type Winograd3dConv,
  winograd3dConvInto,
  winograd3dFits,
} from "./winograd3d.ts";
import {
  isWinograd,
  type PassTables,
  passVariants,
  type WinogradTile,
  winogradTile,
  withWinograd,
} from "../conv2d/winograd_gemm.ts";
import {
  POINTWISE,
  pointwiseBackwardInputInto,
  pointwiseFits,
  pointwiseForwardInto,
} from "../conv2d/pointwise.ts";

const FORWARD = variantTable("conv3d_forward", {
  cpu: forwardSrc,
  gpu: forwardGpuSrc,
  tiled: forwardTiledSrc,
  wide: forwardWideSrc,
}, TILES);
const BACKWARD_INPUT = variantTable("conv3d_backward_input", {
  cpu: backwardInputSrc,
  narrow: backwardInputNarrowSrc,
  gpu: backwardInputGpuSrc,
  tiled: backwardInputTiledSrc,
  wide: backwardInputWideSrc,
}, TILES);
const BACKWARD_WEIGHT = splitKTable(variantTable("conv3d_backward_weight", {
  cpu: backwardWeightSrc,
  narrow: backwardWeightNarrowSrc,
  gpu: backwardWeightGpuSrc,
  tiled: backwardWeightTiledSrc,
  wide: backwardWeightWideSrc,
}, TILES));

/** The direct kernels' tables, and with Winograd's variants for the shapes that suit them. */
const DIRECT: PassTables = {
  forward: FORWARD,
  backwardInput: BACKWARD_INPUT,
  backwardWeight: BACKWARD_WEIGHT,
};
const WITH_WINOGRAD = withWinograd(DIRECT, WINOGRAD3D, WINOGRAD3D_BACKWARD_WEIGHT);
const WITH_POINTWISE: PassTables = {
  forward: { ...FORWARD, pointwise: POINTWISE },
  backwardInput: { ...BACKWARD_INPUT, pointwise: POINTWISE },
  backwardWeight: BACKWARD_WEIGHT,
};
/** The tables of a shape (the same objects each call: the autotune fingerprint caches by them). */
function tables(s: Conv3dShape): PassTables {
  if (winograd3dFits(s)) return WITH_WINOGRAD;
  return pointwiseFits({ ...s, positions: volume(s.input) }) ? WITH_POINTWISE : DIRECT;
}

/**
 * The variants each pass of a shape chooses among (autotuned): the direct kernels' families, the
 * Winograd ones for stride-1 3x3x3 kernels, "pointwise" for pointwise ones (see pointwiseFits).
 */
export function conv3dVariants(s: Conv3dShape): Record<keyof PassTables, string[]> {
  return passVariants(tables(s));
}

/** The Winograd view of the forward pass (x convolved with w as given; also its weight gradient). */
function winogradForward(s: Conv3dShape, tile: WinogradTile): Winograd3dConv {
  const { B, Ci: I, Co: O, input, output, pad } = s;
  return { B, I, O, input, output, pad, flip: false, tile };
}

/** The Winograd view of the input gradient: dy convolved with w flipped, front pads 2 - P. */
function winogradInputGradient(s: Conv3dShape, tile: WinogradTile): Winograd3dConv {
  const pad = s.pad.map((p) => 2 - p) as Triple;
  return { B: s.B, I: s.Co, O: s.Ci, input: s.output, output: s.input, pad, flip: true, tile };
}

/** One value per dimension (D, H, W). */
export type Triple = [number, number, number];

/** Stride and padding, one value for all three dimensions or one per dimension (D, H, W). */
export interface Conv3dOptions {
  /** Stride per dimension (D, H, W), or one for all; default 1. */
  stride?: number | Triple;
  /** Zero padding per dimension, one for all, or TensorFlow's "same"; default 0. */
  padding?: number | Triple | "same";
}

/** The geometry of one 3-D convolution. `pad` is the front pad of each dimension. */
export interface Conv3dShape {
  B: number;
  Ci: number;
  Co: number;
  /** Input, output and kernel sizes, strides and front pads, each as [D, H, W]. */
  input: Triple;
  output: Triple;
  kernel: Triple;
  stride: Triple;
  pad: Triple;
}

/** A per-dimension value from one number or a triple. */
export const triple = (v: number | Triple): Triple => typeof v === "number" ? [v, v, v] : v;

/** TensorFlow "same" padding of one dimension: [front, back] (the pytorch-i3d rule). */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const total = size % stride === 0
    ? Math.max(kernel - stride, 0)
    : Math.max(kernel - (size % stride), 0);
  const front = Math.floor(total / 2);
  return [front, total - front];
}

/** Output size and checks; errors name the offending shape. */
export function conv3dShape(
  x: readonly number[],
  w: readonly number[],
  options: Conv3dOptions = {},
): Conv3dShape {
  if (x.length !== 5) throw new Error(`conv3d input: expected [B,C,D,H,W], got [${x}]`);
  if (w.length !== 5) throw new Error(`conv3d weight: expected [Co,Ci,KD,KH,KW], got [${w}]`);
  const [B, Ci] = x, [Co, Ci2] = w;
  if (Ci !== Ci2) throw new Error(`conv3d: input has ${Ci} channels, weight [${w}] wants ${Ci2}`);
  const input = x.slice(2) as Triple, kernel = w.slice(2) as Triple;
  const stride = triple(options.stride ?? 1);
  const padding = options.padding ?? 0;
  const pads = [0, 1, 2].map((d) =>
    padding === "same"
      ? samePadding(input[d], kernel[d], stride[d])
      : [triple(padding)[d], triple(padding)[d]]
  );
  const output = [0, 1, 2].map((d) =>
    Math.floor((input[d] + pads[d][0] + pads[d][1] - kernel[d]) / stride[d]) + 1
  ) as Triple;
  if (output.some((o) => o < 1)) {
    throw new Error(`conv3d: input [${x}] too small for kernel [${w}]`);
  }
  return { B, Ci, Co, input, output, kernel, stride, pad: pads.map((p) => p[0]) as Triple };
}

function fields(s: Conv3dShape, M: number, N: number, K: number, C: number, acc = false) {
  return [M, N, K, C, ...s.input, ...s.output, ...s.kernel, ...s.stride, ...s.pad, acc ? 1 : 0];
}

const volume = (t: Triple) => t[0] * t[1] * t[2];

const shapeOf = (s: Conv3dShape) => ({
  key: [s.B, s.Ci, s.Co, ...s.input, ...s.kernel, ...s.stride, ...s.pad, ...s.output].join(","),
  flops: 2 * s.B * s.Co * volume(s.output) * s.Ci * volume(s.kernel),
});

/** Scratch tensors of the three shapes of a convolution, for autotuning. */
function scratch(t: Tensor, s: Conv3dShape): Record<"x" | "w" | "y", Tensor> {
  return {
    x: Tensor.empty(t.gpu, [s.B, s.Ci, ...s.input]),
    w: Tensor.empty(t.gpu, [s.Co, s.Ci, ...s.kernel]),
    y: Tensor.empty(t.gpu, [s.B, s.Co, ...s.output]),
  };
}

function forward(variant: string, y: Tensor, x: Tensor, w: Tensor, s: Conv3dShape): void {
  if (variant === "pointwise") return pointwiseForwardInto(y, x, w);
  if (isWinograd(variant)) {
    return winograd3dConvInto(
      WINOGRAD3D[variant],
      y,
      x,
      w,
      winogradForward(s, winogradTile(variant)),
      false,
    );
  }
  const v = FORWARD[variant as keyof typeof FORWARD];
  const N = s.B * volume(s.output), K = s.Ci * volume(s.kernel);
  y.gpu.dispatch(v.kernel, [x.range, w.range, y.range], {
    u: [...fields(s, s.Co, N, K, s.Ci), K],
  }, [Math.ceil(N / v.cols), Math.ceil(s.Co / v.rows)]);
}

/** y = conv3d(x, w) into a preallocated y [B, Co, OD, OH, OW]. */
export function conv3dForwardInto(y: Tensor, x: Tensor, w: Tensor, s: Conv3dShape): void {
  expectShape(y, "conv3d output", 5, [s.B, s.Co, ...s.output]);
  const table = tables(s).forward;
  const v = pick(
    y.gpu,
    "conv3d_forward",
    shapeOf(s),
    table,
    variantPolicy(y.gpu).gemm as string,
    () => {
      const t = scratch(y, s);
      return (v) => forward(v, t.y, t.x, t.w, s);
    },
  );
  forward(v, y, x, w, s);
}

function backwardInput(
  variant: string,
  dx: Tensor,
  dy: Tensor,
  w: Tensor,
  s: Conv3dShape,
  acc: boolean,
) {
  if (variant === "pointwise") return pointwiseBackwardInputInto(dx, dy, w, acc);
  if (isWinograd(variant)) {
    return winograd3dConvInto(
      WINOGRAD3D[variant],
      dx,
      dy,
      w,
      winogradInputGradient(s, winogradTile(variant)),
      acc,
    );
  }
  const v = BACKWARD_INPUT[variant as keyof typeof BACKWARD_INPUT];
  // per dimension and phase r: first input index i0, count, taps
  const phases = [0, 1, 2].map((d) =>
    Array.from({ length: s.stride[d] }, (_, r) => {
      const S = s.stride[d], i0 = (((r - s.pad[d]) % S) + S) % S;
      return {
        r,
        i0,
        count: i0 < s.input[d] ? Math.ceil((s.input[d] - i0) / S) : 0,
        taps: r < s.kernel[d] ? Math.ceil((s.kernel[d] - r) / S) : 0,
      };
    })
  );
  // phases no tap reaches (stride over kernel size) get zeros: one clear of dx instead of a
  // dispatch each that stores zeros (when accumulating, none)
  const untouched = phases.some((d) => d.some((p) => p.count > 0 && p.taps === 0));
  if (untouched && !acc) dx.gpu.encoder().clearBuffer(dx.buffer, dx.offset, dx.byteSize);
  // each reached phase: its GEMM's N and K, then the fields of the kernels' Phase
  const reached: number[][] = [];
  for (const a of phases[0]) {
    for (const b of phases[1]) {
      for (const c of phases[2]) {
        if (a.count * b.count * c.count === 0) continue;
        const N = s.B * a.count * b.count * c.count, K = s.Co * a.taps * b.taps * c.taps;
        if (K === 0) continue; // zeros: cleared above, or nothing to add
        reached.push([
          ...[N, K, a.r, b.r, c.r, a.i0, b.i0, c.i0, a.count, b.count, c.count],
          ...[Math.max(b.taps, 1), Math.max(c.taps, 1)],
        ]);
      }
    }
  }
  // the GPU families take the phases as grid z of one dispatch (16 at most: up to 2x2x4)
  dispatchPhases(
    dx.gpu,
    {
      kernel: v,
      folded: FOLDED_PHASES.has(variant),
      buffers: [dy.range, w.range, dx.range],
      fields: (N, K) => fields(s, s.Ci, N, K, s.Co, acc),
      stride: 16,
    },
    reached,
    s.Ci,
  );
}

/**
 * dx (+)= the input gradient given dy [B, Co, OD, OH, OW], by stride phase: one dispatch each on
 * the software adapter's kernels, all phases in one (up to 16) on the GPU families'.
 */
export function conv3dBackwardInputInto(
  dx: Tensor,
  dy: Tensor,
  w: Tensor,
  s: Conv3dShape,
  accumulate: boolean,
): void {
  expectShape(dx, "conv3d input gradient", 5, [s.B, s.Ci, ...s.input]);
  const gpu = dx.gpu;
  const fallback: string = defaultVariant(gpu, s.Ci <= 8);
  const table = tables(s).backwardInput;
  const v = pick(gpu, "conv3d_backward_input", shapeOf(s), table, fallback, () => {
    const t = scratch(dx, s);
    return (v) => backwardInput(v, t.x, t.y, t.w, s, false);
  });
  backwardInput(v, dx, dy, w, s, accumulate);
}

function backwardWeight(
  variant: string,
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  s: Conv3dShape,
  accumulate: boolean,
): void {
  if (isWinograd(variant)) {
    const k = WINOGRAD3D_BACKWARD_WEIGHT[variant];
    return winograd3dBackwardWeightInto(
      k,
      dw,
      dy,
      x,
      winogradForward(s, winogradTile(variant)),
      accumulate,
    );
  }
  const v = BACKWARD_WEIGHT[variant as keyof typeof BACKWARD_WEIGHT];
  const M = s.Co, N = s.Ci * volume(s.kernel), K = s.B * volume(s.output);
  dispatchSplitK(v, dw, [dy.range, x.range], [M, N, K], accumulate, (acc, kps) => [
    ...fields(s, M, N, K, s.Ci, acc),
    kps,
  ]);
}

/** dw (+)= the weight gradient given dy [B, Co, OD, OH, OW] and x. */
export function conv3dBackwardWeightInto(
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  s: Conv3dShape,
  accumulate: boolean,
): void {
  const gpu = dw.gpu;
  const fallback: string = defaultVariant(gpu, s.Ci * volume(s.kernel) < 128);
  const table = tables(s).backwardWeight;
  const v = pick(gpu, "conv3d_backward_weight", shapeOf(s), table, fallback, () => {
    const t = scratch(dw, s);
    return (v) => backwardWeight(v, t.w, t.y, t.x, s, false);
  });
  backwardWeight(v, dw, dy, x, s, accumulate);
}

/** Autograd conv3d (no bias): x [B,Ci,D,H,W], w [Co,Ci,KD,KH,KW] -> [B,Co,OD,OH,OW]. */
export function conv3d(x: Tensor, w: Tensor, options: Conv3dOptions = {}): Tensor {
  const s = conv3dShape(x.shape, w.shape, options);
  const y = Tensor.empty(x.gpu, [s.B, s.Co, ...s.output]);
  conv3dForwardInto(y, x, w, s);
  return record(y, [x, w], (g) => {
    const gw = gradOutput(w);
    if (gw) conv3dBackwardWeightInto(gw.out, g, x, s, gw.accumulate);
    const gx = gradOutput(x);
    if (gx) conv3dBackwardInputInto(gx.out, g, w, s, gx.accumulate);
  });
}
