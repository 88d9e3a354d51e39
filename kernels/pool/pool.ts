/** Pooling: maxpool2d (any window, stride, padding) and global average pooling, with autograd. */
import avgForwardSrc from "./global_avgpool_forward.wgsl" with { type: "text" };
import avgBackwardSrc from "./global_avgpool_backward.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { groups1d } from "../runtime/gpu.ts";
import { maxpoolBackwardInto, maxpoolForwardInto, type PoolGeometry } from "./pool3d.ts";

const avgForwardKernel = { name: "global_avgpool_forward", code: avgForwardSrc };
const avgBackwardKernel = { name: "global_avgpool_backward", code: avgBackwardSrc };

/** Window, stride and padding of a max pool (ResNet: 3, 2, 1). */
export interface MaxPoolOptions {
  /** Window size (square). */
  kernel: number;
  /** Stride. */
  stride: number;
  /** Padding (with -infinity) on every side. */
  padding: number;
}

/** Autograd max pool over [B, C, H, W]; the argmax is kept for the backward gather. */
export function maxpool2d(x: Tensor, o: MaxPoolOptions): Tensor {
  expectShape(x, "maxpool2d input", 4);
  const [B, C, H, W] = x.shape;
  if (o.padding * 2 > o.kernel) throw new Error(`maxpool2d: padding ${o.padding} > kernel / 2`);
  const OH = Math.floor((H + 2 * o.padding - o.kernel) / o.stride) + 1;
  const OW = Math.floor((W + 2 * o.padding - o.kernel) / o.stride) + 1;
  if (OH < 1 || OW < 1) throw new Error(`maxpool2d: input [${x.shape}] smaller than the window`);
  const y = Tensor.empty(x.gpu, [B, C, OH, OW]);
  const idx = Tensor.empty(x.gpu, [B, C, OH, OW]); // u32 argmax, stored in an f32-sized buffer
  // the 3-D pool's kernels with D = 1 (PyTorch's -inf padding: padded positions skipped)
  const g: PoolGeometry = {
    planes: B * C,
    input: [1, H, W],
    output: [1, OH, OW],
    kernel: [1, o.kernel, o.kernel],
    stride: [1, o.stride, o.stride],
    pad: [0, o.padding, o.padding],
  };
  maxpoolForwardInto(y, idx, x, g, false);
  return record(y, [x], (dy) => {
    const gx = gradOutput(x);
    if (gx) maxpoolBackwardInto(gx.out, dy, idx, g, gx.accumulate);
  });
}

/**
 * Autograd global average pool: x [B*T, C, H, W] -> [B, C], the mean over T, H and W
 * (`frames` = T; 1 for images and spectrograms).
 */
export function globalAvgPool(x: Tensor, frames = 1): Tensor {
  expectShape(x, "global_avgpool input", 4);
  const [BT, C, H, W] = x.shape;
  if (BT % frames !== 0) throw new Error(`global_avgpool: ${BT} rows not divisible by T=${frames}`);
  const B = BT / frames, S = H * W;
  const y = Tensor.empty(x.gpu, [B, C]);
  x.gpu.dispatch(
    avgForwardKernel,
    [x.range, y.range],
    { u: [B, frames, C, S] },
    groups1d(B * C, 64),
  );
  return record(y, [x], (g) => {
    const gx = gradOutput(x);
    if (!gx) return;
    x.gpu.dispatch(avgBackwardKernel, [g.range, gx.out.range], {
      u: [B, frames, C, S, gx.accumulate ? 1 : 0],
    }, groups1d(x.size, 256));
  });
}
