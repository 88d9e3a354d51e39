import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { reconboostPhase } from "../../../pipelines/train/methods/reconboost.ts";
import { DEFAULT_CONFIG, setKey } from "../../../pipelines/train/config.ts";

Deno.test("ReconBoost's schedule: stages alternate modalities, phase 2 after each stage's own", () => {
  const c = setKey(
    setKey(DEFAULT_CONFIG, "reconboost.stageEpochs=2"),
    "reconboost.rectifyEpochs=1",
  );
  const at = (e: number, M = 2) => {
    const p = reconboostPhase(c, e, M);
    return [p.stage, p.modality, p.rectify ? "rectify" : "alone", p.trained.join("")];
  };
  assertEquals(
    [0, 1, 2, 3, 4, 5, 6].map((e) => at(e)),
    [
      [0, 0, "alone", ""], // nothing trained yet: the others' ensemble is uniform
      [0, 0, "alone", ""],
      [0, 0, "rectify", ""], // the ensemble is modality 0 alone
      [1, 1, "alone", "0"],
      [1, 1, "alone", "0"],
      [1, 1, "rectify", "0"],
      [2, 0, "alone", "01"], // from here every learner is in the ensemble
    ],
  );
  assertEquals(at(9, 3), [3, 0, "alone", "012"]);
  const none = setKey(c, "reconboost.rectifyEpochs=0");
  assertEquals(reconboostPhase(none, 2, 2).stage, 1, "no rectification: a stage per 2 epochs");
});
