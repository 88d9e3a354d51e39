/**
 * Joint training: one linear classifier on the concatenated features, one cross-entropy, one
 * SGD step over everything ("naive", the paper's baseline); "unimodal" is the same on one
 * modality (`unimodal.modality`). Evaluation reads each modality's share of the fused logits
 * (x_m w_m^T + b / M), whose sum with weight 1 each is the fused prediction.
 */
import { JointModel } from "../../models/multimodal.ts";
import { jointStep } from "../steps.ts";
import type { Method } from "./method.ts";

const joint = {
  create: (gpu, rng, o) => JointModel.create(gpu, rng, o),
  step(model, batch, s) {
    jointStep(model as JointModel, batch, s.sgd, s.stats);
  },
  statRows: () => 1,
  fusionWeights: (_c, M) => new Array(M).fill(1),
} satisfies Partial<Method>;

/** Naive joint training (concatenation fusion). */
export const NAIVE: Method = {
  name: "naive",
  summary: "joint training: one classifier on the concatenated features, one loss",
  ...joint,
};

/** One modality alone (`unimodal.modality`). */
export const UNIMODAL: Method = {
  name: "unimodal",
  summary: "one modality alone (unimodal.modality)",
  modalities(c, available) {
    if (c.unimodal.modality >= available) {
      throw new Error(`config: "unimodal.modality" ${c.unimodal.modality} does not exist`);
    }
    return [c.unimodal.modality];
  },
  ...joint,
};
