/**
 * Every registered method trains and resumes through the entry scripts of CREMA-D,
 * Kinetics-Sounds and AV-Digits (tiny runs: one epoch, then a resume to two); the resumed
 * run's first epoch is the one the first run wrote. Exactness of resume per method is
 * tests/pipelines/train/trainer_test.ts's; this checks the command-line path.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { rejected, runEntry } from "../_helpers.ts";
import { makeCremaFixture, makeKsFixture, TINY_CREMA_ARGS } from "../_datasets.ts";
import { METHODS } from "../../pipelines/train/methods/registry.ts";

const lines = async (run: string) =>
  (await Deno.readTextFile(join(run, "metrics.jsonl"))).trim().split("\n").map((l) => {
    const { seconds: _, ...r } = JSON.parse(l);
    return r;
  });

const TINY_AV_DIGITS = [
  "--set=data.trainSize=24",
  "--set=data.testSize=12",
  "--set=batchSize=8",
  "--set=model.width=2",
  "--set=model.hidden=8",
];

for (
  const [entry, tiny, make] of [
    ["crema", TINY_CREMA_ARGS, makeCremaFixture],
    ["kinetics_sounds", TINY_CREMA_ARGS, makeKsFixture],
    ["av_digits", TINY_AV_DIGITS, null],
  ] as const
) {
  Deno.test({
    name: `${entry}: every method (${METHODS.map((m) => m.name).join(", ")}) trains and resumes`,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const root = await Deno.makeTempDir();
      const tune = join(root, "autotune.json");
      const data = make ? ["--data", join(root, "data")] : [];
      if (make) await make(join(root, "data"));
      for (const m of METHODS) {
        const out = join(root, m.name);
        await runEntry(entry, [
          ...data,
          ...tiny,
          "--method",
          m.name,
          "--set=epochs=1",
          "--out",
          out,
        ], tune);
        const first = await lines(out);
        await runEntry(entry, ["--resume", out, "--set=epochs=2"], tune);
        const both = await lines(out);
        assertEquals(both.length, 2, `${m.name}: two epochs after the resume`);
        assertEquals(both[0], first[0], `${m.name}: the first epoch kept`);
      }
      const bad = await rejected(runEntry(entry, [...data, ...tiny, "--method", "nope"], tune));
      if (!bad.includes(`"method" must be one of ${METHODS.map((m) => m.name).join(", ")}`)) {
        throw new Error(bad);
      }
      await Deno.remove(root, { recursive: true });
    },
  });
}
