/**
 * The tiny plan (two methods, two seeds, three epochs) as a SLURM job array on a real one-node
 * cluster (tests/_slurm.ts): one task requeued (scontrol requeue) and one cancelled (scancel),
 * each once its first checkpoint is written. The requeued task resumes in the same job; the
 * resubmitted array holds only the cancelled task, which resumes; the tree ends with the same
 * metrics and table as the plan run locally. Where SLURM cannot start here (not root, no
 * slurm-wlm), the test is skipped and says why.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readHistory } from "../../../pipelines/train/record.ts";
import { exists } from "../../../pipelines/io/files.ts";
import { slurmUnavailable, startSlurm } from "../../_slurm.ts";
import { checkPage, metrics, runSweep, tinyPlan } from "./_sweeps.ts";

const why = slurmUnavailable();
if (why) console.error(`slurm job-array test skipped: ${why}`);

async function squeue(job: string, env: Record<string, string>): Promise<string> {
  const r = await new Deno.Command("squeue", {
    args: ["-h", "-j", job, "-o", "%i %T"],
    env,
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(r.stdout).trim();
}

/** Wait until the array `job` has left the queue. */
async function waitJob(job: string, env: Record<string, string>, seconds = 240) {
  for (let t = 0; t < seconds * 5; t++) {
    if ((await squeue(job, env)) === "") return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`job ${job} still queued after ${seconds} s: ${await squeue(job, env)}`);
}

/** Wait until the run in `dir` has saved its first epoch. */
async function firstEpoch(dir: string, seconds = 240) {
  for (let t = 0; t < seconds * 20; t++) {
    const h = await readHistory(join(dir, "metrics.jsonl")).catch(() => []);
    if (h.length >= 1 && (await exists(join(dir, "last.safetensors")))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${dir}: no epoch saved in ${seconds} s`);
}

/** Run a SLURM client command; it must succeed. */
async function control(env: Record<string, string>, cmd: string, ...args: string[]) {
  const r = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  assert.ok(r.success, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
}

/** The table rows of a report.md (the accuracies; the per-folder table below names paths). */
const tableRows = (md: string) =>
  md.split("## Runs")[0].split("\n").filter((l) => l.startsWith("| "));

Deno.test({
  name:
    "slurm: a job array with a task requeued and one cancelled and resubmitted equals the local sweep",
  ignore: why !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { root, data, tune, planFile } = await tinyPlan(3);
    const local = await runSweep(planFile, data, join(root, "local"), tune);
    assert.ok(local.ok, local.text);
    const slurm = await startSlurm();
    try {
      const out = join(root, "cluster"), tree = join(out, "tiny");
      const args = ["--slurm", "--submit", "--gpus", "0", "--max-parallel", "1"];
      const first = await runSweep(planFile, data, out, tune, args, slurm.env);
      assert.ok(first.ok, first.text);
      assert.match(first.text, /a job array of 4 of 4 runs x seeds/);
      const job = first.text.match(/submitted: job (\d+)/)![1];
      const script = await Deno.readTextFile(join(tree, "slurm", "array.sbatch"));
      assert.match(script, /^#SBATCH --array=0-3%1$/m);

      // requeue the task of aug seed 0 (index 2) once its first epoch is saved: it resumes in
      // the same job; then cancel aug seed 1's (index 3) likewise
      await firstEpoch(join(tree, "aug", "seed0"));
      await control(slurm.env, "scontrol", "requeue", `${job}_2`);
      // a requeued job waits two minutes before it may start again: once it is back in the
      // queue, let it start now
      for (let t = 0; !(await squeue(`${job}_2`, slurm.env)).includes("PENDING"); t++) {
        if (t > 300) throw new Error(`${job}_2 never went back to the queue`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await control(slurm.env, "scontrol", "update", `JobId=${job}_2`, "StartTime=now");
      const victim = join(tree, "aug", "seed1");
      await firstEpoch(victim);
      await control(slurm.env, "scancel", `${job}_3`);
      await waitJob(job, slurm.env);
      const requeued = await Deno.readTextFile(join(tree, "slurm", `${job}_2.out`));
      assert.match(requeued, /run 2: aug seed 0 started[\s\S]*run 2: aug seed 0 resumed/, requeued);
      const cut = await readHistory(join(victim, "metrics.jsonl"));
      assert.ok(
        cut.length < 3,
        `the cancel came after aug seed 1 had finished (${cut.length} epochs)`,
      );
      assert.ok(await exists(join(victim, "sweep.lock")), "a cancelled task leaves its lock");
      const partial = await Deno.readTextFile(join(tree, "report.md"));
      assert.match(partial, /Partial: 3 of 4 runs finished \(not yet: aug seed 1\)/);

      // resubmitted: only the unfinished task, which takes over its lock and resumes
      const again = await runSweep(planFile, data, out, tune, args, slurm.env);
      assert.ok(again.ok, again.text);
      assert.match(again.text, /a job array of 1 of 4 runs x seeds/);
      const job2 = again.text.match(/submitted: job (\d+)/)![1];
      await waitJob(job2, slurm.env);
      const log = await Deno.readTextFile(join(tree, "slurm", `${job2}_3.out`));
      assert.match(log, /run 3: aug seed 1 resumed/, log);

      for (const run of ["naive", "aug"]) {
        for (const seed of [0, 1]) {
          const d = (o: string) => join(root, o, "tiny", run, `seed${seed}`);
          assert.deepEqual(
            await metrics(d("cluster")),
            await metrics(d("local")),
            `${run} ${seed}`,
          );
          assert.equal(await exists(join(d("cluster"), "sweep.lock")), false);
        }
      }
      const report = await Deno.readTextFile(join(tree, "report.md"));
      assert.doesNotMatch(report, /Partial/);
      assert.deepEqual(
        tableRows(report),
        tableRows(await Deno.readTextFile(join(root, "local", "tiny", "report.md"))),
      );
      await checkPage(join(tree, "report.html"));
      // every run finished: nothing to submit
      const none = await runSweep(planFile, data, out, tune, args, slurm.env);
      assert.match(none.text, /every run has finished; nothing to submit/);
    } finally {
      await slurm.stop();
    }
    await Deno.remove(root, { recursive: true });
  },
});
