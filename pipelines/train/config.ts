/**
 * Training configuration: plain JSON merged over defaults, overridable key by key
 * (`setKey(config, "aug.lambda", "0.2")`). Validation names the offending key: unknown keys,
 * wrong types and out-of-range values are errors, never silently ignored.
 */
import { checkRanges, type Range } from "../io/ranges.ts";

/** Everything a training run needs besides the data. Defaults: the paper's CREMA-D setting. */
export interface TrainConfig {
  /** `aug` (the paper's method), `naive` (joint training, one loss) or `unimodal`. */
  method: string;
  /** Seed of the initialisation, the shuffling and the augmentations. */
  seed: number;
  /** Epochs to train. */
  epochs: number;
  /** Samples per training batch. */
  batchSize: number;
  /** The encoders and classifiers. */
  model: {
    /** Encoder family: ResNet18 (audio/video) or I3D (NVGesture). */
    encoder: "resnet18" | "i3d";
    width: number;
    hidden: number;
    /**
     * Per dataset modality, a safetensors file of pretrained trunk weights ("" = random init),
     * e.g. the I3D checkpoints converted by tools/convert_i3d.py.
     */
    pretrained: string[];
  };
  /** SGD: learning rate, momentum, weight decay (PyTorch's update). */
  optimizer: { lr: number; momentum: number; weightDecay: number };
  /** StepLR: the rate is multiplied by `gamma` every `stepSize` epochs. */
  scheduler: { stepSize: number; gamma: number };
  /** AUG: the boosting loss's lambda and terms, and adaptive classifier assignment (ACA). */
  aug: {
    lambda: number;
    terms: { all: boolean; pre: boolean; residual: boolean };
    aca: {
      enabled: boolean;
      rule: "paper" | "ratio";
      sigma: number;
      tau: number;
      threshold: number;
      every: number;
    };
    /** Classifiers added by ACA: trainable (the paper) or frozen (the reference code's quirk). */
    newClassifiers: "trainable" | "frozen";
    /** Classifiers per modality at the start (fixed-count ablations set these, ACA off). */
    initialClassifiers: number[];
  };
  /** The modality a unimodal run trains. */
  unimodal: { modality: number };
  /** OGM-GE (method "ogm-ge"; pipelines/train/methods/ogm_ge.ts). */
  ogm: {
    alpha: number;
    ge: boolean;
    start: number;
    end: number;
    swappedScores: boolean;
    everyEpoch: boolean;
    convOnly: boolean;
  };
  /** MMPareto (method "mmpareto"; pipelines/train/methods/mmpareto.ts). */
  mmpareto: { gamma: number };
  /** MLA (method "mla"; pipelines/train/methods/mla.ts). */
  mla: { fusion: "entropy" | "batch" | "fixed"; alpha: number };
  /** ReconBoost (method "reconboost"; pipelines/train/methods/reconboost.ts). */
  reconboost: {
    stageEpochs: number;
    rectifyEpochs: number;
    w1: number;
    w2: number;
    keepMomentum: boolean;
  };
  /** PMR (method "pmr"; pipelines/train/methods/pmr.ts). */
  pmr: { alpha: number; momentum: number; mu: number; entropy: boolean; entropyUntil: number };
  /** G-Blending (method "gblend"; pipelines/train/methods/gblend.ts). */
  gblend: { superEpochs: number; holdout: number };
  /** LFM (method "lfm"; pipelines/train/methods/lfm.ts). */
  lfm: { lrAlpha: number };
  /** Fused test logits = sum_m w_m z_m (AUG); empty: equal weights. */
  fusionWeights: number[];
  /** Fractions of test samples that lose one modality, for the missing-modality evaluation. */
  missingRates: number[];
}

/** The paper's CREMA-D settings (reference code: lambda 0.5, fusion 0.4 audio / 0.6 video). */
export const DEFAULT_CONFIG: TrainConfig = {
  method: "aug",
  seed: 0,
  epochs: 200,
  batchSize: 64,
  model: { encoder: "resnet18", width: 64, hidden: 256, pretrained: [] },
  optimizer: { lr: 1e-2, momentum: 0.9, weightDecay: 1e-4 },
  scheduler: { stepSize: 70, gamma: 0.1 },
  aug: {
    lambda: 0.5,
    terms: { all: true, pre: true, residual: true },
    aca: { enabled: true, rule: "paper", sigma: 1, tau: 0.01, threshold: 0.4, every: 20 },
    newClassifiers: "trainable",
    initialClassifiers: [1, 1],
  },
  unimodal: { modality: 0 },
  ogm: {
    alpha: 0.8,
    ge: true,
    start: 0,
    end: 50,
    swappedScores: false,
    everyEpoch: false,
    convOnly: false,
  },
  mmpareto: { gamma: 1.5 },
  mla: { fusion: "entropy", alpha: 0.5 },
  reconboost: { stageEpochs: 4, rectifyEpochs: 4, w1: 5, w2: 1, keepMomentum: false },
  gblend: { superEpochs: 10, holdout: 0.1 },
  lfm: { lrAlpha: 1e-4 },
  pmr: { alpha: 0.6, momentum: 0.2, mu: 0.01, entropy: true, entropyUntil: 10 },
  fusionWeights: [0.4, 0.6],
  missingRates: [0.2, 0.5],
};

/** A JSON value, as config files and overrides hold them. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One line per configuration key (the README's table, rendered by bench/render_readme.ts). */
export const CONFIG_DOCS: Record<string, string> = {
  method: "the training method (pipelines/train/methods/; README, Methods)",
  seed: "initialisation, shuffling and augmentation seed",
  epochs: "epochs to train",
  batchSize: "samples per training batch",
  "model.encoder": "`resnet18` (audio and frames) or `i3d` (NVGesture's clips)",
  "model.width": "first-stage channels (64: the paper; I3D scales its own likewise)",
  "model.hidden": "each classifier's Layer1 output (the shared head's input)",
  "model.pretrained": 'per modality a safetensors file of trunk weights (`""`: random init)',
  "optimizer.lr": "SGD learning rate",
  "optimizer.momentum": "SGD momentum (PyTorch's update)",
  "optimizer.weightDecay": "L2 weight decay",
  "scheduler.stepSize": "StepLR: epochs between rate drops (stepped at each epoch's start)",
  "scheduler.gamma": "StepLR: factor of each drop",
  "aug.lambda": "the boosting residual's y - lambda y softmax(z_pre)",
  "aug.terms.all": "ablation: the CE(z_all, y) term",
  "aug.terms.pre": "ablation: the CE(z_pre, y) term",
  "aug.terms.residual": "ablation: the CE(z_new, residual) term",
  "aug.aca.enabled": "adaptive classifier assignment (off: fixed counts)",
  "aug.aca.rule":
    "`paper` (mean-confidence gap beyond tau) or `ratio` (the reference code's S_a / S_v)",
  "aug.aca.sigma": "sigma of the confidence score",
  "aug.aca.tau": "gap (or ratio) beyond which the weaker modality gets a classifier",
  "aug.aca.threshold": "3+ modalities: a classifier for one under this share of the rest",
  "aug.aca.every": "epochs between assignments (after epoch 0)",
  "aug.newClassifiers": "`trainable` (the paper) or `frozen` (the reference code's quirk)",
  "aug.initialClassifiers": "classifiers per modality at the start",
  "unimodal.modality": "the modality a unimodal run trains",
  "ogm.alpha": "OGM-GE: the coefficient 1 - tanh(alpha rho)",
  "ogm.ge": "OGM-GE: GE's noise on (false: OGM alone)",
  "ogm.start": "OGM-GE: first epoch of the modulation window",
  "ogm.end": "OGM-GE: last epoch of the modulation window",
  "ogm.swappedScores": "OGM-GE: the reference code's swapped scores",
  "ogm.everyEpoch": "OGM-GE: the reference code's window (every epoch)",
  "mla.fusion":
    "MLA: test fusion by per-sample entropy (the paper), per-batch (`batch`) or `fixed`",
  "mla.alpha": "MLA: the first modality's weight under mla.fusion=fixed (the authors' av_alpha)",
  "mmpareto.gamma": "MMPareto: the scale of the combined encoder gradients (the authors' 1.5)",
  "ogm.convOnly": "OGM-GE: the reference code's conv-weights-only modulation",
  "gblend.superEpochs":
    "G-Blending: epochs between weight estimates, and each estimate's epochs (BalanceBenchmark's 10)",
  "gblend.holdout": "G-Blending: the share of the training split held out to estimate the weights",
  "lfm.lrAlpha":
    "LFM: the learning rate of the loss weight a1 (BalanceBenchmark's 1e-4; halved every 20 epochs)",
  "pmr.alpha": "PMR: the prototype losses' weight (BalanceBenchmark's 0.6)",
  "pmr.momentum": "PMR: the old prototypes' share at each epoch's update (its 0.2)",
  "pmr.mu": "PMR: the entropy terms' weight (its 0.01)",
  "pmr.entropy": "PMR: the paper's entropy terms (false: BalanceBenchmark's default)",
  "pmr.entropyUntil": "PMR: the last epoch with the entropy terms (its norm_epoch 10)",
  "reconboost.stageEpochs": "ReconBoost: epochs a stage trains its modality alone (the authors' 4)",
  "reconboost.rectifyEpochs":
    "ReconBoost: a stage's epochs of global rectification (the authors' 4)",
  "reconboost.w1": "ReconBoost: the weight of the learner's own cross-entropy (the authors' 5)",
  "reconboost.w2": "ReconBoost: the weight of the reconcilement term (the authors' 1)",
  "reconboost.keepMomentum":
    "ReconBoost: carry momentum across phases (false: a fresh SGD per phase, the authors' code)",
  fusionWeights: "fused test logits = sum_m w_m z_m (empty: equal weights)",
  missingRates: "fractions of test samples that lose one modality",
};

/** The allowed values of each string key. */
export const ENUMS: Record<string, string[]> = {
  "aug.aca.rule": ["paper", "ratio"],
  "aug.newClassifiers": ["trainable", "frozen"],
  "mla.fusion": ["entropy", "batch", "fixed"],
  "model.encoder": ["resnet18", "i3d"],
};

/** List-valued keys that hold strings (every other list holds numbers). */
const STRING_LISTS = new Set(["model.pretrained"]);

/** Merge `overrides` into a copy of `base`, rejecting keys and types `base` does not have. */
export function mergeJson<T>(base: T, overrides: Record<string, Json>, source = "config"): T {
  const out = structuredClone(base) as unknown as Record<string, Json>;
  const walk = (target: Record<string, Json>, src: Record<string, Json>, path: string) => {
    for (const [k, v] of Object.entries(src)) {
      const key = path ? `${path}.${k}` : k;
      if (!(k in target)) throw new Error(`${source}: unknown key "${key}"`);
      const cur = target[k];
      if (isObject(cur)) {
        if (!isObject(v)) throw new Error(`${source}: "${key}" must be an object`);
        walk(cur, v, key);
      } else {
        target[k] = checkValue(key, cur, v, source);
      }
    }
  };
  if (!isObject(overrides as Json)) throw new Error(`${source}: expected a JSON object`);
  walk(out, overrides, "");
  return out as unknown as T;
}

/** mergeJson for training configs, then the range checks. */
export function mergeConfig(
  base: TrainConfig,
  overrides: Record<string, Json>,
  source = "config",
): TrainConfig {
  const cfg = mergeJson(base, overrides, source);
  validate(cfg, source);
  return cfg;
}

/** `key=value` as a nested object ({"a": {"b": value}}), the value parsed as JSON when it can be. */
export function assignment(text: string): { key: string; nested: Record<string, Json> } {
  const eq = text.indexOf("=");
  if (eq < 1) throw new Error(`--set: expected key=value, got "${text}"`);
  const key = text.slice(0, eq), raw = text.slice(eq + 1);
  let value: Json;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const nested: Record<string, Json> = {};
  let at = nested;
  const parts = key.split(".");
  parts.slice(0, -1).forEach((p) => {
    at[p] = {};
    at = at[p] as Record<string, Json>;
  });
  at[parts[parts.length - 1]] = value;
  return { key, nested };
}

function isObject(v: Json | undefined): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkValue(key: string, current: Json, v: Json, source: string): Json {
  if (Array.isArray(current) && STRING_LISTS.has(key)) {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      throw new Error(`${source}: "${key}" must be a list of strings, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  if (Array.isArray(current)) {
    if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
      throw new Error(`${source}: "${key}" must be a list of numbers, got ${JSON.stringify(v)}`);
    }
    return v;
  }
  if (typeof v !== typeof current) {
    throw new Error(`${source}: "${key}" must be a ${typeof current}, got ${JSON.stringify(v)}`);
  }
  if (typeof v === "number" && !Number.isFinite(v)) {
    throw new Error(`${source}: "${key}" must be finite`);
  }
  if (ENUMS[key] && !ENUMS[key].includes(v as string)) {
    throw new Error(`${source}: "${key}" must be one of ${ENUMS[key].join(", ")}, got "${v}"`);
  }
  return v;
}

/** The allowed range of every numeric key (lists: of each entry). */
export const TRAIN_RANGES: Record<string, Range> = {
  seed: { int: true, min: 0, max: 2 ** 32 - 1 },
  epochs: { int: true, min: 1 },
  batchSize: { int: true, min: 1 },
  "model.width": { int: true, min: 1 },
  "model.hidden": { int: true, min: 1 },
  "optimizer.lr": { above: 0 },
  "optimizer.momentum": { min: 0, below: 1 },
  "optimizer.weightDecay": { min: 0 },
  "scheduler.stepSize": { int: true, min: 1 },
  "scheduler.gamma": { above: 0, max: 1 },
  "aug.lambda": { min: 0 },
  "aug.aca.sigma": { above: 0 },
  "aug.aca.tau": { min: 0 },
  "aug.aca.threshold": { above: 0 },
  "aug.aca.every": { int: true, min: 1 },
  "aug.initialClassifiers": { int: true, min: 1 },
  "unimodal.modality": { int: true, min: 0 },
  "ogm.alpha": { min: 0 },
  "ogm.start": { int: true, min: 0 },
  "ogm.end": { int: true, min: 0 },
  "mmpareto.gamma": { above: 0 },
  "mla.alpha": { min: 0, max: 1 },
  "gblend.superEpochs": { int: true, min: 2 },
  "gblend.holdout": { above: 0, below: 1 },
  "lfm.lrAlpha": { min: 0 },
  "pmr.alpha": { min: 0 },
  "pmr.momentum": { min: 0, below: 1 },
  "pmr.mu": { min: 0 },
  "pmr.entropyUntil": { int: true, min: 0 },
  "reconboost.stageEpochs": { int: true, min: 1 },
  "reconboost.rectifyEpochs": { int: true, min: 0 },
  "reconboost.w1": { above: 0 },
  "reconboost.w2": { min: 0 },
  fusionWeights: { min: 0 },
  missingRates: { min: 0, max: 1 },
};

function validate(c: TrainConfig, source: string): void {
  checkRanges(c, TRAIN_RANGES, source);
  if (c.fusionWeights.length > 0 && c.fusionWeights.every((w) => w === 0)) {
    throw new Error(`${source}: "fusionWeights" are all 0 (no modality would count)`);
  }
  if (!c.aug.terms.all && !c.aug.terms.pre && !c.aug.terms.residual) {
    throw new Error(`${source}: "aug.terms" switches every loss term off`);
  }
}

/**
 * Apply one `key=value` override (value parsed as JSON, else taken as a string).
 * @example Change settings by key
 * ```ts
 * import { DEFAULT_CONFIG, setKey } from "@mmboost/mmboost";
 * const config = setKey(setKey(DEFAULT_CONFIG, "aug.lambda=0.2"), "aug.aca.rule=ratio");
 * console.log(config.aug.lambda, config.aug.aca.rule); // 0.2 ratio
 * try {
 *   setKey(config, "optimizer.momentm=0.9");
 * } catch (e) {
 *   console.log((e as Error).message); // names the unknown key
 * }
 * ```
 */
export function setKey(config: TrainConfig, text: string): TrainConfig {
  const { key, nested } = assignment(text);
  return mergeConfig(config, nested, `--set ${key}`);
}
