/**
 * mmboost: multimodal classifiers trained with sustained boosting and adaptive classifier
 * assignment (AUG, NeurIPS 2025), on WGSL compute kernels over Deno's WebGPU.
 *
 * The public API, bottom up: the device and tensors, the differentiable ops, parameters and
 * initialisers, the models, the trainer with its configuration, checkpoints and metrics, and the
 * dataset readers. Everything else (kernel variants' internals, the `*Into` entry points the
 * benches and tests drive, the data cache) is importable by path and may change.
 *
 * @example A linear layer on the GPU
 * ```ts
 * import { Gpu, linear, Tensor } from "@mmboost/mmboost";
 * const gpu = await Gpu.create();
 * const x = Tensor.from(gpu, [1, 2, 3, 4], [2, 2]);
 * const w = Tensor.from(gpu, [1, 0, 0, 1], [2, 2]);
 * console.log(await linear(x, w).read()); // Float32Array [1, 2, 3, 4]
 * ```
 * @module
 */

// device and tensors
export {
  type BufferRange,
  Gpu,
  type GpuOptions,
  type Kernel,
  type Uniforms,
} from "./kernels/runtime/gpu.ts";
export type { BufferPool } from "./kernels/runtime/buffer_pool.ts";
export type { DriverIdentity } from "./kernels/runtime/driver.ts";
export type { GpuTimer, KernelTime } from "./kernels/runtime/timer.ts";
export { Scope, Tensor } from "./kernels/tensor.ts";
export { type DeviceOptions, openGpu } from "./kernels/variants/device.ts";
export { type GemmVariant, tunePending, type VariantOptions } from "./kernels/variants/policy.ts";

// differentiable ops
export { backward, type BackwardOptions, noGrad } from "./kernels/autograd/node.ts";
export { linear, matmul, type MatmulOptions, type Trans } from "./kernels/matmul/matmul.ts";
export { conv2d, type Conv2dOptions } from "./kernels/conv2d/conv2d.ts";
export { conv3d, type Conv3dOptions, samePadding, type Triple } from "./kernels/conv3d/conv3d.ts";
export { avgpool3d, maxpool3d, type Pool3dOptions } from "./kernels/pool/pool3d.ts";
export { globalAvgPool, maxpool2d, type MaxPoolOptions } from "./kernels/pool/pool.ts";
export { concatChannels, swapAxes12 } from "./kernels/layout/layout.ts";
export { batchNorm, type BatchNormOptions } from "./kernels/batchnorm/batchnorm.ts";
export { add, relu, reshape } from "./kernels/elementwise/elementwise.ts";
export { crossEntropy, oneHot, softmax } from "./kernels/loss/loss.ts";
export {
  boostingLoss,
  type BoostingTerms,
  type EnsembleLogits,
  residualTarget,
} from "./kernels/boosting/boosting.ts";

// parameters and initialisers
export { ParameterSet, type ParameterSpec, type SgdOptions } from "./kernels/optim/parameters.ts";
export {
  kaimingNormalFanOut,
  Rng,
  torchDefaultUniform,
  xavierNormal,
} from "./kernels/init/init.ts";
export {
  readSafetensors,
  type SafetensorsFile,
  type StoredTensor,
  writeSafetensors,
} from "./pipelines/io/safetensors.ts";

// models
export { ResNet18, type ResNet18Options } from "./pipelines/models/resnet18.ts";
export { I3D, type I3DOptions } from "./pipelines/models/i3d.ts";
export {
  createEncoder,
  type EncoderKind,
  type EncoderOptions,
  type ModalityEncoder,
} from "./pipelines/models/encoder.ts";
export {
  AugModel,
  JointModel,
  LateFusionModel,
  type ModalitySpec,
  type ModelOptions,
  type NamedSet,
  SharedHeadModel,
} from "./pipelines/models/multimodal.ts";
export type { ClassifierLayer, ModalityClassifiers } from "./pipelines/models/classifiers.ts";
export type { StateOwner } from "./pipelines/models/state.ts";
export { loadPretrained, type LoadReport } from "./pipelines/models/pretrained.ts";

// training
export {
  DEFAULT_CONFIG,
  type Json,
  mergeConfig,
  setKey,
  type TrainConfig,
} from "./pipelines/train/config.ts";
export { type RunSummary, train, type TrainOptions } from "./pipelines/train/trainer.ts";
export { augStep, type AugStepOptions, type Batch, jointStep } from "./pipelines/train/steps.ts";
export { type AcaOptions, assignClassifiers } from "./pipelines/train/aca.ts";
export { type EvalOptions, type EvalResult, evaluate } from "./pipelines/train/evaluate.ts";
export type {
  EpochContext,
  Method,
  Model,
  SampleFusion,
  StartContext,
  StepContext,
} from "./pipelines/train/methods/method.ts";
export { methodFor, METHODS } from "./pipelines/train/methods/registry.ts";
export {
  accuracy,
  macroF1,
  meanAveragePrecision,
  scoreLogits,
  type Scores,
} from "./pipelines/train/metrics.ts";
export {
  type CheckpointMeta,
  loadCheckpoint,
  type LoadedCheckpoint,
  saveCheckpoint,
} from "./pipelines/train/checkpoint.ts";
export { type EpochRecord, readHistory } from "./pipelines/train/record.ts";
export { reportRuns } from "./pipelines/experiment/runs_table.ts";

// data
export type { SplitData } from "./pipelines/data/split.ts";
export type { AvSettings, AvSplit } from "./pipelines/data/av_split.ts";
export type { CacheEntry, CacheIndex, CacheReader, Skip } from "./pipelines/data/cache.ts";
export {
  CREMA_LABELS,
  type CremaOptions,
  cremaSplits,
  prepareCrema,
  type PrepareReport,
} from "./pipelines/data/cremad.ts";
export { kineticsSoundsSplits, type KsOptions } from "./pipelines/data/kinetics_sounds.ts";
export { nvGestureSplits, type NvSettings, prepareNvGesture } from "./pipelines/data/nvgesture.ts";
export { type AvDigitsOptions, avDigitsSplits } from "./pipelines/data/av_digits.ts";
export { type Audio, decodeWav } from "./pipelines/data/wav.ts";
export { resample } from "./pipelines/data/resample.ts";
export { logStft } from "./kernels/stft/stft.ts";
export { decodeJpeg } from "./pipelines/data/jpeg.ts";
export type { RgbImage } from "./kernels/image/image.ts";
