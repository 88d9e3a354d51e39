/**
 * Classification metrics as the reference computes them with scikit-learn:
 * accuracy; macro-F1 (f1_score(average="macro"): the mean over every class that appears in the
 * labels or the predictions of 2TP / (2TP + FP + FN), 0 where that is 0/0); and mAP, the mean
 * over classes of the average precision of the class's score one-vs-rest
 * (average_precision_score: AP = sum_n (R_n - R_{n-1}) P_n over the distinct score thresholds,
 * so tied scores enter together). Difference: a class with no positive sample has no defined
 * AP and is left out of the mean here (scikit-learn warns and scores it 0).
 */

/** argmax of each row of scores [N, K] (first maximum on ties). */
export function argmaxRows(scores: ArrayLike<number>, K: number): Int32Array {
  const N = scores.length / K;
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (scores[i * K + k] > scores[i * K + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** Fraction of predictions equal to the labels. */
export function accuracy(labels: ArrayLike<number>, preds: ArrayLike<number>): number {
  if (labels.length === 0) throw new Error("accuracy of an empty set");
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === preds[i]) c++;
  return c / labels.length;
}

/** Macro-averaged F1 over the classes present in labels or predictions. */
export function macroF1(labels: ArrayLike<number>, preds: ArrayLike<number>): number {
  const classes = new Set<number>([...Array.from(labels), ...Array.from(preds)]);
  let sum = 0;
  for (const k of classes) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < labels.length; i++) {
      if (preds[i] === k && labels[i] === k) tp++;
      else if (preds[i] === k) fp++;
      else if (labels[i] === k) fn++;
    }
    sum += 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / classes.size;
}

/** The first index of a NaN in `values`, or -1 (metrics reject NaN as scikit-learn does). */
function firstNaN(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return i;
  return -1;
}

/**
 * Average precision of `scores` for binary `positive` flags (null when no positive). A NaN
 * score has no rank: it is an error naming its index (as scikit-learn's "Input contains NaN").
 */
export function averagePrecision(
  positive: ArrayLike<boolean>,
  scores: ArrayLike<number>,
): number | null {
  if (positive.length !== scores.length) {
    throw new Error(`averagePrecision: ${positive.length} flags for ${scores.length} scores`);
  }
  const nan = firstNaN(scores);
  if (nan >= 0) throw new Error(`averagePrecision: score ${nan} is NaN`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) =>
    scores[b] - scores[a]
  );
  let total = 0;
  for (let i = 0; i < positive.length; i++) if (positive[i]) total++;
  if (total === 0) return null;
  let tp = 0, fp = 0, ap = 0, prevRecall = 0;
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]];
    for (; i < order.length && scores[order[i]] === s; i++) positive[order[i]] ? tp++ : fp++;
    const recall = tp / total;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** Mean average precision over classes of probabilities [N, K] against integer labels. */
export function meanAveragePrecision(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  K: number,
): number {
  const N = labels.length;
  const aps: number[] = [];
  for (let k = 0; k < K; k++) {
    const pos = Array.from(labels, (y) => y === k);
    const sc = Array.from({ length: N }, (_, i) => probs[i * K + k]);
    const ap = averagePrecision(pos, sc);
    if (ap !== null) aps.push(ap);
  }
  return aps.reduce((a, b) => a + b, 0) / aps.length;
}

/** Row softmax on the CPU (float64). */
export function softmaxRows(z: ArrayLike<number>, K: number): Float64Array {
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length / K; i++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, z[i * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += out[i * K + k] = Math.exp(z[i * K + k] - m);
    for (let k = 0; k < K; k++) out[i * K + k] /= s;
  }
  return out;
}

/** Logits that hold NaN or infinity (the model diverged); the trainer names the epoch. */
export class NonFiniteLogits extends Error {}

/** Accuracy, macro-F1 and mAP of logits [N, K]. */
export interface Scores {
  /** Accuracy in [0, 1]. */
  acc: number;
  /** Macro-averaged F1 in [0, 1]. */
  f1: number;
  /** Mean average precision over classes with a positive sample. */
  mAP: number;
}

/** Accuracy, macro-F1 and mAP of logits [N, K]; non-finite logits are an error (count, first row). */
export function scoreLogits(
  labels: ArrayLike<number>,
  logits: ArrayLike<number>,
  K: number,
): Scores {
  let bad = 0, first = -1;
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new NonFiniteLogits(
      `${bad} of ${logits.length} logits are not finite (first: sample ${
        Math.floor(first / K)
      }, class ${first % K}, ${logits[first]})`,
    );
  }
  const preds = argmaxRows(logits, K);
  return {
    acc: accuracy(labels, preds),
    f1: macroF1(labels, preds),
    mAP: meanAveragePrecision(labels, softmaxRows(logits, K), K),
  };
}
