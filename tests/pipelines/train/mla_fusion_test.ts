import assert from "node:assert/strict";
import { batchEntropyFusion, entropyFusion } from "../../../pipelines/train/methods/mla.ts";

Deno.test("MLA's test fusion: the less uncertain modality weighs more, per sample or per batch", () => {
  const K = 3;
  // sample 0: modality 0 confident, 1 flat; sample 1: the other way round
  const z0 = new Float32Array([8, 0, 0, 0, 0, 0]), z1 = new Float32Array([0, 0, 0, 0, 9, 0]);
  const w = entropyFusion([z0, z1], 2, K);
  assert.ok(w[0][0] > 0.6 && w[1][1] > 0.6, JSON.stringify(w));
  for (const row of w) assert.ok(Math.abs(row[0] + row[1] - 1) < 1e-12, "weights sum to 1");
  const flat = entropyFusion([new Float32Array(3), new Float32Array(3)], 1, K);
  assert.deepEqual(flat, [[0.5, 0.5]], "equal entropies, equal weights");
  // H = ln 3 for a flat row: weights exp(max H - H_m) / sum
  const h0 = (() => {
    const e = [Math.exp(8), 1, 1], s = e[0] + 2;
    return -e.reduce((a, x) => a + (x / s) * Math.log(x / s), 0);
  })();
  const want = Math.exp(Math.log(3) - h0) / (Math.exp(Math.log(3) - h0) + 1);
  assert.ok(Math.abs(w[0][0] - want) < 1e-12, `${w[0][0]} vs ${want}`);
  const b = batchEntropyFusion([z0, z1], 2, K);
  assert.deepEqual(b[0], b[1], "one weight pair for the whole batch");
});
