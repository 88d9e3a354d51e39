/**
 * The sustained-boosting loss of one modality and its GPU-side training statistics.
 *
 * With n classifiers, z_all = sum of all logits, z_pre = sum of all but the newest, z_new the
 * newest's:  n = 1: L = CE(z_all, y);  n > 1: L = CE(z_all, y) + CE(z_pre, y) + CE(z_new, y_res)
 * with y_res = y - lambda * y * softmax(z_pre) (detached). `terms` switches terms off for the
 * paper's ablations (at least one must stay on).
 */
import residualSrc from "./residual_target_forward.wgsl" with { type: "text" };
import statsSrc from "./train_stats_accumulate.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import { crossEntropy } from "../loss/loss.ts";
import { add } from "../elementwise/elementwise.ts";
import { groups1d } from "../runtime/gpu.ts";

const residualKernel = { name: "residual_target_forward", code: residualSrc };
const statsKernel = { name: "train_stats_accumulate", code: statsSrc };

/** Which loss terms are on: the whole ensemble, all but the newest, the newest's residual. */
export interface BoostingTerms {
  /** CE(z_all, y): the whole ensemble. */
  all: boolean;
  /** CE(z_pre, y): the classifiers before the newest. */
  pre: boolean;
  /** CE(z_new, y - lambda y softmax(z_pre)): the newest on the boosting residual. */
  residual: boolean;
}

/** The paper's loss: all three terms. */
export const ALL_TERMS: BoostingTerms = { all: true, pre: true, residual: true };

/** Logits of one modality's classifiers: the sum of all, of all but the newest, the newest. */
export interface EnsembleLogits {
  /** Logits of the whole ensemble (the sum over its classifiers). */
  all: Tensor;
  /** null when there is a single classifier */
  pre: Tensor | null;
  /** Logits of the newest classifier. */
  last: Tensor;
}

/** y - lambda * y * softmax(zPre), a constant target (no graph). */
export function residualTarget(zPre: Tensor, y: Tensor, lambda: number): Tensor {
  expectShape(y, "residual target labels", 2, [zPre.shape[0], zPre.shape[1]]);
  const [B, K] = zPre.shape;
  const q = Tensor.empty(zPre.gpu, [B, K]);
  zPre.gpu.dispatch(
    residualKernel,
    [zPre.range, y.range, q.range],
    { u: [B, K], f: [lambda] },
    groups1d(B, 64),
  );
  return q;
}

/** The boosting loss of one modality (autograd scalar). y is one-hot [B, K]. */
export function boostingLoss(
  z: EnsembleLogits,
  y: Tensor,
  lambda: number,
  terms = ALL_TERMS,
): Tensor {
  if (!z.pre) return crossEntropy(z.all, y);
  const parts: Tensor[] = [];
  if (terms.all) parts.push(crossEntropy(z.all, y));
  if (terms.pre) parts.push(crossEntropy(z.pre, y));
  if (terms.residual) parts.push(crossEntropy(z.last, residualTarget(z.pre, y, lambda)));
  if (parts.length === 0) throw new Error("boosting loss: every term is switched off");
  return parts.reduce((a, b) => add(a, b));
}

/** Add this step's confident score, summed loss and correct count to acc[3*slot ..]. */
export function accumulateTrainStats(
  acc: Tensor,
  slot: number,
  zAll: Tensor,
  y: Tensor,
  loss: Tensor,
): void {
  const [B, K] = zAll.shape;
  if (acc.size < 3 * (slot + 1)) {
    throw new Error(`train stats: slot ${slot} outside [${acc.shape}]`);
  }
  zAll.gpu.dispatch(
    statsKernel,
    [zAll.range, y.range, loss.range, acc.range],
    { u: [B, K, slot] },
    [1],
  );
}
