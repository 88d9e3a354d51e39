/**
 * The pieces of the sweep runners that need no training: the job pool's room rule, SLURM's index
 * lists and array script, the locks' SLURM rules, and the partial report's note.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { moreRuns } from "../../../pipelines/experiment/jobs.ts";
import { arrayScript, indexRanges } from "../../../pipelines/experiment/slurm.ts";
import { slurmJob, takeLock } from "../../../pipelines/experiment/lock.ts";
import { partialNote, scoreCells } from "../../../pipelines/experiment/summary.ts";
import type { EpochRecord } from "../../../pipelines/train/record.ts";
import { planTasks } from "../../../pipelines/experiment/tree.ts";
import type { Plan } from "../../../pipelines/experiment/plan.ts";

const PLAN: Plan = {
  name: "p",
  table: "a table",
  dataset: "crema-d",
  config: "configs/crema.json",
  seeds: [0, 1, 2],
  set: [],
  runs: [{ id: "naive", method: "naive", set: [] }, { id: "aug", method: "aug", set: [] }],
};

Deno.test("jobs: one run starts alone; more only as the adapter's free memory holds them", () => {
  assert.equal(moreRuns(0, 4, 0, null), 1, "the first always starts");
  assert.equal(moreRuns(1, 4, 100e9, null), 0, "no run's size known yet: wait");
  assert.equal(moreRuns(1, 4, 10e9, 2e9), 3, "10 GB free holds 3 more of 2 GB (x 1.5), up to 4");
  assert.equal(moreRuns(1, 4, 5e9, 2e9), 1);
  assert.equal(moreRuns(2, 4, 1e9, 2e9), 0, "no room");
  assert.equal(moreRuns(1, 3, null, null), 2, "free memory unknown: as many as asked");
  assert.equal(moreRuns(3, 3, null, 1), 0);
});

Deno.test("slurm: index lists, and the array script's directives and command", () => {
  assert.equal(indexRanges([0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
  assert.equal(indexRanges([4]), "4");
  assert.deepEqual(planTasks(PLAN, "/r").map((t) => [t.index, t.run.id, t.seed]), [
    [0, "naive", 0],
    [1, "naive", 1],
    [2, "naive", 2],
    [3, "aug", 0],
    [4, "aug", 1],
    [5, "aug", 2],
  ]);
  const script = arrayScript(PLAN, [1, 2, 4], {
    planFile: "/plans/p.json",
    out: "/shared/results",
    dataDir: "/data/CREMA D",
    project: "/src/mmboost",
    deno: "/opt/deno",
  }, { gpus: 1, partition: "gpu", time: "4:00:00", maxParallel: 2, extra: ["--account=lab"] });
  for (
    const line of [
      "#SBATCH --array=1-2,4%2",
      "#SBATCH --output=/shared/results/p/slurm/%A_%a.out",
      "#SBATCH --requeue",
      "#SBATCH --gres=gpu:1",
      "#SBATCH --partition=gpu",
      "#SBATCH --time=4:00:00",
      "#SBATCH --account=lab",
      "cd /src/mmboost",
      `exec /opt/deno run -A /src/mmboost/pipelines/experiment.ts /plans/p.json --out ` +
      `/shared/results --data '/data/CREMA D' --run "$SLURM_ARRAY_TASK_ID"`,
    ]
  ) assert.ok(script.split("\n").includes(line), `${line}\n${script}`);
  const none = arrayScript(PLAN, [0], {
    planFile: "p.json",
    out: "r",
    project: "/src",
    deno: "deno",
  }, { gpus: 0, extra: [] });
  assert.ok(!none.includes("--gres"), "--gpus 0 asks for none");
  assert.ok(!none.includes("--data"), "an embedded dataset takes no --data");
});

Deno.test("locks: a SLURM task takes over its own lock (requeued); another live job's stays", async () => {
  const dir = await Deno.makeTempDir(), lock = join(dir, "sweep.lock");
  assert.equal(
    slurmJob({ SLURM_ARRAY_JOB_ID: "7", SLURM_ARRAY_TASK_ID: "3", SLURM_JOB_ID: "9" }),
    "7_3",
  );
  assert.equal(slurmJob({ SLURM_JOB_ID: "9" }), "9");
  assert.equal(slurmJob({}), null);
  const saved = Deno.env.toObject();
  try {
    Deno.env.set("SLURM_ARRAY_JOB_ID", "41");
    Deno.env.set("SLURM_ARRAY_TASK_ID", "2");
    // written by this task's earlier life on another node
    await Deno.writeTextFile(lock, "123@another-node slurm=41_2\n");
    const release = await takeLock(dir);
    assert.match(await Deno.readTextFile(lock), new RegExp(`^${Deno.pid}@.* slurm=41_2\\n$`));
    await release();
    // another task's lock, where squeue cannot say it ended (PATH without squeue): kept
    await Deno.writeTextFile(lock, "123@another-node slurm=41_5\n");
    Deno.env.set("PATH", "/nonexistent");
    await assert.rejects(
      () => takeLock(dir),
      /another writer holds sweep\.lock \(123@another-node slurm=41_5\)/,
    );
  } finally {
    for (const k of ["SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"]) Deno.env.delete(k);
    Deno.env.set("PATH", saved.PATH);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("report: a partial table names the runs x seeds still missing", () => {
  const tasks = planTasks(PLAN, "/r");
  assert.equal(partialNote(PLAN, []), "");
  assert.equal(
    partialNote(PLAN, [tasks[1], tasks[3], tasks[5]]),
    "Partial: 3 of 6 runs finished (not yet: naive seed 1; aug seeds 0, 2); a row averages the " +
      "seeds finished.",
  );
});

Deno.test("report: the paper's missing-modality figures sit beside the measured ones", () => {
  const s = (acc: number) => ({ acc, f1: acc, mAP: acc });
  const epoch = (acc: number) =>
    ({
      test: {
        fused: s(acc),
        modalities: [s(acc), s(acc)],
        missing: [{ rate: 0.2, ...s(acc - 0.1) }, { rate: 0.5, ...s(acc - 0.2) }],
      },
    }) as unknown as EpochRecord;
  const run = { id: "aug", method: "aug", set: [], paper: 85.15, paperMissing: [75.4, 60.08] };
  const cells = scoreCells(run, [[epoch(0.8)], [epoch(0.9)]], [0.2, 0.5]);
  assert.deepEqual(cells.slice(5), [
    "75.00 ± 7.07 (paper 75.40)",
    "65.00 ± 7.07 (paper 60.08)",
    "85.15",
    "-0.15",
  ]);
  assert.deepEqual(scoreCells(run, [], [0.2, 0.5]).slice(-3), ["-", "85.15", "-"], "no seed yet");
});
