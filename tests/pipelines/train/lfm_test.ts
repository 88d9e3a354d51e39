import assert from "node:assert/strict";
import { alphaBatch, lfmCoefficients, lfmRate } from "../../../pipelines/train/methods/lfm.ts";

Deno.test("LFM's schedule: the weight's rate halves at every 20th epoch; its fixed batch", () => {
  assert.deepEqual([0, 19, 20, 39, 40].map((e) => lfmRate(1e-4, e)), [
    1e-4,
    1e-4,
    5e-5,
    5e-5,
    2.5e-5,
  ]);
  // 2 (a0 CE + a1 A / P) for training, a0 CE + a1 A / P for the hypergradient; 3 pairs of 3
  assert.deepEqual(lfmCoefficients([0.75, 0.25], 2), [1.5, 0.5, 0.75, 0.25]);
  assert.deepEqual(lfmCoefficients([0.7, 0.3], 3).map((x) => +x.toFixed(12)), [1.4, 0.2, 0.7, 0.1]);
  const b = alphaBatch(100, 64, 0);
  assert.equal(b.length, 16, "a quarter of the batch");
  assert.deepEqual(b, alphaBatch(100, 64, 0), "drawn once from the seed");
  assert.equal(alphaBatch(100, 4, 0).length, 2, "at least two samples (training-mode BN)");
});
