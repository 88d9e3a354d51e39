/**
 * MLA (Zhang et al., "Multimodal Representation Learning by Alternating Unimodal Adaptation",
 * CVPR 2024): every modality's encoder feeds one shared linear head. Per minibatch both
 * encoders run forward, then each modality in turn: its own cross-entropy through the head,
 * backward, and, from the run's second such step on, the head weight's gradient g changed to
 * g + g P^T by a projector P kept by recursive least squares on the features the head has seen
 * (P <- P - k k^T / (a + r k), k = P r^T, r the batch's mean feature, a = 0.1^(b / n + 1) for
 * batch b of n, then P / |P|_F; kernels/modulation/gs_projector.wgsl), then an SGD step on that
 * encoder and the head. At test time the modalities' logits are fused by their uncertainty: per
 * sample, w_m proportional to exp(max_m' H_m' - H_m) with H the entropy of softmax(z_m)
 * (`mla.fusion: "entropy"`, the paper). The authors' code offers `"batch"` (its dynamic
 * fusion takes the softmax over the batch, dim 0, and one entropy per batch) and, by default
 * without its --dynamic flag, `"fixed"` (w = mla.alpha, 1 - mla.alpha).
 */
import { backward } from "../../../kernels/autograd/node.ts";
import { crossEntropy } from "../../../kernels/loss/loss.ts";
import { accumulateTrainStats } from "../../../kernels/boosting/boosting.ts";
import { gsModifyGradient, gsProjectorUpdate } from "../../../kernels/modulation/modulation.ts";
import type { Tensor } from "../../../kernels/tensor.ts";
import type { SgdOptions } from "../../../kernels/optim/parameters.ts";
import { SharedHeadModel } from "../../models/multimodal.ts";
import { type Batch, stepSets } from "../steps.ts";
import type { Method, SampleFusion } from "./method.ts";

/**
 * One MLA step; returns each modality's loss. `first` marks the run's very first step (its first
 * modality leaves the head's gradient as it is, as the authors' counter does).
 */
export function mlaStep(
  model: SharedHeadModel,
  batch: Batch,
  o: { sgd: SgdOptions; first: boolean; batch: number; batches: number; stats?: Tensor },
): Tensor[] {
  const features = model.encoders.map((e, m) => e.forward(batch.inputs[m], true));
  const alpha = 0.1 ** (o.batch / o.batches + 1);
  return features.map((f, m) => {
    const z = model.logitsOf(f);
    const loss = crossEntropy(z, batch.labels);
    backward(loss);
    if (!(o.first && m === 0)) {
      gsProjectorUpdate(model.projector, f, alpha);
      gsModifyGradient(model.head.get("weight").grad!, model.projector);
    }
    stepSets(model.modalitySets(m), o.sgd);
    if (o.stats) accumulateTrainStats(o.stats, m, z, batch.labels, loss);
    return loss;
  });
}

/** Entropy of softmax(z[i*K .. i*K+K]). */
function entropy(z: Float32Array, i: number, K: number): number {
  let m = -Infinity;
  for (let k = 0; k < K; k++) m = Math.max(m, z[i * K + k]);
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.exp(z[i * K + k] - m);
  let h = 0;
  for (let k = 0; k < K; k++) {
    const p = Math.exp(z[i * K + k] - m) / s;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** Weights proportional to exp(max H - H_m). */
function fromEntropies(h: number[]): number[] {
  const top = Math.max(...h), e = h.map((x) => Math.exp(top - x));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** The paper's per-sample uncertainty weights. */
export const entropyFusion: SampleFusion = (z, n, K) =>
  Array.from({ length: n }, (_, i) => fromEntropies(z.map((zm) => entropy(zm, i, K))));

/** The authors' dynamic fusion: softmax over the batch (per class), one entropy per batch. */
export const batchEntropyFusion: SampleFusion = (z, n, K) => {
  const w = fromEntropies(z.map((zm) => {
    let h = 0;
    for (let k = 0; k < K; k++) {
      let m = -Infinity, s = 0;
      for (let i = 0; i < n; i++) m = Math.max(m, zm[i * K + k]);
      for (let i = 0; i < n; i++) s += Math.exp(zm[i * K + k] - m);
      for (let i = 0; i < n; i++) {
        const p = Math.exp(zm[i * K + k] - m) / s;
        if (p > 0) h -= p * Math.log(p);
      }
    }
    return h;
  }));
  return Array.from({ length: n }, () => w);
};

/** MLA on the shared-head model. */
export const MLA: Method = {
  name: "mla",
  summary: "alternating unimodal adaptation through a shared head (Zhang et al. 2024)",
  create: (gpu, rng, o) => SharedHeadModel.create(gpu, rng, o),
  step(model, batch, s) {
    mlaStep(model as SharedHeadModel, batch, {
      sgd: s.sgd,
      first: s.step === 0,
      batch: s.batch,
      batches: s.batches,
      stats: s.stats,
    });
  },
  statRows: (M) => M,
  fusionWeights(c, M) {
    if (c.mla.fusion !== "fixed") return new Array(M).fill(1 / M);
    if (M !== 2) throw new Error(`mla.fusion "fixed": two modalities, not ${M}`);
    return [c.mla.alpha, 1 - c.mla.alpha];
  },
  fusion: (c) =>
    c.mla.fusion === "entropy"
      ? entropyFusion
      : c.mla.fusion === "batch"
      ? batchEntropyFusion
      : undefined,
};
