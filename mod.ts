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
export { type DriverIdentity, loadedDriver, preferVulkan } from "./kernels/runtime/driver.ts";
export { expectShape, numel, Scope, Tensor } from "./kernels/tensor.ts";
export { type DeviceOptions, openGpu } from "./kernels/variants/device.ts";
export {
  configureVariants,
  GEMM_VARIANTS,
  type GemmVariant,
  pick,
  tunePending,
  type VariantOptions,
  variantPolicy,
} from "./kernels/variants/policy.ts";
export { Autotuner } from "./kernels/variants/autotune.ts";
export { envOptions } from "./pipelines/env.ts";
export { backward, gradOutput, noGrad, record } from "./kernels/autograd/node.ts";
export { biasBackwardInto, linear, matmul, matmulInto } from "./kernels/matmul/matmul.ts";
export type { MatmulOptions, Trans } from "./kernels/matmul/matmul.ts";
export {
  conv2d,
  conv2dBackwardInputInto,
  conv2dBackwardInputVariantInto,
  conv2dBackwardWeightInto,
  conv2dBackwardWeightVariantInto,
  conv2dForwardInto,
  conv2dForwardVariantInto,
  conv2dShape,
  conv2dVariants,
} from "./kernels/conv2d/conv2d.ts";
export type { Conv2dOptions, Conv2dShape } from "./kernels/conv2d/conv2d.ts";
export {
  conv3d,
  conv3dBackwardInputInto,
  conv3dBackwardWeightInto,
  conv3dForwardInto,
  conv3dShape,
  conv3dVariants,
  samePadding,
} from "./kernels/conv3d/conv3d.ts";
export type { Conv3dOptions, Conv3dShape } from "./kernels/conv3d/conv3d.ts";
export { avgpool3d, maxpool3d, type Pool3dOptions } from "./kernels/pool/pool3d.ts";
export { concatChannels, swapAxes12 } from "./kernels/layout/layout.ts";
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
export {
  fans,
  kaimingNormalFanOut,
  Rng,
  torchDefaultUniform,
  xavierNormal,
} from "./kernels/init/init.ts";
export {
  accumulateTrainStats,
  ALL_TERMS,
  boostingLoss,
  type BoostingTerms,
  type EnsembleLogits,
  residualTarget,
} from "./kernels/boosting/boosting.ts";
export {
  encodeSafetensors,
  parseSafetensors,
  readSafetensors,
  type StoredTensor,
  writeSafetensors,
} from "./pipelines/io/safetensors.ts";
export { writeFileAtomic } from "./pipelines/io/atomic.ts";
export { ResNet18, type ResNet18Options } from "./pipelines/models/resnet18.ts";
export {
  createEncoder,
  Encoder,
  type EncoderKind,
  type EncoderOptions,
  I3DEncoder,
  type ModalityEncoder,
} from "./pipelines/models/encoder.ts";
export { I3D, type I3DOptions } from "./pipelines/models/i3d.ts";
export {
  describeLoad,
  loadPretrained,
  loadPretrainedFiles,
  type LoadReport,
} from "./pipelines/models/pretrained.ts";
export { type ClassifierLayer, ModalityClassifiers } from "./pipelines/models/classifiers.ts";
export {
  AugModel,
  JointModel,
  type ModalitySpec,
  type ModelOptions,
} from "./pipelines/models/multimodal.ts";
export { loadState, readState, type StateOwner } from "./pipelines/models/state.ts";
export { augStep, type AugStepOptions, type Batch, jointStep } from "./pipelines/train/steps.ts";
export {
  ACA_DEFAULTS,
  type AcaOptions,
  assignClassifiers,
  isAcaEpoch,
  stepLr,
} from "./pipelines/train/aca.ts";
export {
  accuracy,
  averagePrecision,
  macroF1,
  meanAveragePrecision,
  scoreLogits,
  type Scores,
} from "./pipelines/train/metrics.ts";
export { DEFAULT_CONFIG, mergeConfig, setKey, type TrainConfig } from "./pipelines/train/config.ts";
export { batches, shuffled } from "./pipelines/train/dataset.ts";
export type { SplitData } from "./pipelines/data/split.ts";
export { type EvalOptions, type EvalResult, evaluate } from "./pipelines/train/evaluate.ts";
export {
  type CheckpointMeta,
  loadCheckpoint,
  saveCheckpoint,
} from "./pipelines/train/checkpoint.ts";
export { type RunSummary, train, type TrainOptions } from "./pipelines/train/trainer.ts";
export { type EpochRecord, readHistory } from "./pipelines/train/record.ts";
export { logStft, stftFrames } from "./kernels/stft/stft.ts";
export {
  type CropBox,
  fullBox,
  IMAGENET_MEAN,
  IMAGENET_STD,
  randomResizedCropBox,
  resizedCrops,
  type RgbImage,
} from "./kernels/image/image.ts";
export { type Audio, decodeWav, encodeWav16 } from "./pipelines/data/wav.ts";
export { resample } from "./pipelines/data/resample.ts";
export { fixedLength } from "./pipelines/data/audio.ts";
export { decodeJpeg, encodeJpeg, resizeRgb, resizeShortSide } from "./pipelines/data/jpeg.ts";
export { CacheReader, CacheWriter } from "./pipelines/data/cache.ts";
export {
  type AvSample,
  type AvSettings,
  type AvSplit,
  openAvSplit,
} from "./pipelines/data/av_split.ts";
export {
  CREMA_LABELS,
  CREMA_SETTINGS,
  type CremaOptions,
  cremaSplits,
  prepareCrema,
} from "./pipelines/data/cremad.ts";
export {
  kineticsSoundsSplits,
  KS_SETTINGS,
  type KsOptions,
} from "./pipelines/data/kinetics_sounds.ts";
export {
  AV_DIGITS_DEFAULTS,
  type AvDigitsOptions,
  avDigitsSplits,
} from "./pipelines/data/av_digits.ts";
export {
  NV_SETTINGS,
  nvGestureSplits,
  type NvSettings,
  prepareNvGesture,
} from "./pipelines/data/nvgesture.ts";
export { type NvSample, parseLst } from "./pipelines/data/nvgesture_lists.ts";
export { parseSplitFile, readSplitFile, type SplitLine } from "./pipelines/data/split_files.ts";
export { type DatasetEntry, planRun, runFromCli } from "./pipelines/cli.ts";
export { reportRuns } from "./pipelines/report.ts";
