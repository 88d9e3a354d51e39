/**
 * PMR (Fan et al., "PMR: Prototypical Modal Rebalance for Multimodal Learning", CVPR 2023; read
 * in GeWu-Lab/BalanceBenchmark's PMR_trainer.py, with its configs): joint training with
 * concatenation fusion, plus per-class prototypes of each modality's encoder features.
 *
 * At each epoch's start the prototypes are the class means of the features (evaluation mode) of
 * the epoch's first tenth of batches (at least one), then, after the first epoch, mixed with the
 * previous ones: c = (1 - m) c_new + m c_old, m = `pmr.momentum` (0.2). A class absent from that
 * share keeps its previous prototype (the authors' code divides by its count of 0).
 *
 * Per step, with s_u = -|f_u - c_u,k| the prototype logits of modality u, L_u = CE(s_u, y) and
 * rho = sum_i softmax(s_a,i)[y_i] / sum_i softmax(s_v,i)[y_i] (kernels/prototype/):
 *   loss = CE(fused, y) + alpha beta L_a + alpha lambda L_v - mu lambda H_a - mu beta H_v
 * with rho >= 1: beta = 0, lambda = clamp(rho - 1, 0, 1); else beta = clamp(1/rho - 1, 0, 1),
 * lambda = 0: the slower modality's prototype loss speeds it up, the faster one's prediction
 * entropy H (summed over the batch) is raised to slow it. The entropy terms are on in epochs
 * [0, `pmr.entropyUntil`] (the authors' norm_epoch 10) when `pmr.entropy` is true (the paper);
 * BalanceBenchmark's config turns them off (its method "None"): `pmr.entropy=false`. Its entropy
 * terms score the lower-loss modality's features against each modality's prototypes; here each
 * modality's own features are scored against its own, as the paper writes them, and beta and
 * lambda are constants of the step (its code lets gradients flow through the ratio where they are
 * not clamped). Two modalities.
 */
import { backward, noGrad } from "../../../kernels/autograd/node.ts";
import { crossEntropy, entropySum } from "../../../kernels/loss/loss.ts";
import { accumulateTrainStats } from "../../../kernels/boosting/boosting.ts";
import { add, scaleBy } from "../../../kernels/elementwise/elementwise.ts";
import {
  classSums,
  pmrCoefficients,
  type PmrWeights,
  prototypeLogits,
} from "../../../kernels/prototype/prototype.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import type { SgdOptions } from "../../../kernels/optim/parameters.ts";
import { JointModel } from "../../models/multimodal.ts";
import { type Batch, stepSets } from "../steps.ts";
import type { Method, StartContext } from "./method.ts";

/** The prototypes [K, D_m] of each modality, as the model holds them. */
export function prototypesOf(model: JointModel): Tensor[] {
  return model.encoders.map((_, m) => {
    const entry = model.methodState.find(([name]) => name === `pmr.prototypes${m}`);
    if (!entry) throw new Error(`PMR: the model holds no prototypes for modality ${m}`);
    return entry[1];
  });
}

/** A joint model holding zero prototypes per modality. */
export function pmrModel(model: JointModel): JointModel {
  const K = model.options.classes, gpu = model.fc.get("bias").gpu;
  model.encoders.forEach((e, m) => {
    model.methodState.push([`pmr.prototypes${m}`, Tensor.zeros(gpu, [K, e.features]).persist()]);
  });
  return model;
}

/**
 * Recompute the prototypes from the first tenth of the epoch's batches (evaluation mode, no
 * graph), mixed with the previous ones after the first epoch. One readback.
 */
export async function updatePrototypes(
  model: JointModel,
  s: Pick<StartContext, "epoch" | "batches" | "labels" | "load">,
  momentum: number,
): Promise<void> {
  const K = model.options.classes, protos = prototypesOf(model);
  const gpu = protos[0].gpu;
  const sums = model.encoders.map((e) => Tensor.zeros(gpu, [K, e.features]).persist());
  const counts = new Array<number>(K).fill(0);
  for (const idx of s.batches.slice(0, Math.max(1, Math.floor(s.batches.length / 10)))) {
    using _ = new Scope(gpu);
    const batch = await s.load(idx);
    for (const i of idx) counts[s.labels[i]]++;
    noGrad(() =>
      model.encoders.forEach((e, m) =>
        classSums(sums[m], e.forward(batch.inputs[m], false), batch.labels)
      )
    );
    gpu.flush();
  }
  const read = await gpu.read([...sums.map((t) => t.range), ...protos.map((t) => t.range)]);
  protos.forEach((c, m) => {
    const D = model.encoders[m].features, sum = read[m], old = read[sums.length + m];
    const next = new Float32Array(K * D);
    for (let k = 0; k < K; k++) {
      for (let d = 0; d < D; d++) {
        const j = k * D + d;
        const mean = counts[k] > 0 ? sum[j] / counts[k] : old[j];
        next[j] = s.epoch === 0 ? mean : (1 - momentum) * mean + momentum * old[j];
      }
    }
    c.write(next);
    sums[m].dispose();
  });
}

/** One PMR step; returns the fused loss and the weights [alpha beta, alpha lambda, -mu lambda, -mu beta]. */
export function pmrStep(
  model: JointModel,
  batch: Batch,
  o: { sgd: SgdOptions; weights: PmrWeights; stats?: Tensor },
): { loss: Tensor; coefficients: Tensor } {
  const y = batch.labels;
  const features = model.encoders.map((e, m) => e.forward(batch.inputs[m], true));
  const z = model.fused(features);
  const loss = crossEntropy(z, y);
  const [pa, pv] = prototypesOf(model).map((c, m) => prototypeLogits(features[m], c));
  const coefficients = pmrCoefficients(pa, pv, y, o.weights);
  let total = add(loss, scaleBy(crossEntropy(pa, y), coefficients, 0));
  total = add(total, scaleBy(crossEntropy(pv, y), coefficients, 1));
  if (o.weights.entropy) {
    total = add(total, scaleBy(entropySum(pa), coefficients, 2));
    total = add(total, scaleBy(entropySum(pv), coefficients, 3));
  }
  backward(total);
  stepSets(model.allSets(), o.sgd);
  if (o.stats) accumulateTrainStats(o.stats, 0, z, y, loss);
  return { loss, coefficients };
}

/** PMR on the joint (concatenation) model. */
export const PMR: Method = {
  name: "pmr",
  summary: "prototype losses speed the slow modality, entropy slows the fast one (Fan et al. 2023)",
  check(_c, M) {
    if (M !== 2) throw new Error(`method "pmr": two modalities, not ${M}`);
  },
  create: (gpu, rng, o) => pmrModel(JointModel.create(gpu, rng, o)),
  startEpoch: (model, s) => updatePrototypes(model as JointModel, s, s.config.pmr.momentum),
  step(model, batch, s) {
    const c = s.config.pmr;
    pmrStep(model as JointModel, batch, {
      sgd: s.sgd,
      weights: { alpha: c.alpha, mu: c.mu, entropy: c.entropy && s.epoch <= c.entropyUntil },
      stats: s.stats,
    });
  },
  statRows: () => 1,
  fusionWeights: (_c, M) => new Array(M).fill(1),
};
