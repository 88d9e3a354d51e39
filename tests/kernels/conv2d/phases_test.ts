import { deepEqual, ok as assert } from "node:assert/strict";
import { chunks, MAX_PHASES, phaseUniforms } from "../../../kernels/conv2d/phases.ts";
import { thrown } from "../../_helpers.ts";

Deno.test("phaseUniforms packs the common fields, then the phases from a 16-byte boundary", () => {
  const u = phaseUniforms([1, 2, 3, 4, 5], [[10, 11], [20, 21, 22]], 4);
  // 5 common fields padded to 8 words, then MAX_PHASES phases of 4 words (zeros past the given)
  assert(u.length === 8 + MAX_PHASES * 4, `length ${u.length}`);
  deepEqual(u.slice(0, 16), [1, 2, 3, 4, 5, 0, 0, 0, 10, 11, 0, 0, 20, 21, 22, 0]);
  assert(u.slice(16).every((v) => v === 0));
  deepEqual(phaseUniforms([1, 2, 3, 4], [], 4).slice(0, 4), [1, 2, 3, 4]); // aligned: no pad
  assert(thrown(() => phaseUniforms([], [[1, 2, 3]], 2)).includes("3 fields"));
  const many = Array.from({ length: MAX_PHASES + 1 }, () => [1]);
  assert(thrown(() => phaseUniforms([], many, 4)).includes(`at most ${MAX_PHASES}`));
});

Deno.test("chunks splits the phases into dispatches of at most MAX_PHASES", () => {
  const phases = Array.from({ length: 25 }, (_, i) => i);
  deepEqual(chunks(phases).map((c) => c.length), [16, 9]);
  deepEqual(chunks(phases).flat(), phases);
  deepEqual(chunks([]), []);
});
