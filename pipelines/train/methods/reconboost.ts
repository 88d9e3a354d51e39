/**
 * ReconBoost (Hua et al., "ReconBoost: Boosting Can Achieve Modality Reconcilement", ICML 2024;
 * authors' code huacong/ReconBoost): modality-alternating boosting over per-modality learners
 * (an encoder and a linear head each, fused by summing their logits). Training runs in stages;
 * stage s picks modality m = s mod M and has two phases:
 * 1. `reconboost.stageEpochs` epochs training learner m alone against the ensemble of the others
 *    with the reconcilement loss, per sample
 *      L = -w1 mean_k(y_k log p_k) + w2 mean_k(y_k q_k log p_k),  p = softmax(z_m),
 *    q = softmax(sum of the other learners' logits), detached (uniform before any other learner
 *    has been trained, the authors' constant c0). This is (w1 / K) CE(z_m, y - (w2/w1) y q):
 *    AUG's residual target, kernels/boosting/residual_target_forward.wgsl.
 * 2. `reconboost.rectifyEpochs` epochs of global rectification: CE on the ensemble's summed
 *    logits, every learner trained so far updated jointly.
 * A learner joins the ensemble after its first stage (before that its logits are not used in
 * training). As in the authors' code, the others' forward in phase 1 runs in training mode
 * (batch statistics; their running statistics move) without a graph.
 *
 * Each phase starts its learners' momentum from zero, as the code's fresh SGD per phase and stage
 * does (`reconboost.keepMomentum`: one optimizer's, carried across phases); the rate follows the
 * dataset's schedule. Against the authors' code: the boost rate stays 1 (the code learns it in
 * phase 2, starting from 1); each learner has a linear head of its own (the code's
 * `common_space` shares one 512-256-K MLP head); the code's memory-consolidation ("GA") term
 * is the MSE of two detached predictions and adds nothing to any gradient, so it is not built;
 * the test ensemble sums every modality from the first epoch (the code's holds the learners
 * trained so far: in stage 0 the first one alone).
 */
import { backward, noGrad } from "../../../kernels/autograd/node.ts";
import { crossEntropy } from "../../../kernels/loss/loss.ts";
import { accumulateTrainStats, residualTarget } from "../../../kernels/boosting/boosting.ts";
import { add } from "../../../kernels/elementwise/elementwise.ts";
import { Tensor } from "../../../kernels/tensor.ts";
import type { SgdOptions } from "../../../kernels/optim/parameters.ts";
import { LateFusionModel } from "../../models/multimodal.ts";
import type { TrainConfig } from "../config.ts";
import { type Batch, stepSets } from "../steps.ts";
import type { Method } from "./method.ts";

/** Where an epoch falls in ReconBoost's schedule. */
export interface ReconBoostPhase {
  /** The stage, from 0. */
  stage: number;
  /** The stage's modality (stage mod M). */
  modality: number;
  /** false: phase 1 (the stage's learner alone); true: global rectification. */
  rectify: boolean;
  /** Modalities whose learners had been trained before this stage. */
  trained: number[];
}

/** The phase of `epoch` for M modalities. */
export function reconboostPhase(c: TrainConfig, epoch: number, M: number): ReconBoostPhase {
  const { stageEpochs, rectifyEpochs } = c.reconboost;
  const per = stageEpochs + rectifyEpochs;
  const stage = Math.floor(epoch / per);
  const trained = Array.from({ length: Math.min(stage, M) }, (_, m) => m);
  return { stage, modality: stage % M, rectify: epoch % per >= stageEpochs, trained };
}

/** The scalar seeds of the scaled phase-1 loss, uploaded once per device and value. */
const seeds = new WeakMap<Tensor["gpu"], Map<number, Tensor>>();
function seedOf(gpu: Tensor["gpu"], value: number): Tensor {
  let byValue = seeds.get(gpu);
  if (!byValue) seeds.set(gpu, byValue = new Map());
  let t = byValue.get(value);
  if (!t || t.disposed) byValue.set(value, t = Tensor.from(gpu, [value], [1]).persist());
  return t;
}

/** The learners a phase trains: phase 1 the stage's, phase 2 every one trained so far. */
function phaseMembers(phase: ReconBoostPhase): number[] {
  if (!phase.rectify) return [phase.modality];
  return [...new Set([...phase.trained, phase.modality])].sort((a, b) => a - b);
}

/**
 * At the first epoch of a phase, clear the momentum of the learners it trains: the authors' code
 * builds a fresh SGD for each phase of each stage (`reconboost.keepMomentum` keeps one optimizer's
 * momentum instead, as BalanceBenchmark's single optimizer does).
 */
export function resetPhaseMomentum(model: LateFusionModel, c: TrainConfig, epoch: number): void {
  if (c.reconboost.keepMomentum) return;
  const M = model.encoders.length, phase = reconboostPhase(c, epoch, M);
  const before = epoch > 0 ? reconboostPhase(c, epoch - 1, M) : null;
  if (before && before.stage === phase.stage && before.rectify === phase.rectify) return;
  for (const u of phaseMembers(phase)) {
    for (const set of model.modalitySets(u)) set.gpu.encoder().clearBuffer(set.momentum.buffer);
  }
}

/**
 * One ReconBoost step in `phase`. Returns the loss: phase 1 the unscaled CE(z_m, y - (w2/w1) y q)
 * (the objective is w1 / K times it), phase 2 the ensemble's cross-entropy.
 */
export function reconboostStep(
  model: LateFusionModel,
  batch: Batch,
  o: { sgd: SgdOptions; phase: ReconBoostPhase; w1: number; w2: number; stats?: Tensor },
): Tensor {
  const { modality: m, trained } = o.phase;
  const y = batch.labels, [B, K] = y.shape;
  const gpu = y.gpu;
  let z: Tensor, loss: Tensor, sets;
  if (!o.phase.rectify) {
    const others = trained.filter((u) => u !== m);
    const zOthers = others.length === 0 ? Tensor.zeros(gpu, [B, K]) : noGrad(() =>
      others
        .map((u) => model.head(u, model.encoders[u].forward(batch.inputs[u], true)))
        .reduce((a, b) => add(a, b))
    );
    z = model.head(m, model.encoders[m].forward(batch.inputs[m], true));
    loss = crossEntropy(z, residualTarget(zOthers, y, o.w2 / o.w1));
    backward(loss, seedOf(gpu, o.w1 / K));
    sets = model.modalitySets(m);
  } else {
    const members = phaseMembers(o.phase);
    z = members
      .map((u) => model.head(u, model.encoders[u].forward(batch.inputs[u], true)))
      .reduce((a, b) => add(a, b));
    loss = crossEntropy(z, y);
    backward(loss);
    sets = members.flatMap((u) => model.modalitySets(u));
  }
  stepSets(sets, o.sgd);
  if (o.stats) accumulateTrainStats(o.stats, 0, z, y, loss);
  return loss;
}

/** ReconBoost on the late-fusion model. */
export const RECONBOOST: Method = {
  name: "reconboost",
  summary: "modality-alternating boosting with reconcilement and global rectification (Hua 2024)",
  create: (gpu, rng, o) => LateFusionModel.create(gpu, rng, o),
  startEpoch(model, s) {
    resetPhaseMomentum(model as LateFusionModel, s.config, s.epoch);
    return Promise.resolve();
  },
  step(model, batch, s) {
    const c = s.config.reconboost;
    reconboostStep(model as LateFusionModel, batch, {
      sgd: s.sgd,
      phase: reconboostPhase(s.config, s.epoch, batch.inputs.length),
      w1: c.w1,
      w2: c.w2,
      stats: s.stats,
    });
  },
  statRows: () => 1,
  fusionWeights: (_c, M) => new Array(M).fill(1),
};
