/**
 * 2-D convolution without bias (NCHW, weights [Co, Ci, KH, KW]), as implicit GEMM kernels:
 * forward, backward-input and backward-weight (split-K with a reduction pass).
 */
import forwardSrc from "./generated/conv2d_forward.wgsl" with { type: "text" };
import forwardGpuSrc from "./generated/conv2d_forward_gpu.wgsl" with { type: "text" };
import forwardTiledSrc from "./generated/conv2d_forward_tiled.wgsl" with { type: "text" };
import forwardWideSrc from "./generated/conv2d_forward_wide.wgsl" with { type: "text" };
import backwardInputSrc from "./generated/conv2d_backward_input.wgsl" with { type: "text" };
import backwardInputNarrowSrc from "./generated/conv2d_backward_input_narrow.wgsl" with {
  type: "text",
};
import backwardInputGpuSrc from "./generated/conv2d_backward_input_gpu.wgsl" with { type: "text" };
import backwardInputTiledSrc from "./generated/conv2d_backward_input_tiled.wgsl" with {
  type: "text",
};
import backwardInputWideSrc from "./generated/conv2d_backward_input_wide.wgsl" with {
  type: "text",
};
import backwardWeightSrc from "./generated/conv2d_backward_weight.wgsl" with { type: "text" };
import backwardWeightNarrowSrc from "./generated/conv2d_backward_weight_narrow.wgsl" with {
  type: "text",
};
import backwardWeightGpuSrc from "./generated/conv2d_backward_weight_gpu.wgsl" with {
  type: "text",
};
import backwardWeightTiledSrc from "./generated/conv2d_backward_weight_tiled.wgsl" with {
  type: "text",
};
import backwardWeightWideSrc from "./generated/conv2d_backward_weight_wide.wgsl" with {
  type: "text",
};
import backwardWeightWindowSrc from "./generated/conv2d_backward_weight_window.wgsl" with {
  type: "text",
};
import TILES from "./generated/tiles.json" with { type: "json" };
import { expectShape, Tensor } from "../tensor.ts";
import { dispatchSplitK, type SplitKKernel, splitKTable, sumSplits } from "./split_k.ts";
import { dispatchPhases, FOLDED_PHASES } from "./phases.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { tiledKernel, variantTable } from "../variants/table.ts";
import { defaultVariant, pick, variantPolicy } from "../variants/policy.ts";
import {
  WINOGRAD,
  WINOGRAD_BACKWARD_WEIGHT,
  winogradBackwardWeightInto,
  type WinogradConv,
  winogradConvInto,
  winogradFits,
} from "./winograd.ts";
import {
  isWinograd,
  type PassTables,
  passVariants,
  type WinogradTile,
  winogradTile,
  withWinograd,
} from "./winograd_gemm.ts";

const FORWARD = variantTable("conv2d_forward", {
  cpu: forwardSrc,
  gpu: forwardGpuSrc,
  tiled: forwardTiledSrc,
  wide: forwardWideSrc,
}, TILES);
const BACKWARD_INPUT = variantTable("conv2d_backward_input", {
  cpu: backwardInputSrc,
  narrow: backwardInputNarrowSrc,
  gpu: backwardInputGpuSrc,
  tiled: backwardInputTiledSrc,
  wide: backwardInputWideSrc,
}, TILES);
const BACKWARD_WEIGHT = splitKTable(variantTable("conv2d_backward_weight", {
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
const WITH_WINOGRAD = withWinograd(DIRECT, WINOGRAD, WINOGRAD_BACKWARD_WEIGHT);

/**
 * The sliding-window weight gradient (tools/gen_window.ts: the input window kept in registers
 * along each output row) for the geometry it is generated for, 7x7 kernels at stride 2: the
 * ResNet stems, whose short weight rows (Ci*49) leave the GEMM kernels a load per multiply-add or
 * two. A variant of the software adapter's family for the tuner (2.4x faster than the narrow and
 * cpu kernels at the CREMA-D step's two stems); the default kernels stay the untuned choice.
 */
const WINDOW: SplitKKernel = {
  ...tiledKernel("conv2d_backward_weight_window", backwardWeightWindowSrc, TILES),
  targetGroups: 64, // as the software adapter's other weight-gradient kernels (split_k.ts)
};
const windowFits = (s: Conv2dShape) => s.KH === 7 && s.KW === 7 && s.stride === 2;
const WITH_WINDOW: PassTables = {
  ...DIRECT,
  backwardWeight: { ...BACKWARD_WEIGHT, window: WINDOW },
};

/** The tables of a shape (the same objects each call: the autotune fingerprint caches by them). */
const tables = (s: Conv2dShape): PassTables =>
  winogradFits(s) ? WITH_WINOGRAD : windowFits(s) ? WITH_WINDOW : DIRECT;

/** Stride and zero padding (same in both spatial dimensions). */
export interface Conv2dOptions {
  /** Stride in both spatial dimensions; default 1. */
  stride?: number;
  /** Zero padding on every side; default 0. */
  padding?: number;
}

/** The geometry of one convolution, derived from input and weight shapes. */
export interface Conv2dShape {
  B: number;
  Ci: number;
  H: number;
  W: number;
  Co: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  stride: number;
  pad: number;
}

/** Output size and checks; errors name the offending shape. */
export function conv2dShape(
  x: readonly number[],
  w: readonly number[],
  options: Conv2dOptions = {},
): Conv2dShape {
  const stride = options.stride ?? 1, pad = options.padding ?? 0;
  if (x.length !== 4) throw new Error(`conv2d input: expected [B,C,H,W], got [${x}]`);
  if (w.length !== 4) throw new Error(`conv2d weight: expected [Co,Ci,KH,KW], got [${w}]`);
  const [B, Ci, H, W] = x, [Co, Ci2, KH, KW] = w;
  if (Ci !== Ci2) throw new Error(`conv2d: input has ${Ci} channels, weight [${w}] wants ${Ci2}`);
  const OH = Math.floor((H + 2 * pad - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - KW) / stride) + 1;
  if (OH < 1 || OW < 1) throw new Error(`conv2d: input [${x}] too small for kernel [${w}]`);
  return { B, Ci, H, W, Co, KH, KW, OH, OW, stride, pad };
}

function fields(s: Conv2dShape, M: number, N: number, K: number, C: number, acc = false) {
  const { H, W, OH, OW, KH, KW, stride, pad } = s;
  return [M, N, K, C, H, W, OH, OW, KH, KW, stride, pad, acc ? 1 : 0];
}

const shapeOf = (s: Conv2dShape) => ({
  key: [s.B, s.Ci, s.H, s.W, s.Co, s.KH, s.KW, s.stride, s.pad].join(","),
  flops: 2 * s.B * s.Co * s.OH * s.OW * s.Ci * s.KH * s.KW,
});

/** The Winograd view of the forward pass (x convolved with w as given; also its weight gradient). */
function winogradForward(s: Conv2dShape, tile: WinogradTile): WinogradConv {
  const { B, Ci: I, H, W, Co: O, OH, OW, pad } = s;
  return { B, I, H, W, O, OH, OW, pad, flip: false, tile };
}

/** The Winograd view of the input gradient: dy convolved with w flipped, padding 2 - P. */
function winogradInputGradient(s: Conv2dShape, tile: WinogradTile): WinogradConv {
  const { B, Co: I, OH: H, OW: W, Ci: O, H: OH, W: OW } = s;
  return { B, I, H, W, O, OH, OW, pad: 2 - s.pad, flip: true, tile };
}

function forward(v: string, y: Tensor, x: Tensor, w: Tensor, s: Conv2dShape): void {
  if (isWinograd(v)) {
    return winogradConvInto(WINOGRAD[v], y, x, w, winogradForward(s, winogradTile(v)), false);
  }
  const k = FORWARD[v as keyof typeof FORWARD];
  const N = s.B * s.OH * s.OW, K = s.Ci * s.KH * s.KW;
  y.gpu.dispatch(k.kernel, [x.range, w.range, y.range], {
    u: [...fields(s, s.Co, N, K, s.Ci), K],
  }, [Math.ceil(N / k.cols), Math.ceil(s.Co / k.rows)]);
}

/** Scratch tensors of the three shapes of a convolution, for autotuning. */
function scratch(x: Tensor, s: Conv2dShape): Record<"x" | "w" | "y", Tensor> {
  const gpu = x.gpu;
  return {
    x: Tensor.empty(gpu, [s.B, s.Ci, s.H, s.W]),
    w: Tensor.empty(gpu, [s.Co, s.Ci, s.KH, s.KW]),
    y: Tensor.empty(gpu, [s.B, s.Co, s.OH, s.OW]),
  };
}

/** y = conv2d(x, w) into a preallocated y [B, Co, OH, OW]. */
export function conv2dForwardInto(y: Tensor, x: Tensor, w: Tensor, s: Conv2dShape): void {
  expectShape(y, "conv2d output", 4, [s.B, s.Co, s.OH, s.OW]);
  const v = pick(
    y.gpu,
    "conv2d_forward",
    shapeOf(s),
    tables(s).forward,
    variantPolicy(y.gpu).gemm as string,
    () => {
      const t = scratch(x, s);
      return (v) => forward(v, t.y, t.x, t.w, s);
    },
  );
  forward(v, y, x, w, s);
}

function backwardInput(
  v: string,
  dx: Tensor,
  dy: Tensor,
  w: Tensor,
  s: Conv2dShape,
  acc: boolean,
) {
  if (isWinograd(v)) {
    const c = winogradInputGradient(s, winogradTile(v));
    return winogradConvInto(WINOGRAD[v], dx, dy, w, c, acc);
  }
  const k = BACKWARD_INPUT[v as keyof typeof BACKWARD_INPUT];
  const S = s.stride;
  // phases no tap reaches (a 1x1 stride-2 kernel: three of four) get zeros: one clear of dx
  // instead of a dispatch each that decodes every index to store a zero (when accumulating, none)
  const untouched = S > s.KH || S > s.KW;
  if (untouched && !acc) dx.gpu.encoder().clearBuffer(dx.buffer, dx.offset, dx.byteSize);
  const phases: number[][] = [];
  for (let rh = 0; rh < S; rh++) {
    for (let rw = 0; rw < S; rw++) {
      // input rows of this phase: ih = ih0 + S*t with (ih + pad) mod S = rh
      const ih0 = (((rh - s.pad) % S) + S) % S, iw0 = (((rw - s.pad) % S) + S) % S;
      const Hh = ih0 < s.H ? Math.ceil((s.H - ih0) / S) : 0;
      const Ww = iw0 < s.W ? Math.ceil((s.W - iw0) / S) : 0;
      if (Hh === 0 || Ww === 0) continue;
      const KHh = rh < s.KH ? Math.ceil((s.KH - rh) / S) : 0;
      const KWw = rw < s.KW ? Math.ceil((s.KW - rw) / S) : 0;
      const N = s.B * Hh * Ww, K = s.Co * KHh * KWw;
      if (K === 0) continue; // zeros: cleared above, or nothing to add
      phases.push([N, K, rh, rw, ih0, iw0, Hh, Ww, Math.max(KWw, 1)]);
    }
  }
  // the GPU families take the phases as grid z of one dispatch (16 at most: up to stride 4)
  dispatchPhases(
    dx.gpu,
    {
      kernel: k,
      folded: FOLDED_PHASES.has(v),
      buffers: [dy.range, w.range, dx.range],
      fields: (N, K) => fields(s, s.Ci, N, K, s.Co, acc),
      stride: 12,
    },
    phases,
    s.Ci,
  );
}

/** dx (+)= the input gradient given dy [B, Co, OH, OW], phase by phase (stride phases). */
export function conv2dBackwardInputInto(
  dx: Tensor,
  dy: Tensor,
  w: Tensor,
  s: Conv2dShape,
  accumulate: boolean,
): void {
  expectShape(dx, "conv2d input gradient", 4, [s.B, s.Ci, s.H, s.W]);
  const gpu = dx.gpu;
  const fallback: string = defaultVariant(gpu, s.Ci <= 8);
  const table = tables(s).backwardInput;
  const v = pick(gpu, "conv2d_backward_input", shapeOf(s), table, fallback, () => {
    const t = scratch(dx, s);
    return (v) => backwardInput(v, t.x, t.y, t.w, s, false);
  });
  backwardInput(v, dx, dy, w, s, accumulate);
}

function backwardWeight(
  v: string,
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  s: Conv2dShape,
  accumulate: boolean,
): void {
  if (isWinograd(v)) {
    const c = winogradForward(s, winogradTile(v));
    return winogradBackwardWeightInto(WINOGRAD_BACKWARD_WEIGHT[v], dw, dy, x, c, accumulate);
  }
  if (v === "window") return windowBackwardWeight(dw, dy, x, s, accumulate);
  const M = s.Co, N = s.Ci * s.KH * s.KW, K = s.B * s.OH * s.OW;
  const k = BACKWARD_WEIGHT[v as keyof typeof BACKWARD_WEIGHT];
  dispatchSplitK(k, dw, [dy.range, x.range], [M, N, K], accumulate, (acc, kps) => [
    ...fields(s, M, N, K, s.Ci, acc),
    kps,
  ]);
}

/**
 * The window kernel's dispatch: workgroups over (input channel, block of output channels), the
 * output rows (n, oh) split along z until there are about WINDOW.targetGroups workgroups, each
 * split at least one row; the splits' slices are then summed (split_reduce).
 */
function windowBackwardWeight(
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  s: Conv2dShape,
  accumulate: boolean,
): void {
  const rows = s.B * s.OH, gy = Math.ceil(s.Co / WINDOW.rows);
  const wanted = Math.max(1, Math.min(Math.ceil(WINDOW.targetGroups / (s.Ci * gy)), rows));
  const rps = Math.ceil(rows / wanted), splits = Math.ceil(rows / rps); // no empty split
  const target = splits === 1 ? dw : Tensor.empty(dw.gpu, [splits, s.Co, s.Ci * s.KH * s.KW]);
  const acc = splits === 1 && accumulate ? 1 : 0;
  dw.gpu.dispatch(WINDOW.kernel, [dy.range, x.range, target.range], {
    u: [s.Ci, s.H, s.W, s.Co, s.OH, s.OW, s.pad, rps, rows, acc],
  }, [s.Ci, gy, splits]);
  if (splits > 1) sumSplits(target, dw, accumulate);
}

/** dw (+)= the weight gradient given dy [B, Co, OH, OW] and x. */
export function conv2dBackwardWeightInto(
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  s: Conv2dShape,
  accumulate: boolean,
): void {
  const gpu = dw.gpu;
  const fallback: string = defaultVariant(gpu, s.Ci * s.KH * s.KW < 128);
  const table = tables(s).backwardWeight;
  const v = pick(gpu, "conv2d_backward_weight", shapeOf(s), table, fallback, () => {
    const t = scratch(dw, s);
    return (v) => backwardWeight(v, t.w, t.y, t.x, s, false);
  });
  backwardWeight(v, dw, dy, x, s, accumulate);
}

/**
 * The variants each pass of a shape chooses among (autotuned): the direct kernels' families,
 * and the Winograd ones for stride-1 3x3 kernels.
 */
export function conv2dVariants(s: Conv2dShape): Record<keyof PassTables, string[]> {
  return passVariants(tables(s));
}

function expectVariant(variants: string[], variant: string, pass: string): void {
  if (!variants.includes(variant)) {
    throw new Error(`conv2d ${pass}: no variant "${variant}" for this shape (${variants})`);
  }
}

/** conv2dForwardInto with a given variant (one of conv2dVariants(s).forward), not tuned. */
export function conv2dForwardVariantInto(
  variant: string,
  y: Tensor,
  x: Tensor,
  w: Tensor,
  s: Conv2dShape,
): void {
  expectVariant(conv2dVariants(s).forward, variant, "forward");
  expectShape(y, "conv2d output", 4, [s.B, s.Co, s.OH, s.OW]);
  forward(variant, y, x, w, s);
}

/** conv2dBackwardInputInto with a given variant (one of conv2dVariants(s).backwardInput). */
export function conv2dBackwardInputVariantInto(
  variant: string,
  dx: Tensor,
  dy: Tensor,
  w: Tensor,
  s: Conv2dShape,
  accumulate: boolean,
): void {
  expectVariant(conv2dVariants(s).backwardInput, variant, "backward-input");
  expectShape(dx, "conv2d input gradient", 4, [s.B, s.Ci, s.H, s.W]);
  backwardInput(variant, dx, dy, w, s, accumulate);
}

/** conv2dBackwardWeightInto with a given variant (one of conv2dVariants(s).backwardWeight). */
export function conv2dBackwardWeightVariantInto(
  variant: string,
  dw: Tensor,
  dy: Tensor,
  x: Tensor,
  s: Conv2dShape,
  accumulate: boolean,
): void {
  expectVariant(conv2dVariants(s).backwardWeight, variant, "backward-weight");
  expectShape(dw, "conv2d weight gradient", 4, [s.Co, s.Ci, s.KH, s.KW]);
  backwardWeight(variant, dw, dy, x, s, accumulate);
}

/**
 * Autograd conv2d (no bias): x [B,Ci,H,W], w [Co,Ci,KH,KW] -> [B,Co,OH,OW].
 * @example A 3x3 box filter
 * ```ts
 * import { conv2d, Gpu, Tensor } from "@mmboost/mmboost";
 * const gpu = await Gpu.create();
 * const x = Tensor.from(gpu, new Array(16).fill(1), [1, 1, 4, 4]); // [B, C, H, W]
 * const w = Tensor.from(gpu, new Array(9).fill(1), [1, 1, 3, 3]); // [Co, Ci, KH, KW]
 * const y = conv2d(x, w, { padding: 1 });
 * console.log(await y.read()); // corners 4, edges 6, centre 9
 * ```
 */
export function conv2d(x: Tensor, w: Tensor, options: Conv2dOptions = {}): Tensor {
  const s = conv2dShape(x.shape, w.shape, options);
  const y = Tensor.empty(x.gpu, [s.B, s.Co, s.OH, s.OW]);
  conv2dForwardInto(y, x, w, s);
  return record(y, [x, w], (g) => {
    const gw = gradOutput(w);
    if (gw) conv2dBackwardWeightInto(gw.out, g, x, s, gw.accumulate);
    const gx = gradOutput(x);
    if (gx) conv2dBackwardInputInto(gx.out, g, w, s, gx.accumulate);
  });
}
