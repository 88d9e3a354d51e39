/**
 * AUG (the paper): per modality a growing list of classifiers into one shared head, trained by
 * each modality's boosting loss in turn (steps.ts augStep); adaptive classifier assignment
 * (aca.ts) after the epoch's evaluation; the fused prediction sum_m w_m z_m (`fusionWeights`).
 */
import { AugModel } from "../../models/multimodal.ts";
import { augStep } from "../steps.ts";
import { assignClassifiers, isAcaEpoch } from "../aca.ts";
import type { Method } from "./method.ts";

/** Sustained boosting with adaptive classifier assignment. */
export const AUG: Method = {
  name: "aug",
  summary: "sustained boosting with adaptive classifier assignment (the paper)",
  check(c, M) {
    if (c.aug.initialClassifiers.length > M) {
      throw new Error(
        `config: "aug.initialClassifiers" has ${c.aug.initialClassifiers.length} entries for ${M} modalities`,
      );
    }
  },
  create(gpu, rng, o, c, restored) {
    if (!restored) return AugModel.create(gpu, rng, o, c.aug.initialClassifiers);
    const counts = restored.classifiers.map((x) => x.count);
    return AugModel.create(gpu, rng, o, counts, restored.classifiers.map((x) => x.frozen));
  },
  step(model, batch, s) {
    const a = s.config.aug;
    augStep(model as AugModel, batch, { lambda: a.lambda, terms: a.terms, sgd: s.sgd }, s.stats);
  },
  statRows: (M) => M,
  endEpoch(model, e) {
    const aca = e.config.aug.aca, m_ = model as AugModel;
    if (!aca.enabled || !isAcaEpoch(e.epoch, aca.every)) return [];
    const added = assignClassifiers(e.scores, e.seen, aca);
    for (const m of added) m_.classifiers[m].add(e.rng, e.config.aug.newClassifiers === "frozen");
    return added;
  },
  fusionWeights(c, M) {
    if (c.fusionWeights.length === 0) return new Array(M).fill(1 / M);
    if (c.fusionWeights.length !== M) {
      throw new Error(
        `config: "fusionWeights" has ${c.fusionWeights.length} entries for ${M} modalities`,
      );
    }
    return c.fusionWeights;
  },
};
