/**
 * The two model families trained here, over any number of modalities:
 * - AugModel: one encoder and a list of configurable classifiers per modality, all sharing one
 *   head (the AUG model);
 * - JointModel: encoders whose features feed one linear classifier over their concatenation
 *   (naive joint training; with one modality, unimodal training). The weight is kept split per
 *   modality (fc.w{m} [K, D_m]) so that fc(concat(x)) = sum_m x_m w_m^T + b, and modality m
 *   alone scores x_m w_m^T + b / M (as the usual baselines report per-modality accuracy).
 * Both expose their parameter sets and buffers by name for checkpoints and fixtures:
 * enc{m}.<torchvision name>, cls{m}.{t}.weight|bias, head.weight|bias, fc.w{m}, fc.bias.
 */
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { type Rng, xavierNormal } from "../../kernels/init/init.ts";
import { Tensor } from "../../kernels/tensor.ts";
import { ParameterSet } from "../../kernels/optim/parameters.ts";
import { linear } from "../../kernels/matmul/matmul.ts";
import { add, scaleBy } from "../../kernels/elementwise/elementwise.ts";
import { createEncoder, type EncoderKind, type ModalityEncoder } from "./encoder.ts";
import { linearParams, ModalityClassifiers } from "./classifiers.ts";

/** One input modality. */
export interface ModalitySpec {
  /** The modality's name (logs, checkpoints, parameter names). */
  name: string;
  /** Input channels of the modality's encoder (1 for spectrograms, 3 for RGB). */
  inChannels: number;
  /** Frames per sample folded into the batch (1 for audio/spectrograms). */
  frames: number;
}

/** Model shape shared by both families. */
export interface ModelOptions {
  /** The modalities, in the order of the batch's inputs. */
  modalities: ModalitySpec[];
  /** Number of classes. */
  classes: number;
  /** Encoder width: ResNet18's first-stage channels, or I3D's scale (64 in the paper). */
  width: number;
  /** Encoder family (default ResNet18). */
  encoder?: EncoderKind;
  /** Layer1 output size (256 in the paper). */
  hidden?: number;
}

/** A parameter set with the prefix its names carry in checkpoints. */
export type NamedSet = [prefix: string, set: ParameterSet];

function encoderSets(encoders: ModalityEncoder[]): NamedSet[] {
  return encoders.map((e, m) => [`enc${m}.`, e.trunk.params]);
}

function encoderBuffers(encoders: ModalityEncoder[]): [string, Tensor][] {
  return encoders.flatMap((e, m) =>
    [...e.trunk.running].map(([n, t]) => [`enc${m}.${n}`, t] as [string, Tensor])
  );
}

/** The 1x1 constant [1/M], uploaded once per device and M (shares() runs every OGM-GE step). */
const inverses = new WeakMap<Gpu, Map<number, Tensor>>();
function inverse(gpu: Gpu, M: number): Tensor {
  let byM = inverses.get(gpu);
  if (!byM) inverses.set(gpu, byM = new Map());
  let t = byM.get(M);
  if (!t || t.disposed) byM.set(M, t = Tensor.from(gpu, [1 / M], [1, 1]).persist());
  return t;
}

function createEncoders(gpu: Gpu, rng: Rng, o: ModelOptions): ModalityEncoder[] {
  return o.modalities.map((s) =>
    createEncoder(gpu, rng, o.encoder ?? "resnet18", {
      inChannels: s.inChannels,
      width: o.width,
      frames: s.frames,
    })
  );
}

/**
 * Encoders + configurable classifiers + one shared head.
 * @example One AUG step on random inputs
 * ```ts
 * import { AugModel, augStep, Gpu, oneHot, Rng, Scope, Tensor } from "@mmboost/mmboost";
 * const gpu = await Gpu.create();
 * const rng = new Rng(0);
 * const model = AugModel.create(gpu, rng, {
 *   modalities: [
 *     { name: "audio", inChannels: 1, frames: 1 },
 *     { name: "visual", inChannels: 3, frames: 1 },
 *   ],
 *   classes: 4,
 *   width: 4,
 * });
 * const random = (shape: number[]) =>
 *   Tensor.from(gpu, Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()), shape);
 * using _ = new Scope(gpu);
 * const losses = augStep(model, {
 *   inputs: [random([2, 1, 32, 32]), random([2, 3, 32, 32])],
 *   labels: oneHot(gpu, [0, 3], 4),
 * }, { lambda: 0.5, sgd: { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 } });
 * console.log(await Promise.all(losses.map((l) => l.read()))); // one boosting loss per modality
 * model.destroy();
 * ```
 */
export class AugModel {
  /** The options the model was built with. */
  readonly options: ModelOptions;
  /** One encoder per modality. */
  readonly encoders: ModalityEncoder[];
  /** Per modality its classifiers (Layer1 + ReLU each), all feeding the shared head. */
  readonly classifiers: ModalityClassifiers[];
  /** The shared Layer2 head. */
  readonly head: ParameterSet;

  private constructor(
    options: ModelOptions,
    encoders: ModalityEncoder[],
    classifiers: ModalityClassifiers[],
    head: ParameterSet,
  ) {
    this.options = options;
    this.encoders = encoders;
    this.classifiers = classifiers;
    this.head = head;
  }

  /**
   * A new model with `counts[m]` classifiers for modality m (default one each); `frozen[m][t]`
   * marks classifiers the optimizer leaves alone (when rebuilding from a checkpoint).
   */
  static create(
    gpu: Gpu,
    rng: Rng,
    o: ModelOptions,
    counts?: number[],
    frozen?: boolean[][],
  ): AugModel {
    const hidden = o.hidden ?? 256;
    const encoders = createEncoders(gpu, rng, o);
    const classifiers = encoders.map((e, m) => {
      const c = new ModalityClassifiers(gpu, e.features, hidden);
      for (let t = 0; t < (counts?.[m] ?? 1); t++) c.add(rng, frozen?.[m]?.[t] ?? false);
      return c;
    });
    return new AugModel(o, encoders, classifiers, linearParams(gpu, rng, hidden, o.classes));
  }

  /** Parameter sets one modality's optimizer step updates: its encoder, classifiers, the head. */
  modalitySets(m: number): ParameterSet[] {
    return [this.encoders[m].trunk.params, ...this.classifiers[m].trainable, this.head];
  }

  /** All parameter sets by checkpoint prefix (frozen classifiers included). */
  namedSets(): NamedSet[] {
    const cls = this.classifiers.flatMap((c, m) =>
      c.layers.map((l, t) => [`cls${m}.${t}.`, l.params] as NamedSet)
    );
    return [...encoderSets(this.encoders), ...cls, ["head.", this.head]];
  }

  /** BN running statistics by checkpoint name. */
  buffers(): [string, Tensor][] {
    return encoderBuffers(this.encoders);
  }

  /** Summed logits of each modality (z_all), e.g. for evaluation. */
  logits(inputs: Tensor[], training: boolean): Tensor[] {
    return this.encoders.map((e, m) =>
      this.classifiers[m].forward(e.forward(inputs[m], training), this.head).all
    );
  }

  /** Releases every parameter and buffer of the model. */
  destroy(): void {
    for (const e of this.encoders) e.destroy();
    for (const c of this.classifiers) c.destroy();
    this.head.destroy();
  }
}

/** Encoders + one linear classifier over their concatenated features. */
export class JointModel {
  /** The options the model was built with. */
  readonly options: ModelOptions;
  /** One encoder per modality. */
  readonly encoders: ModalityEncoder[];
  /** The linear classifier on the concatenated features. */
  readonly fc: ParameterSet;
  /** Per modality a linear head of its own (training-only, e.g. MMPareto's); empty by default. */
  readonly heads: ParameterSet[];
  /** A method's named state, saved whole in checkpoints (e.g. PMR's prototypes); empty by default. */
  readonly methodState: [string, Tensor][] = [];

  private constructor(
    options: ModelOptions,
    encoders: ModalityEncoder[],
    fc: ParameterSet,
    heads: ParameterSet[],
  ) {
    this.options = options;
    this.encoders = encoders;
    this.fc = fc;
    this.heads = heads;
  }

  /**
   * A joint model with freshly initialised parameters drawn from `rng`; `unimodalHeads` adds a
   * linear head per modality (xavier-normal, zero bias; drawn after the fused classifier).
   */
  static create(gpu: Gpu, rng: Rng, o: ModelOptions, unimodalHeads = false): JointModel {
    const encoders = createEncoders(gpu, rng, o);
    const dims = encoders.map((e) => e.features);
    const total = dims.reduce((a, b) => a + b);
    // xavier-normal over the whole [K, sum D] weight, then split by modality
    const full = xavierNormal(rng, [o.classes, total]);
    let at = 0;
    const specs = dims.map((d, m) => {
      const w = new Float32Array(o.classes * d);
      for (let k = 0; k < o.classes; k++) {
        w.set(full.subarray(k * total + at, k * total + at + d), k * d);
      }
      at += d;
      return { name: `w${m}`, shape: [o.classes, d], data: w };
    });
    const fc = ParameterSet.create(gpu, [...specs, {
      name: "bias",
      shape: [o.classes],
      data: new Float32Array(o.classes),
    }]);
    const heads = unimodalHeads ? dims.map((d) => linearParams(gpu, rng, d, o.classes)) : [];
    return new JointModel(o, encoders, fc, heads);
  }

  /** Modality m's own head on its features (a model created with `unimodalHeads`). */
  head(m: number, features: Tensor): Tensor {
    const h = this.heads[m];
    if (!h) throw new Error(`JointModel: no head of its own for modality ${m}`);
    return linear(features, h.get("weight"), h.get("bias"));
  }

  /** Every parameter set (one optimizer over all of them). */
  allSets(): ParameterSet[] {
    return [...this.encoders.map((e) => e.trunk.params), this.fc, ...this.heads];
  }

  /** Every parameter set with its name prefix (checkpoints, SGD). */
  namedSets(): NamedSet[] {
    return [
      ...encoderSets(this.encoders),
      ["fc.", this.fc],
      ...this.heads.map((h, m) => [`head${m}.`, h] as NamedSet),
    ];
  }

  /** Named non-parameter state (batch-norm running statistics) for checkpoints. */
  buffers(): [string, Tensor][] {
    return encoderBuffers(this.encoders);
  }

  /** The method's state, saved whole in checkpoints. */
  extras(): [string, Tensor][] {
    return this.methodState;
  }

  /** Fused logits from features: sum_m x_m w_m^T + b. */
  fused(features: Tensor[]): Tensor {
    let z = linear(features[0], this.fc.get("w0"), this.fc.get("bias"));
    for (let m = 1; m < features.length; m++) z = add(z, linear(features[m], this.fc.get(`w${m}`)));
    return z;
  }

  /** Per-modality logits x_m w_m^T + b / M and the fused ones (evaluation). */
  logits(inputs: Tensor[], training: boolean): { fused: Tensor; perModality: Tensor[] } {
    const feats = this.encoders.map((e, m) => e.forward(inputs[m], training));
    return { fused: this.fused(feats), perModality: this.shares(feats) };
  }

  /**
   * Each modality's share of the fused logits, x_m w_{weight(m)}^T + b / M (`weight` picks
   * another modality's block of the classifier, for the OGM-GE reference code's scores).
   */
  shares(features: Tensor[], weight: (m: number) => number = (m) => m): Tensor[] {
    return features.map((f, m) => this.share(f, weight(m)));
  }

  /** One modality's share of the fused logits from its features, x w_block^T + b / M. */
  share(features: Tensor, block: number): Tensor {
    const M = this.encoders.length;
    // b / M: the bias times the cached scalar [1/M] (autograd to the bias)
    const bias = scaleBy(this.fc.get("bias"), inverse(features.gpu, M).view([1]), 0);
    return linear(features, this.fc.get(`w${block}`), bias);
  }

  /** Releases every parameter and buffer of the model. */
  destroy(): void {
    for (const e of this.encoders) e.destroy();
    this.fc.destroy();
    for (const h of this.heads) h.destroy();
    for (const [, t] of this.methodState) t.dispose();
  }
}

/**
 * Encoders each with a linear head of its own, fused by summing the heads' logits (late
 * fusion: ReconBoost's ensemble of per-modality learners). A modality's logits are
 * head_m(f_m); the fused prediction is their sum.
 */
export class LateFusionModel {
  /** The options the model was built with. */
  readonly options: ModelOptions;
  /** One encoder per modality. */
  readonly encoders: ModalityEncoder[];
  /** Per modality its head (D_m -> classes). */
  readonly heads: ParameterSet[];

  private constructor(options: ModelOptions, encoders: ModalityEncoder[], heads: ParameterSet[]) {
    this.options = options;
    this.encoders = encoders;
    this.heads = heads;
  }

  /** A model with freshly initialised parameters drawn from `rng` (heads xavier-normal). */
  static create(gpu: Gpu, rng: Rng, o: ModelOptions): LateFusionModel {
    const encoders = createEncoders(gpu, rng, o);
    const heads = encoders.map((e) => linearParams(gpu, rng, e.features, o.classes));
    return new LateFusionModel(o, encoders, heads);
  }

  /** Modality m's logits from its features. */
  head(m: number, features: Tensor): Tensor {
    return linear(features, this.heads[m].get("weight"), this.heads[m].get("bias"));
  }

  /** Each modality's logits (evaluation). */
  logits(inputs: Tensor[], training: boolean): Tensor[] {
    return this.encoders.map((e, m) => this.head(m, e.forward(inputs[m], training)));
  }

  /** Parameter sets of one modality's learner: its encoder and its head. */
  modalitySets(m: number): ParameterSet[] {
    return [this.encoders[m].trunk.params, this.heads[m]];
  }

  /** Every parameter set with its name prefix (checkpoints). */
  namedSets(): NamedSet[] {
    return [
      ...encoderSets(this.encoders),
      ...this.heads.map((h, m) => [`head${m}.`, h] as NamedSet),
    ];
  }

  /** BN running statistics by checkpoint name. */
  buffers(): [string, Tensor][] {
    return encoderBuffers(this.encoders);
  }

  /** Releases every parameter and buffer of the model. */
  destroy(): void {
    for (const e of this.encoders) e.destroy();
    for (const h of this.heads) h.destroy();
  }
}

/**
 * Encoders whose features all feed one shared linear head (MLA's model): a modality's logits
 * are head(f_m). It also holds MLA's head-gradient projector P [D, D] (identity at the start),
 * saved whole in checkpoints.
 */
export class SharedHeadModel {
  /** The options the model was built with. */
  readonly options: ModelOptions;
  /** One encoder per modality. */
  readonly encoders: ModalityEncoder[];
  /** The shared head (D -> classes). */
  readonly head: ParameterSet;
  /** MLA's projector of the head's gradient. */
  readonly projector: Tensor;

  private constructor(
    options: ModelOptions,
    encoders: ModalityEncoder[],
    head: ParameterSet,
    projector: Tensor,
  ) {
    this.options = options;
    this.encoders = encoders;
    this.head = head;
    this.projector = projector;
  }

  /** A model with freshly initialised parameters drawn from `rng`; every modality's D the same. */
  static create(gpu: Gpu, rng: Rng, o: ModelOptions): SharedHeadModel {
    const encoders = createEncoders(gpu, rng, o);
    const D = encoders[0].features;
    if (encoders.some((e) => e.features !== D)) {
      throw new Error(
        `a shared head needs equal feature sizes, not ${encoders.map((e) => e.features)}`,
      );
    }
    const eye = new Float32Array(D * D);
    for (let i = 0; i < D; i++) eye[i * D + i] = 1;
    const head = linearParams(gpu, rng, D, o.classes);
    return new SharedHeadModel(o, encoders, head, Tensor.from(gpu, eye, [D, D]).persist());
  }

  /** Modality m's logits from its features. */
  logitsOf(features: Tensor): Tensor {
    return linear(features, this.head.get("weight"), this.head.get("bias"));
  }

  /** Each modality's logits (evaluation). */
  logits(inputs: Tensor[], training: boolean): Tensor[] {
    return this.encoders.map((e, m) => this.logitsOf(e.forward(inputs[m], training)));
  }

  /** Parameter sets one modality's optimizer step updates: its encoder and the head. */
  modalitySets(m: number): ParameterSet[] {
    return [this.encoders[m].trunk.params, this.head];
  }

  /** Every parameter set with its name prefix (checkpoints). */
  namedSets(): NamedSet[] {
    return [...encoderSets(this.encoders), ["head.", this.head]];
  }

  /** BN running statistics by checkpoint name. */
  buffers(): [string, Tensor][] {
    return encoderBuffers(this.encoders);
  }

  /** The projector, saved whole in checkpoints. */
  extras(): [string, Tensor][] {
    return [["mla.projector", this.projector]];
  }

  /** Releases every parameter and buffer of the model. */
  destroy(): void {
    for (const e of this.encoders) e.destroy();
    this.head.destroy();
    this.projector.dispose();
  }
}
