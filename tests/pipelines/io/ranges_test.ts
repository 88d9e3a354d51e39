import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { thrown } from "../../_helpers.ts";
import { checkRanges, describeRange, inRange } from "../../../pipelines/io/ranges.ts";
import { checkNvSettings, NV_SETTINGS } from "../../../pipelines/data/nvgesture.ts";
import { AV_DIGITS_DEFAULTS, checkAvDigits } from "../../../pipelines/data/av_digits.ts";
import { checkAvSettings } from "../../../pipelines/data/av_split.ts";
import { CREMA_SETTINGS } from "../../../pipelines/data/cremad.ts";

Deno.test("ranges: described as users read them, bounds inclusive or not, NaN never in range", () => {
  assertEquals(describeRange({ int: true, min: 1 }), "an integer >= 1");
  assertEquals(describeRange({ min: 0, below: 1 }), "a number in [0, 1)");
  assertEquals(describeRange({ above: 0, max: 1 }), "a number in (0, 1]");
  assertEquals(describeRange({ pow2: true, min: 2 }), "a power of two >= 2");
  assertEquals(describeRange({ above: 0 }), "a number > 0");
  assertEquals([inRange(1, { min: 0, below: 1 }), inRange(0, { min: 0, below: 1 })], [false, true]);
  assertEquals([inRange(NaN, {}), inRange(Infinity, { min: 0 })], [false, false]);
  assertEquals([64, 96, 1].map((v) => inRange(v, { pow2: true, min: 2 })), [true, false, false]);
  const msg = thrown(() => checkRanges({ a: { b: [0.5, 2] } }, { "a.b": { max: 1 } }, "cfg"));
  assertEquals(msg, `cfg: "a.b" entries must be a number <= 1, got 2`);
});

Deno.test("every dataset's settings are range-checked by key", () => {
  const cases: [() => void, string][] = [
    [
      () => checkNvSettings({ ...NV_SETTINGS, size: 300 }, "s"),
      `"data.size" must be an integer in [1, 256]`,
    ],
    [() => checkNvSettings({ ...NV_SETTINGS, maxStart: -1 }, "s"), `"data.maxStart" must be`],
    [() => checkNvSettings({ ...NV_SETTINGS, testFrames: 0 }, "s"), `"data.testFrames" must be`],
    [
      () => checkAvDigits({ ...AV_DIGITS_DEFAULTS, image: { noise: 1, dropout: 2 } }, "s"),
      `"data.image.dropout" must be a number in [0, 1], got 2`,
    ],
    [() => checkAvDigits({ ...AV_DIGITS_DEFAULTS, trainSize: 0 }, "s"), `"data.trainSize" must be`],
    [() => checkAvSettings({ ...CREMA_SETTINGS, minFrames: -1 }, "s"), `"data.minFrames" must be`],
  ];
  for (const [f, want] of cases) {
    const msg = thrown(f);
    if (!msg.startsWith("s: ") || !msg.includes(want)) throw new Error(`"${want}": got "${msg}"`);
  }
  checkNvSettings(NV_SETTINGS, "defaults");
  checkAvDigits(AV_DIGITS_DEFAULTS, "defaults");
  checkAvSettings(CREMA_SETTINGS, "defaults");
});
