import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gpuTest, thrown } from "../../_helpers.ts";
import { syntheticSplit } from "../../_synthetic.ts";
import {
  DEFAULT_CONFIG,
  type Json,
  mergeConfig,
  setKey,
  type TrainConfig,
} from "../../../pipelines/train/config.ts";
import { train } from "../../../pipelines/train/trainer.ts";
import type { Gpu } from "../../../kernels/runtime/gpu.ts";
import type { EpochRecord } from "../../../pipelines/train/record.ts";
import { loadCheckpoint } from "../../../pipelines/train/checkpoint.ts";
import { METHODS } from "../../../pipelines/train/methods/registry.ts";

function tinyConfig(overrides: Record<string, Json> = {}): TrainConfig {
  const tiny = {
    epochs: 4,
    batchSize: 8,
    model: { width: 2, hidden: 8 },
    aug: { aca: { every: 2 } },
    reconboost: { stageEpochs: 1, rectifyEpochs: 1 }, // 3 epochs: both phases and a 2nd stage
    gblend: { superEpochs: 2 }, // estimates at epochs 0 and 2, around a resume after epoch 1
  };
  return mergeConfig(mergeConfig(DEFAULT_CONFIG, tiny), overrides);
}

const data = () => ({
  train: syntheticSplit("synthetic/train", 24, 3, 1),
  test: syntheticSplit("synthetic/test", 12, 3, 2),
});
const quiet = { log: () => {}, progress: false };

/** `config` trained for `split` epochs in runDir, then resumed there to its own epochs. */
async function splitRun(gpu: Gpu, config: TrainConfig, split: number, runDir: string) {
  await train({ gpu, config: { ...config, epochs: split }, ...data(), runDir, ...quiet });
  return await train({ gpu, config, ...data(), runDir, resume: true, ...quiet });
}
const strip = (h: EpochRecord[]) => h.map(({ seconds: _, ...r }) => r);

gpuTest(
  "resuming after k epochs reproduces an uninterrupted run exactly; same seed, same metrics",
  async (gpu) => {
    const dir = await Deno.makeTempDir();
    const cfg = tinyConfig();
    const full = await train({ gpu, config: cfg, ...data(), runDir: `${dir}/full`, ...quiet });
    const again = await train({ gpu, config: cfg, ...data(), runDir: `${dir}/again`, ...quiet });
    assertEquals(strip(again.history), strip(full.history), "same seed, same metrics");
    const resumed = await splitRun(gpu, cfg, 2, `${dir}/split`);
    assertEquals(
      strip(resumed.history),
      strip(full.history),
      "resumed run equals the uninterrupted one",
    );
    // ACA ran (after epochs 1, 2 and 4 with every = 2) and its classifiers were checkpointed
    if (!full.history.some((r) => r.added.length > 0)) {
      throw new Error(
        "no classifier was ever added",
      );
    }
    const ck = await loadCheckpoint(`${dir}/split/last.safetensors`);
    assertEquals(ck.meta.classifiers.map((x) => x.count), full.history[3].classifiers);
    assertEquals(ck.meta.epoch, 4);
    const files = [];
    for await (const e of Deno.readDir(`${dir}/split`)) files.push(e.name);
    assertEquals(files.sort(), [
      "best.safetensors",
      "config.json",
      "last.safetensors",
      "metrics.jsonl",
      "plots",
      "summary.md",
    ]);
    const plots = [];
    for await (const e of Deno.readDir(`${dir}/split/plots`)) plots.push(e.name);
    assertEquals(plots.sort(), ["accuracy.svg", "classifiers.svg", "gap.svg", "loss.svg"]);
    const lines = (await Deno.readTextFile(`${dir}/split/metrics.jsonl`)).trim().split("\n");
    assertEquals(lines.length, 4);
    await Deno.remove(dir, { recursive: true });
  },
);

for (const method of METHODS.filter((m) => m.name !== "aug")) { // AUG: the test above
  gpuTest(`${method.name}: a resumed run reproduces the uninterrupted one exactly`, async (gpu) => {
    const dir = await Deno.makeTempDir();
    const cfg = tinyConfig({ method: method.name, epochs: 3 });
    const full = await train({ gpu, config: cfg, ...data(), runDir: `${dir}/full`, ...quiet });
    const resumed = await splitRun(gpu, cfg, 1, `${dir}/split`);
    assertEquals(strip(resumed.history), strip(full.history), "resumed equals uninterrupted");
    if (method.name === "gblend") { // its held-out samples, listed once in the run folder
      const held = JSON.parse(await Deno.readTextFile(`${dir}/split/gblend_heldout.json`));
      assertEquals(held.held.length, Math.round(24 * 0.1));
    }
    await Deno.remove(dir, { recursive: true });
  });
}

gpuTest("naive joint and unimodal runs train, evaluate and write their tables", async (gpu) => {
  const dir = await Deno.makeTempDir();
  for (const method of ["naive", "unimodal"] as const) {
    const run = await train({
      gpu,
      config: tinyConfig({ method, epochs: 2 }),
      ...data(),
      runDir: `${dir}/${method}`,
      ...quiet,
    });
    const last = run.history[1];
    assertEquals(last.test.modalities.length, method === "naive" ? 2 : 1);
    assertEquals(last.test.missing.map((m) => m.rate), [0.2, 0.5]);
    if (!run.table.includes("| best |")) throw new Error(`no summary table: ${run.table}`);
  }
  await Deno.remove(dir, { recursive: true });
});

gpuTest("frozen new classifiers are recorded as frozen in the checkpoint", async (gpu) => {
  const dir = await Deno.makeTempDir();
  const cfg = setKey(
    setKey(tinyConfig({ epochs: 2 }), "aug.newClassifiers=frozen"),
    "aug.aca.rule=ratio",
  );
  const run = await train({ gpu, config: cfg, ...data(), runDir: dir, ...quiet });
  const ck = await loadCheckpoint(`${dir}/last.safetensors`);
  const added = run.history.flatMap((r) => r.added);
  if (added.length === 0) throw new Error("no classifier was added; the test checks nothing");
  for (const m of new Set(added)) {
    const frozen = ck.meta.classifiers[m].frozen;
    if (frozen[0] || !frozen.slice(1).every((f) => f)) {
      throw new Error(`frozen flags wrong: ${frozen}`);
    }
  }
  await Deno.remove(dir, { recursive: true });
});

gpuTest(
  "three modalities: AUG trains, fuses with three weights and assigns by the 0.4 share",
  async (gpu) => {
    const dir = await Deno.makeTempDir();
    const cfg = tinyConfig({
      epochs: 2,
      fusionWeights: [0.33, 0.33, 0.34],
      aug: { lambda: 0.2, initialClassifiers: [1, 1, 1], aca: { every: 1, threshold: 0.6 } },
    });
    const three = {
      train: syntheticSplit("s3/train", 24, 3, 1, 3),
      test: syntheticSplit("s3/test", 12, 3, 2, 3),
    };
    const run = await train({ gpu, config: cfg, ...three, runDir: dir, ...quiet });
    assertEquals(run.history[0].test.modalities.length, 3);
    assertEquals(run.history[0].train.score.length, 3);
    const S = run.history[0].train.score, total = S.reduce((a, b) => a + b);
    const want = S.flatMap((s, m) => (s / (total - s) < 0.6 ? [m] : []));
    assertEquals(run.history[0].added, want);
    await Deno.remove(dir, { recursive: true });
  },
);

/** Whether `method` refuses three modalities under `cfg`. */
function refuses(method: (typeof METHODS)[number], cfg: TrainConfig): boolean {
  try {
    method.check?.(cfg, 3);
    return false;
  } catch {
    return true;
  }
}

gpuTest(
  "three modalities: every method that takes them trains two epochs, scores stay finite",
  async (gpu) => {
    const three = {
      train: syntheticSplit("s3/train", 24, 3, 1, 3),
      test: syntheticSplit("s3/test", 12, 3, 2, 3),
    };
    // AUG: the test above; unimodal trains one modality
    for (const method of METHODS.filter((m) => !["aug", "unimodal"].includes(m.name))) {
      const cfg = tinyConfig({ method: method.name, epochs: 2, fusionWeights: [] });
      if (refuses(method, cfg)) continue; // two-modality rules (OGM-GE, PMR)
      const dir = await Deno.makeTempDir();
      const run = await train({ gpu, config: cfg, ...three, runDir: dir, ...quiet });
      const last = run.history[1].test;
      assertEquals(last.modalities.length, 3, method.name);
      for (const v of [last.fused.acc, ...last.modalities.map((m) => m.acc)]) {
        if (!Number.isFinite(v)) throw new Error(`${method.name}: accuracy ${v}`);
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("config errors name the key", () => {
  const cases: [() => unknown, string][] = [
    [() => mergeConfig(DEFAULT_CONFIG, { epochz: 3 }), `unknown key "epochz"`],
    [() => mergeConfig(DEFAULT_CONFIG, { aug: { lambda: "x" } }), `"aug.lambda" must be a number`],
    [
      () => setKey(DEFAULT_CONFIG, "aug.aca.rule=best"),
      `"aug.aca.rule" must be one of paper, ratio`,
    ],
    [() => setKey(DEFAULT_CONFIG, "batchSize=0"), `"batchSize" must be an integer >= 1, got 0`],
    [
      () => setKey(DEFAULT_CONFIG, "optimizer.momentum=-1"),
      `"optimizer.momentum" must be a number in [0, 1), got -1`,
    ],
    [
      () => setKey(DEFAULT_CONFIG, "scheduler.gamma=-5"),
      `"scheduler.gamma" must be a number in (0, 1], got -5`,
    ],
    [() => setKey(DEFAULT_CONFIG, "seed=1.5"), `"seed" must be an integer in [0, 4294967295]`],
    [() => setKey(DEFAULT_CONFIG, "seed=-1"), `"seed" must be an integer in [0, 4294967295]`],
    [
      () => setKey(DEFAULT_CONFIG, "optimizer.weightDecay=-0.1"),
      `"optimizer.weightDecay" must be a number >= 0, got -0.1`,
    ],
    [
      () => setKey(DEFAULT_CONFIG, "missingRates=[0.2,1.5]"),
      `"missingRates" entries must be a number in [0, 1], got 1.5`,
    ],
    [() => setKey(DEFAULT_CONFIG, "fusionWeights=[0,0]"), `"fusionWeights" are all 0`],
    [
      () => setKey(DEFAULT_CONFIG, 'fusionWeights=[0.5,"a"]'),
      `"fusionWeights" must be a list of numbers`,
    ],
    [
      () => setKey(DEFAULT_CONFIG, 'aug.terms={"all":false,"pre":false,"residual":false}'),
      "every loss term off",
    ],
  ];
  for (const [f, want] of cases) {
    const msg = thrown(() => f());
    if (!msg.includes(want)) throw new Error(`expected "${want}", got "${msg}"`);
  }
  assertEquals(setKey(DEFAULT_CONFIG, "aug.lambda=0.2").aug.lambda, 0.2);
});
