/**
 * mmboost: multimodal classifiers trained with sustained boosting and adaptive classifier
 * assignment (AUG), on hand-written WGSL kernels over Deno's WebGPU.
 *
 * @example
 * ```ts
 * import { Gpu, linear, Tensor } from "./mod.ts";
 * const gpu = await Gpu.create();
 * const x = Tensor.from(gpu, [1, 2, 3, 4], [2, 2]);
 * const w = Tensor.from(gpu, [1, 0, 0, 1], [2, 2]);
 * console.log(await linear(x, w).read()); // [1, 2, 3, 4]
 * ```
 * @module
 */
export { Gpu, groups1d } from "./kernels/runtime/gpu.ts";
export type { BufferRange, GpuOptions, Kernel, Uniforms } from "./kernels/runtime/gpu.ts";
export { BufferPool } from "./kernels/runtime/buffer_pool.ts";
export { GpuTimer, type KernelTime } from "./kernels/runtime/timer.ts";
export { expectShape, numel, Scope, Tensor } from "./kernels/tensor.ts";
export { backward, gradOutput, noGrad, record } from "./kernels/autograd/node.ts";
export { biasBackwardInto, linear, matmul, matmulInto } from "./kernels/matmul/matmul.ts";
export type { MatmulOptions, Trans } from "./kernels/matmul/matmul.ts";
export {
  conv2d,
  conv2dBackwardInputInto,
  conv2dBackwardWeightInto,
  conv2dForwardInto,
  conv2dShape,
} from "./kernels/conv2d/conv2d.ts";
export type { Conv2dOptions, Conv2dShape } from "./kernels/conv2d/conv2d.ts";
export { batchNorm, type BatchNormOptions } from "./kernels/batchnorm/batchnorm.ts";
export {
  accumulateGrad,
  add,
  addInto,
  relu,
  reluBackwardInto,
  reluInto,
  reshape,
} from "./kernels/elementwise/elementwise.ts";
export { globalAvgPool, maxpool2d, type MaxPoolOptions } from "./kernels/pool/pool.ts";
export { crossEntropy, oneHot, softmax } from "./kernels/loss/loss.ts";
export { ParameterSet, type ParameterSpec, type SgdOptions } from "./kernels/optim/parameters.ts";
export { fans, kaimingNormalFanOut, Rng, xavierNormal } from "./kernels/init/init.ts";
