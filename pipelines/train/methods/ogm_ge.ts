/**
 * OGM-GE (Peng et al., "Balanced Multimodal Learning via On-the-fly Gradient Modulation",
 * CVPR 2022; authors' code GeWu-Lab/OGM-GE_CVPR2022): joint training with concatenation fusion,
 * one cross-entropy; after its backward, per step, the discrepancy ratio rho = s_v / s_a of the
 * two modalities' summed true-class softmax scores (each from its share of the fused logits,
 * x_u w_u^T + b / 2) scales the dominant modality's encoder gradients by 1 - tanh(alpha rho)
 * (kernels/modulation/), and GE adds Gaussian noise of each parameter tensor's gradient spread.
 *
 * The paper's method is the default; the reference code's behaviour is a switch each:
 * - `ogm.swappedScores`: the code scores the visual modality with the audio block of the fusion
 *   weights and the audio one with the visual block (`weight[:, :512]` for `out_v`);
 * - `ogm.everyEpoch`: the code's window test (`starts >= epoch >= ends`) never holds, so it
 *   modulates every epoch; the paper modulates in [ogm.start, ogm.end];
 * - `ogm.convOnly`: the code modulates the 4-D gradients (convolution weights) only, the paper
 *   the encoder's parameters.
 * GE's noise is drawn from a counter (seed, step, modality), not PyTorch's stream.
 */
import { backward, noGrad } from "../../../kernels/autograd/node.ts";
import { crossEntropy } from "../../../kernels/loss/loss.ts";
import { accumulateTrainStats } from "../../../kernels/boosting/boosting.ts";
import { modulateGradients, ogmCoefficients } from "../../../kernels/modulation/modulation.ts";
import type { Tensor } from "../../../kernels/tensor.ts";
import { JointModel } from "../../models/multimodal.ts";
import type { TrainConfig } from "../config.ts";
import { type Batch, stepSets } from "../steps.ts";
import type { Method, StepContext } from "./method.ts";

/** One OGM-GE step; returns the loss and the coefficients [k_a, k_v, rho, 0] (on the GPU). */
export function ogmStep(
  model: JointModel,
  batch: Batch,
  s: Pick<StepContext, "config" | "sgd" | "epoch" | "step"> & { stats?: Tensor },
): { loss: Tensor; coefficients: Tensor } {
  const o = s.config.ogm;
  const features = model.encoders.map((e, m) => e.forward(batch.inputs[m], true));
  const z = model.fused(features);
  const loss = crossEntropy(z, batch.labels);
  backward(loss);
  const [za, zv] = noGrad(() => model.shares(features, o.swappedScores ? (m) => 1 - m : undefined));
  const window = o.everyEpoch || (s.epoch >= o.start && s.epoch <= o.end);
  const coefficients = ogmCoefficients(za, zv, batch.labels, o.alpha, window);
  model.encoders.forEach((e, m) =>
    modulateGradients(e.trunk.params, coefficients, m, {
      noise: o.ge,
      convOnly: o.convOnly,
      seed: s.config.seed,
      step: s.step,
      stream: m,
    })
  );
  stepSets(model.allSets(), s.sgd);
  if (s.stats) accumulateTrainStats(s.stats, 0, z, batch.labels, loss);
  return { loss, coefficients };
}

/** OGM-GE on the joint (concatenation) model. */
export const OGM_GE: Method = {
  name: "ogm-ge",
  summary: "on-the-fly gradient modulation with generalization enhancement (Peng et al. 2022)",
  check(_c: TrainConfig, M: number) {
    if (M !== 2) throw new Error(`method ogm-ge: two modalities (audio, visual), not ${M}`);
  },
  create: (gpu, rng, o) => JointModel.create(gpu, rng, o),
  step(model, batch, s) {
    ogmStep(model as JointModel, batch, s);
  },
  statRows: () => 1,
  fusionWeights: (_c, M) => new Array(M).fill(1),
};
