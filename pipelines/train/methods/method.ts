/**
 * A training method: what differs between AUG and the methods it is compared with. A method
 * owns its model family (heads), its training step (recorded on the GPU, no readback), its
 * end-of-epoch hook (e.g. ACA), its test-time fusion weights and any state its checkpoint
 * needs; the trainer shares everything else: data, encoders, evaluation, missing-modality
 * tests, run folders, exact resume, plots. One file per method, registered in registry.ts.
 */
import type { Rng } from "../../../kernels/init/init.ts";
import type { Gpu } from "../../../kernels/runtime/gpu.ts";
import type { Tensor } from "../../../kernels/tensor.ts";
import type { SgdOptions } from "../../../kernels/optim/parameters.ts";
import type {
  AugModel,
  JointModel,
  LateFusionModel,
  ModelOptions,
  SharedHeadModel,
} from "../../models/multimodal.ts";
import type { TrainConfig } from "../config.ts";
import type { CheckpointMeta } from "../checkpoint.ts";
import type { Batch } from "../steps.ts";

/**
 * Per-sample fusion weights: given each modality's logits for `n` samples ([n, K] each, a
 * missing modality already substituted), the weight of modality m for sample i at [i][m].
 */
export type SampleFusion = (logits: Float32Array[], n: number, K: number) => number[][];

/** The model families methods build on. */
export type Model = AugModel | JointModel | SharedHeadModel | LateFusionModel;

/** What a step may read besides the model and the batch. */
export interface StepContext {
  /** The run's configuration. */
  config: TrainConfig;
  /** This epoch's SGD settings (the scheduled learning rate). */
  sgd: SgdOptions;
  /** The epoch, from 0. */
  epoch: number;
  /** The step's index in the run (epoch x steps per epoch + batch), for counter-based noise. */
  step: number;
  /** The batch's index in the epoch. */
  batch: number;
  /** The epoch's batches (with `batch`: MLA's schedule). */
  batches: number;
  /**
   * [3 x statRows] training sums (confident score, loss, correct count per row; see
   * accumulateTrainStats), read once per epoch.
   */
  stats: Tensor;
}

/** What the start-of-epoch hook reads (e.g. PMR's prototypes, from a share of the epoch's batches). */
export interface StartContext {
  /** The run's configuration. */
  config: TrainConfig;
  /** The epoch, from 0. */
  epoch: number;
  /** The epoch's batches (sample indices), in training order. */
  batches: number[][];
  /** The training labels by sample index. */
  labels: ArrayLike<number>;
  /** This epoch's SGD settings. */
  sgd: SgdOptions;
  /** The run's generator (shuffles drawn here move the run's stream, as training's do). */
  rng: Rng;
  /** The run folder (a method's files beside the checkpoints). */
  runDir: string;
  /**
   * A batch's inputs as training reads them (augmented, drawing from the run's generator), or as
   * the test reads them (`augment` false).
   */
  load(indices: number[], augment?: boolean): Promise<Batch>;
}

/** What the end-of-epoch hook reads. */
export interface EpochContext {
  /** The run's configuration. */
  config: TrainConfig;
  /** The epoch, from 0. */
  epoch: number;
  /** Per stats row: the epoch's summed confident score. */
  scores: number[];
  /** Samples the epoch trained on. */
  seen: number;
  /** The run's generator (new classifiers draw from it). */
  rng: Rng;
}

/** One training method. */
export interface Method {
  /** The name `method` (and `--method`) takes. */
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly summary: string;
  /** The dataset modalities the model sees (default all); a unimodal run picks one. */
  modalities?(c: TrainConfig, available: number): number[];
  /** Errors in the config that need the modality count (before anything is built). */
  check?(c: TrainConfig, modalities: number): void;
  /** A new model, or the one a checkpoint describes (`restored`), its parameters initialised. */
  create(gpu: Gpu, rng: Rng, o: ModelOptions, c: TrainConfig, restored?: CheckpointMeta): Model;
  /** Before the epoch's first step (state computed from the data, e.g. PMR's prototypes). */
  startEpoch?(model: Model, s: StartContext): Promise<void>;
  /** One training step, recorded on the GPU. */
  step(model: Model, batch: Batch, s: StepContext): void;
  /** Rows of the training statistics: one per modality, or one for a fused loss. */
  statRows(modalities: number): number;
  /** After the epoch's evaluation; returns the modalities that got a classifier (ACA). */
  endEpoch?(model: Model, e: EpochContext): number[];
  /** Test-time weights of each modality's logits in the fused prediction. */
  fusionWeights(c: TrainConfig, modalities: number): number[];
  /** Per-sample test-time weights instead (e.g. MLA's uncertainty-weighted fusion). */
  fusion?(c: TrainConfig): SampleFusion | undefined;
}
