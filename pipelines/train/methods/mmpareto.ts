/**
 * MMPareto (Wei and Hu, "MMPareto: Boosting Multimodal Learning with Innocent Unimodal
 * Assistance", ICML 2024; authors' code GeWu-Lab/MMPareto_ICML2024): the multimodal loss (the
 * fused classifier on the concatenated features) plus one unimodal loss per modality (a head of
 * its own on each modality's features). For each encoder the two gradients that reach it, g_mm
 * and g_u, are combined by the Pareto rule: equal weights when they agree (cosine > 0), the
 * min-norm point of the segment between them when they conflict; the combination 2 k0 g_mm +
 * 2 k1 g_u is rescaled per parameter tensor to the summed gradient's norm when that is larger,
 * then multiplied by `mmpareto.gamma` (1.5). Heads get the summed losses' gradients.
 *
 * One gradient per loss for the same encoder comes from the autograd walking the graph again
 * (`retainGraph`), not from a second forward. Evaluation reads each modality's share of the
 * fused classifier, as for naive and OGM-GE (the authors' code reports its unimodal heads).
 */
import { backward } from "../../../kernels/autograd/node.ts";
import { crossEntropy } from "../../../kernels/loss/loss.ts";
import { accumulateTrainStats } from "../../../kernels/boosting/boosting.ts";
import { paretoCombine, paretoWeights } from "../../../kernels/modulation/modulation.ts";
import { Tensor } from "../../../kernels/tensor.ts";
import type { SgdOptions } from "../../../kernels/optim/parameters.ts";
import { JointModel } from "../../models/multimodal.ts";
import { type Batch, stepSets } from "../steps.ts";
import type { Method } from "./method.ts";

/** One MMPareto step; returns the losses [L_mm, L_1, ..., L_M] and each encoder's weights. */
export function mmparetoStep(
  model: JointModel,
  batch: Batch,
  o: { sgd: SgdOptions; gamma: number; stats?: Tensor },
): { losses: Tensor[]; weights: Tensor[] } {
  const features = model.encoders.map((e, m) => e.forward(batch.inputs[m], true));
  const z = model.fused(features);
  const lossMm = crossEntropy(z, batch.labels);
  const uni = features.map((f, m) => crossEntropy(model.head(m, f), batch.labels));
  // g_mm of every encoder, kept aside; the encoders' arenas then take the unimodal losses'
  backward(lossMm, undefined, { retainGraph: true });
  const gpu = z.gpu;
  const mm = model.encoders.map((e) => {
    const g = e.trunk.params.grads;
    const copy = Tensor.empty(gpu, [g.size]);
    gpu.encoder().copyBufferToBuffer(g.buffer, g.offset, copy.buffer, copy.offset, g.byteSize);
    e.trunk.params.zeroGrad();
    return copy;
  });
  uni.forEach((l, m) => backward(l, undefined, { retainGraph: m < uni.length - 1 }));
  const weights = model.encoders.map((e, m) => {
    const k = paretoWeights(mm[m], e.trunk.params.grads);
    paretoCombine(e.trunk.params, mm[m], k, o.gamma);
    return k;
  });
  stepSets(model.allSets(), o.sgd);
  if (o.stats) accumulateTrainStats(o.stats, 0, z, batch.labels, lossMm);
  return { losses: [lossMm, ...uni], weights };
}

/** MMPareto on the joint (concatenation) model with a head per modality. */
export const MMPARETO: Method = {
  name: "mmpareto",
  summary:
    "multimodal and unimodal losses, per-encoder gradients by the Pareto rule (Wei and Hu 2024)",
  create: (gpu, rng, o) => JointModel.create(gpu, rng, o, true),
  step(model, batch, s) {
    mmparetoStep(model as JointModel, batch, {
      sgd: s.sgd,
      gamma: s.config.mmpareto.gamma,
      stats: s.stats,
    });
  },
  statRows: () => 1,
  fusionWeights: (_c, M) => new Array(M).fill(1),
};
