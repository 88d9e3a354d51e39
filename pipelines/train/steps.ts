/**
 * One training step of each method, recorded on the GPU without any readback.
 *
 * AUG (per minibatch, as the reference loop): forward every encoder; then for each modality
 * in turn: its classifiers' forward (seeing the head as already updated by the previous
 * modality), its boosting loss, backward, an SGD step on the parameters that received a
 * gradient (its encoder, its trainable classifiers, the shared head), gradients cleared.
 * This is PyTorch >= 2's behaviour for the reference code (gradients set to None are skipped
 * by SGD). There is no joint loss. Naive joint / unimodal: one loss, one step over everything.
 * The caller owns the scope: tensors returned (losses) live until it closes.
 */
import type { Tensor } from "../../kernels/tensor.ts";
import { backward } from "../../kernels/autograd/node.ts";
import type { ParameterSet, SgdOptions } from "../../kernels/optim/parameters.ts";
import { crossEntropy } from "../../kernels/loss/loss.ts";
import {
  accumulateTrainStats,
  ALL_TERMS,
  boostingLoss,
  type BoostingTerms,
} from "../../kernels/boosting/boosting.ts";
import type { AugModel, JointModel } from "../models/multimodal.ts";

/** A minibatch on the GPU: one input per modality and one-hot labels [B, K]. */
export interface Batch {
  /** One input tensor per modality. */
  inputs: Tensor[];
  /** One-hot (or soft) labels [batch, classes]. */
  labels: Tensor;
}

/** Options of an AUG step. */
export interface AugStepOptions {
  /** The boosting residual's lambda. */
  lambda: number;
  /** Which boosting-loss terms to use (default all three). */
  terms?: BoostingTerms;
  /** The SGD step after each modality's backward. */
  sgd: SgdOptions;
}

/** One SGD step on each set, then its gradients cleared. */
export function stepSets(sets: ParameterSet[], sgd: SgdOptions): void {
  for (const s of sets) {
    s.sgdStep(sgd);
    s.zeroGrad();
  }
}

/**
 * One AUG step; returns each modality's loss (scalars on the GPU). When `stats` is given, the
 * modality's confident score, loss and correct count are added to slot m (see
 * accumulateTrainStats).
 */
export function augStep(
  model: AugModel,
  batch: Batch,
  o: AugStepOptions,
  stats?: Tensor,
): Tensor[] {
  const features = model.encoders.map((e, m) => e.forward(batch.inputs[m], true));
  return features.map((f, m) => {
    const z = model.classifiers[m].forward(f, model.head);
    const loss = boostingLoss(z, batch.labels, o.lambda, o.terms ?? ALL_TERMS);
    backward(loss);
    stepSets(model.modalitySets(m), o.sgd);
    if (stats) accumulateTrainStats(stats, m, z.all, batch.labels, loss);
    return loss;
  });
}

/** One naive-joint (or, with one modality, unimodal) step; returns the loss. */
export function jointStep(
  model: JointModel,
  batch: Batch,
  sgd: SgdOptions,
  stats?: Tensor,
): Tensor {
  const features = model.encoders.map((e, m) => e.forward(batch.inputs[m], true));
  const z = model.fused(features);
  const loss = crossEntropy(z, batch.labels);
  backward(loss);
  stepSets(model.allSets(), sgd);
  if (stats) accumulateTrainStats(stats, 0, z, batch.labels, loss);
  return loss;
}
