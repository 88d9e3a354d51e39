/**
 * 3-D pooling over [B, C, D, H, W] with autograd: max pool (PyTorch's -inf padding, or the I3D
 * port's zero padding) and average pool (count_include_pad). Padding as in conv3d: a number,
 * one per dimension, or TensorFlow's "same" (front = total div 2).
 */
import maxForwardSrc from "./maxpool3d_forward.wgsl" with { type: "text" };
import scatterSrc from "./maxpool3d_backward_scatter.wgsl" with { type: "text" };
import planeSrc from "./maxpool3d_backward_plane.wgsl" with { type: "text" };
import avgForwardSrc from "./avgpool3d_forward.wgsl" with { type: "text" };
import avgBackwardSrc from "./avgpool3d_backward.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { groups1d } from "../runtime/gpu.ts";
import { withConstants } from "../runtime/specialize.ts";
import { samePadding, type Triple, triple } from "../conv3d/conv3d.ts";

const maxForwardKernel = { name: "maxpool3d_forward", code: maxForwardSrc };
const scatterKernel = { name: "maxpool3d_backward_scatter", code: scatterSrc };
const planeKernel = { name: "maxpool3d_backward_plane", code: planeSrc };
const avgForwardKernel = { name: "avgpool3d_forward", code: avgForwardSrc };
const avgBackwardKernel = { name: "avgpool3d_backward", code: avgBackwardSrc };

/** Window, stride (default: the window) and padding (default 0) of a 3-D pool. */
export interface Pool3dOptions {
  /** Window per dimension (D, H, W), or one for all. */
  kernel: number | Triple;
  /** Stride per dimension, or one for all; default the window. */
  stride?: number | Triple;
  /** Padding per dimension, one for all, or TensorFlow's "same"; default 0. */
  padding?: number | Triple | "same";
  /** Max pool only: padded positions hold 0 instead of being skipped (the I3D port). */
  zeroPad?: boolean;
}

/** A pool's geometry with the front pads of each dimension. */
export interface PoolGeometry extends MaxPoolGeometry {
  pad: Triple;
}

/** The geometry uniforms the pool kernels share: sizes, window, stride, front pads. */
const uniforms = (g: PoolGeometry) => [...g.input, ...g.output, ...g.kernel, ...g.stride, ...g.pad];

/** Sizes, window, stride and pads of a pool over x; errors name the input shape. */
function geometry(x: Tensor, o: Pool3dOptions, op: string): PoolGeometry {
  expectShape(x, `${op} input`, 5);
  const size = x.shape.slice(2) as Triple, k = triple(o.kernel), s = triple(o.stride ?? o.kernel);
  const pads = [0, 1, 2].map((d) => {
    if (o.padding === "same") return samePadding(size[d], k[d], s[d]);
    const p = triple(o.padding ?? 0)[d];
    if (2 * p > k[d]) throw new Error(`${op}: padding ${p} > window ${k[d]} / 2`);
    return [p, p];
  });
  const out = [0, 1, 2].map((d) =>
    Math.floor((size[d] + pads[d][0] + pads[d][1] - k[d]) / s[d]) + 1
  ) as Triple;
  if (out.some((v) => v < 1)) {
    throw new Error(`${op}: input [${x.shape}] smaller than the window [${k}]`);
  }
  const pad = pads.map((p) => p[0]) as Triple;
  return { planes: x.shape[0] * x.shape[1], input: size, output: out, kernel: k, stride: s, pad };
}

/** Autograd 3-D max pool; the argmax is kept for the backward scatter. */
export function maxpool3d(x: Tensor, o: Pool3dOptions): Tensor {
  const g = geometry(x, o, "maxpool3d");
  const y = Tensor.empty(x.gpu, [x.shape[0], x.shape[1], ...g.output]);
  const idx = Tensor.empty(x.gpu, y.shape); // u32 argmax in an f32-sized buffer
  maxpoolForwardInto(y, idx, x, g, !!o.zeroPad);
  return record(y, [x], (dy) => {
    const gx = gradOutput(x);
    if (gx) maxpoolBackwardInto(gx.out, dy, idx, g, gx.accumulate);
  });
}

/**
 * y and idx (the argmax within each input plane, 0xffffffff for a padded zero) of a max pool
 * over x [planes, D, H, W] (2-D pools: D = 1); padded positions are skipped, or zeros with
 * `zeroPad`. The window, stride and padding mode are the kernel's pipeline constants, so each
 * pool shape gets its own pipeline with the loops unrolled.
 */
export function maxpoolForwardInto(
  y: Tensor,
  idx: Tensor,
  x: Tensor,
  g: PoolGeometry,
  zeroPad: boolean,
): void {
  const [KD, KH, KW] = g.kernel, [SD, SH, SW] = g.stride;
  const kernel = withConstants(maxForwardKernel, {
    KD,
    KH,
    KW,
    SD,
    SH,
    SW,
    ZERO_PAD: zeroPad ? 1 : 0,
  });
  const runs = (y.size / g.output[2]) * Math.ceil(g.output[2] / 4); // 4 outputs along w each
  x.gpu.dispatch(kernel, [x.range, y.range, idx.range], {
    u: [runs, ...g.input, ...g.output, ...g.pad],
  }, groups1d(runs, 256));
}

/** The shape of a max pool, for its backward. */
export interface MaxPoolGeometry {
  /** B * C */
  planes: number;
  input: Triple;
  output: Triple;
  kernel: Triple;
  stride: Triple;
}

/**
 * dx (+)= the max pool's input gradient: dy [planes, output] scattered to the forward's argmax
 * `idx` (positions within each input plane, 0xffffffff for a padded zero), in classes of
 * outputs whose windows cannot overlap. `perPlane` (default on the software adapter): one
 * dispatch, one invocation per plane walking the classes in turn (maxpool3d_backward_plane.wgsl);
 * otherwise one dispatch per class, one invocation per output (maxpool3d_backward_scatter.wgsl),
 * the parallel form real GPUs want. Both add in the same order: the same result to the bit.
 * 2-D pools use it with D = 1.
 */
export function maxpoolBackwardInto(
  dx: Tensor,
  dy: Tensor,
  idx: Tensor,
  g: MaxPoolGeometry,
  accumulate: boolean,
  perPlane: boolean = dx.gpu.adapterInfo.isFallbackAdapter,
): void {
  const gpu = dx.gpu;
  if (!accumulate) gpu.encoder().clearBuffer(dx.buffer, dx.offset, dx.byteSize);
  const q = [0, 1, 2].map((d) => Math.ceil(g.kernel[d] / g.stride[d]));
  const isz = g.input[0] * g.input[1] * g.input[2];
  if (perPlane) {
    gpu.dispatch(planeKernel, [dy.range, idx.range, dx.range], {
      u: [g.planes, isz, ...g.output, ...q],
    }, groups1d(g.planes, 8));
    return;
  }
  const count = (d: number, c: number) => c < g.output[d] ? Math.ceil((g.output[d] - c) / q[d]) : 0;
  for (let cd = 0; cd < q[0]; cd++) {
    for (let ch = 0; ch < q[1]; ch++) {
      for (let cw = 0; cw < q[2]; cw++) {
        const n = [count(0, cd), count(1, ch), count(2, cw)];
        const L = g.planes * n[0] * n[1] * n[2];
        if (L === 0) continue;
        gpu.dispatch(scatterKernel, [dy.range, idx.range, dx.range], {
          u: [L, isz, ...g.output, cd, ch, cw, ...q, ...n],
        }, groups1d(L, 256));
      }
    }
  }
}

/** Autograd 3-D average pool (padded positions count as zeros in the mean). */
export function avgpool3d(x: Tensor, o: Pool3dOptions): Tensor {
  const g = geometry(x, o, "avgpool3d"), geo = uniforms(g);
  const y = Tensor.empty(x.gpu, [x.shape[0], x.shape[1], ...g.output]);
  x.gpu.dispatch(
    avgForwardKernel,
    [x.range, y.range],
    { u: [y.size, ...geo] },
    groups1d(y.size, 256),
  );
  return record(y, [x], (dy) => {
    const gx = gradOutput(x);
    if (!gx) return;
    x.gpu.dispatch(avgBackwardKernel, [dy.range, gx.out.range], {
      u: [x.size, ...geo, gx.accumulate ? 1 : 0],
    }, groups1d(x.size, 256));
  });
}
