import assert from "node:assert/strict";
import { join } from "node:path";
import { parsePlan, planChanges } from "../../../pipelines/experiment/plan.ts";
import { ENTRIES } from "../../../pipelines/entries.ts";
import { planRun } from "../../../pipelines/cli.ts";

const DATASETS = Object.keys(ENTRIES);
const base = {
  name: "t",
  table: "a table",
  dataset: "crema-d",
  config: "configs/crema.json",
  seeds: [0, 1],
  runs: [{ id: "naive", method: "naive" }],
};

Deno.test("plans: every shipped plan parses and each run x seed is a valid entry command", async () => {
  const dir = "configs/experiments";
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"));
  assert.ok(files.length >= 6, files.join(", "));
  const out = await Deno.makeTempDir();
  for (const f of files) {
    const plan = parsePlan(JSON.parse(await Deno.readTextFile(join(dir, f))), f, DATASETS);
    assert.equal(`${plan.name}.json`, f, "a plan's name is its file's");
    for (const run of plan.runs) {
      for (const seed of plan.seeds) {
        const sets = [...plan.set, ...run.set, `method=${run.method}`, `seed=${seed}`];
        const p = await planRun(ENTRIES[plan.dataset], [
          "--config",
          plan.config,
          "--data",
          "/nonexistent",
          ...sets.map((s) => `--set=${s}`),
          "--out",
          join(out, "x"),
        ]);
        assert.equal(p.train.method, run.method);
      }
    }
  }
  await Deno.remove(out, { recursive: true });
});

Deno.test("plans: errors name the file and the field", () => {
  const bad = (patch: Record<string, unknown>, want: RegExp) =>
    assert.throws(() => parsePlan({ ...base, ...patch } as never, "p.json", DATASETS), want);
  bad({ seed: [0] }, /p.json: unknown key "seed"/);
  bad({ dataset: "cifar" }, /p.json: "dataset" must be one of crema-d/);
  bad({ seeds: [0, 0] }, /"seeds" must be a non-empty list of distinct integers/);
  bad({ name: "a/b" }, /"name" must be letters, digits/);
  bad({ runs: [{ id: "x", method: "nope" }] }, /p.json runs\[0\]: config: "method" must be one of/);
  bad({ runs: [{ id: "x", method: "aug", paper: 120 }] }, /runs\[0\]: "paper" must be an accuracy/);
  bad(
    { runs: [{ id: "x", method: "aug" }, { id: "x", method: "naive" }] },
    /run id "x" appears twice/,
  );
  bad({ runs: [{ id: "x", method: "aug", sets: [] }] }, /runs\[0\]: unknown key "sets"/);
});

Deno.test("plans: a changed plan's changes, one line each", () => {
  const a = parsePlan(base as never, "a", DATASETS);
  const b = parsePlan(
    {
      ...base,
      seeds: [0, 1, 2],
      runs: [{ id: "naive", method: "naive", set: ["epochs=2"] }, { id: "aug", method: "aug" }],
    } as never,
    "b",
    DATASETS,
  );
  assert.deepEqual(planChanges(a, b), [
    "seeds: [0,1] -> [0,1,2]",
    'run naive: naive [] -> naive ["epochs=2"]',
    "run aug: added",
  ]);
  assert.deepEqual(planChanges(a, a), []);
});
