import assert from "node:assert/strict";
import { blendFromLosses, heldOut } from "../../../pipelines/train/methods/gblend.ts";

Deno.test("G-Blending's weights: generalisation gained per squared overfitting, normalised", () => {
  // head 0 gains 0.2 of held-out loss while its gap grows by 0.1; head 1 gains the same with a
  // gap growing by 0.4 (it overfits): w ~ 0.2 / 0.01 = 20 against 0.2 / 0.16 = 1.25
  const w = blendFromLosses([
    { trainFirst: 1.0, heldFirst: 1.2, trainLast: 0.7, heldLast: 1.0 },
    { trainFirst: 1.0, heldFirst: 1.2, trainLast: 0.4, heldLast: 1.0 },
  ]);
  assert.ok(Math.abs(w[0] - 20 / 21.25) < 1e-12 && Math.abs(w[1] - 1.25 / 21.25) < 1e-12, `${w}`);
  // a held-out loss that rises counts by its size (|G|), as the authors' code takes it
  const up = blendFromLosses([
    { trainFirst: 1, heldFirst: 1, trainLast: 0.5, heldLast: 1.1 },
    { trainFirst: 1, heldFirst: 1, trainLast: 0.5, heldLast: 0.9 },
  ]);
  assert.ok(up[0] < up[1], `the head overfitting more weighs less: ${up}`);
  assert.throws(
    () => blendFromLosses([{ trainFirst: 1, heldFirst: 1, trainLast: 1, heldLast: 1 }]),
    /no usable weight/,
  );
});

Deno.test("G-Blending's held-out part: a seeded, sorted share of the split", () => {
  const a = heldOut(100, 0.1, 3);
  assert.equal(a.length, 10);
  assert.deepEqual(a, heldOut(100, 0.1, 3), "the same seed, the same part");
  assert.notDeepEqual(a, heldOut(100, 0.1, 4));
  assert.deepEqual(a, [...a].sort((x, y) => x - y));
  assert.throws(() => heldOut(1, 0.5, 0), /leaves no training sample/);
});
