/** Pooling: maxpool2d (any window, stride, padding) and global average pooling, with autograd. */
import maxForwardSrc from "./maxpool2d_forward.wgsl" with { type: "text" };
import avgForwardSrc from "./global_avgpool_forward.wgsl" with { type: "text" };
import avgBackwardSrc from "./global_avgpool_backward.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { groups1d } from "../runtime/gpu.ts";
import { maxpoolBackwardInto } from "./pool3d.ts";

const maxForwardKernel = { name: "maxpool2d_forward", code: maxForwardSrc };
const avgForwardKernel = { name: "global_avgpool_forward", code: avgForwardSrc };
const avgBackwardKernel = { name: "global_avgpool_backward", code: avgBackwardSrc };

/** Window, stride and padding of a max pool (ResNet: 3, 2, 1). */
export interface MaxPoolOptions {
  kernel: number;
  stride: number;
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
  const geo = [H, W, OH, OW, o.kernel, o.stride, o.padding];
  x.gpu.dispatch(
    maxForwardKernel,
    [x.range, y.range, idx.range],
    { u: [y.size, ...geo] },
    groups1d(y.size, 256),
  );
  return record(y, [x], (g) => {
    const gx = gradOutput(x);
    if (!gx) return;
    maxpoolBackwardInto(gx.out, g, idx, {
      planes: B * C,
      input: [1, H, W],
      output: [1, OH, OW],
      kernel: [1, o.kernel, o.kernel],
      stride: [1, o.stride, o.stride],
    }, gx.accumulate);
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
