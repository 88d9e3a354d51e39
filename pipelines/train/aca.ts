/**
 * Adaptive classifier assignment: which modality gets a new classifier, from the confident
 * scores S_m = sum over the epoch's training samples of softmax(z_all)[true class].
 *
 * Checked after epoch 0 and then every `every` epochs ((epoch + 1) % every === 0; the reference
 * uses epochs // 10). Two modalities (0 = the one expected strong, e.g. audio):
 * - "paper":  s_m = S_m / N; d = s_0 - sigma * s_1; d > tau -> modality 1, d < -tau -> 0.
 * - "ratio" (the reference code): r = S_0 / S_1; r > sigma + tau -> 1, r < sigma - tau -> 0.
 * More modalities (both rules, as the reference's NVGesture script): r_m = S_m / sum of the
 * others; every m with r_m < threshold (0.4) gets one, several at once if so.
 */

/** ACA settings. */
export interface AcaOptions {
  /** `paper`: the mean-confidence gap beyond tau; `ratio`: the reference code's S_a / S_v. */
  rule: "paper" | "ratio";
  /** Sigma of the confidence score. */
  sigma: number;
  /** The gap (paper) or ratio (ratio rule) beyond which a classifier is added. */
  tau: number;
  /** Three or more modalities: one under this share of the others' total gets a classifier. */
  threshold: number;
  /** Assign every this many epochs (after epoch 0). */
  every: number;
}

/** The paper's settings for two modalities on CREMA-D. */
export const ACA_DEFAULTS: AcaOptions = {
  rule: "paper",
  sigma: 1,
  tau: 0.01,
  threshold: 0.4,
  every: 20,
};

/** True when ACA runs after this (0-based) epoch. */
export function isAcaEpoch(epoch: number, every: number): boolean {
  return epoch === 0 || (epoch + 1) % every === 0;
}

/** The modalities that get a classifier given the epoch's scores over `samples` samples. */
export function assignClassifiers(scores: number[], samples: number, o: AcaOptions): number[] {
  if (scores.some((s) => !Number.isFinite(s) || s < 0)) {
    throw new Error(`ACA: bad scores ${scores}`);
  }
  if (scores.length > 2) {
    const total = scores.reduce((a, b) => a + b, 0);
    return scores.flatMap((s, m) => (s / Math.max(total - s, 1e-12) < o.threshold ? [m] : []));
  }
  if (scores.length !== 2) return [];
  if (o.rule === "paper") {
    const d = scores[0] / samples - o.sigma * (scores[1] / samples);
    return d > o.tau ? [1] : d < -o.tau ? [0] : [];
  }
  const r = scores[0] / Math.max(scores[1], 1e-12);
  return r > o.sigma + o.tau ? [1] : r < o.sigma - o.tau ? [0] : [];
}

/** StepLR stepped at the start of every epoch: lr * gamma^floor((epoch + 1) / stepSize). */
export function stepLr(lr: number, epoch: number, stepSize: number, gamma: number): number {
  return lr * gamma ** Math.floor((epoch + 1) / stepSize);
}
