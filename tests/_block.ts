/** A ResNet BasicBlock with a 1x1 conv + BN downsample, built from the kernels for tests. */
import type { ParameterSet } from "../kernels/optim/parameters.ts";
import type { Tensor } from "../kernels/tensor.ts";
import { conv2d } from "../kernels/conv2d/conv2d.ts";
import { batchNorm } from "../kernels/batchnorm/batchnorm.ts";
import { add, relu } from "../kernels/elementwise/elementwise.ts";

/** Parameter names as PyTorch's named_parameters() of the fixture's BasicBlock gives them. */
export const BLOCK_CONVS = ["conv1", "conv2", "down_conv"] as const;
export const BLOCK_BNS = ["bn1", "bn2", "down_bn"] as const;

/** The block's running statistics ([2, C] per BN: mean then variance). */
export type RunningStats = Record<(typeof BLOCK_BNS)[number], Tensor>;

/** relu(bn2(conv2(relu(bn1(conv1(x))))) + down_bn(down_conv(x))), training mode. */
export function basicBlock(
  x: Tensor,
  p: ParameterSet,
  running: RunningStats,
  stride: number,
): Tensor {
  const bn = (t: Tensor, name: (typeof BLOCK_BNS)[number]) =>
    batchNorm(t, p.get(`${name}.weight`), p.get(`${name}.bias`), running[name], { training: true });
  const h = relu(bn(conv2d(x, p.get("conv1.weight"), { stride, padding: 1 }), "bn1"));
  const main = bn(conv2d(h, p.get("conv2.weight"), { stride: 1, padding: 1 }), "bn2");
  const shortcut = bn(conv2d(x, p.get("down_conv.weight"), { stride, padding: 0 }), "down_bn");
  return relu(add(main, shortcut));
}
