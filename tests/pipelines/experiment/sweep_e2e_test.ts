/**
 * A tiny plan (two methods, two seeds, one epoch, width 2, a generated CREMA-D folder) swept end
 * to end by `deno task experiment`: once straight through, once killed (SIGKILL) after its first
 * run finished and restarted. The restarted sweep skips what was finished and ends with the same
 * metrics as the uninterrupted one; a changed plan is refused by name, or taken with --replan; a
 * live lock is respected.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exists } from "../../../pipelines/io/files.ts";
import { takeLock } from "../../../pipelines/experiment/lock.ts";
import { checkPage, metrics, runSweep, sweepCommand, tinyPlan } from "./_sweeps.ts";

Deno.test({
  name: "experiment: a sweep killed after its first run and restarted equals one straight through",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { root, data, tune, plan, planFile } = await tinyPlan(1);
    const whole = await runSweep(planFile, data, join(root, "a"), tune);
    assert.ok(whole.ok, whole.text);
    const report = await Deno.readTextFile(join(root, "a", "tiny", "report.md"));
    assert.match(report, /\| naive \| naive \| [\d.]+ ± [\d.]+ \|/);
    assert.match(report, /\| 65\.07 \| -?[\d.]+ \|/);
    await checkPage(join(root, "a", "tiny", "report.html"));

    // killed once the first run has its checkpoint, then restarted
    const out = join(root, "b"), first = join(out, "tiny", "naive", "seed0");
    const child = sweepCommand(planFile, data, out, tune).spawn();
    while (!(await exists(join(first, "summary.md")))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await child.output();
    const again = await runSweep(planFile, data, out, tune);
    assert.ok(again.ok, again.text);
    assert.match(again.text, /naive seed 0 finished before, skipped/);
    assert.match(
      again.text,
      /aug seed 1 (started|resumed)/,
      "the kill came before the sweep's end",
    );
    for (const run of ["naive", "aug"]) {
      for (const seed of [0, 1]) {
        const d = (o: string) => join(root, o, "tiny", run, `seed${seed}`);
        assert.deepEqual(await metrics(d("b")), await metrics(d("a")), `${run} seed ${seed}`);
        assert.equal(await exists(join(d("b"), "sweep.lock")), false, "locks released");
      }
    }
    // --jobs 2: child processes, the same results
    const jobs = await runSweep(planFile, data, join(root, "c"), tune, ["--jobs", "2"]);
    assert.ok(jobs.ok, jobs.text);
    assert.match(jobs.text, /\[aug seed 1\] /, "a child's lines carry its run");
    assert.match(jobs.text, /sweep: 4\/4 done, 0 running/);
    // --run INDEX trains that one run x seed only; the report says what is missing
    const one = await runSweep(planFile, data, join(root, "d"), tune, ["--run", "3"]);
    assert.ok(one.ok, one.text);
    assert.match(one.text, /run 3: aug seed 1 started/);
    const partial = await Deno.readTextFile(join(root, "d", "tiny", "report.md"));
    assert.match(
      partial,
      /Partial: 1 of 4 runs finished \(not yet: naive seeds 0, 1; aug seed 0\)/,
    );
    await checkPage(join(root, "d", "tiny", "report.html"), true);
    const list = await runSweep(planFile, data, join(root, "d"), tune, ["--list"]);
    assert.match(list.text, /^0\tnaive\tseed 0\tabsent\t/m);
    assert.match(list.text, /^3\taug\tseed 1\tfinished\t/m);
    for (const run of ["naive", "aug"]) {
      for (const seed of [0, 1]) {
        const d = (o: string) => join(root, o, "tiny", run, `seed${seed}`);
        assert.deepEqual(await metrics(d("c")), await metrics(d("a")), `--jobs: ${run} ${seed}`);
      }
    }
    assert.deepEqual(
      await metrics(join(root, "d", "tiny", "aug", "seed1")),
      await metrics(join(root, "a", "tiny", "aug", "seed1")),
    );

    // a third pass reruns nothing
    const third = await runSweep(planFile, data, out, tune);
    assert.equal((third.text.match(/finished before, skipped/g) ?? []).length, 4, third.text);

    // a changed plan is refused by name
    await Deno.writeTextFile(planFile, JSON.stringify({ ...plan, seeds: [0, 1, 2] }));
    const changed = await runSweep(planFile, data, out, tune);
    assert.equal(changed.ok, false);
    assert.match(
      changed.text,
      /made with another plan \(seeds: \[0,1\] -> \[0,1,2\]\); use another --out, or --replan/,
    );
    // --replan takes it: a seed added trains only that seed
    const replanned = await runSweep(planFile, data, out, tune, ["--replan"]);
    assert.ok(replanned.ok, replanned.text);
    assert.equal((replanned.text.match(/finished before, skipped/g) ?? []).length, 4);
    assert.match(replanned.text, /naive seed 2 started[\s\S]*aug seed 2 started/);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test("experiment: a run's lock keeps a second sweep out; a dead process's lock is taken over", async () => {
  const dir = await Deno.makeTempDir();
  const release = await takeLock(dir);
  await assert.rejects(() => takeLock(dir), /another writer holds sweep.lock/);
  await release();
  await Deno.writeTextFile(join(dir, "sweep.lock"), `999999999@${Deno.hostname()}\n`);
  const again = await takeLock(dir); // pid 999999999 is not running: a stale lock
  await again();
  assert.equal(await exists(join(dir, "sweep.lock")), false);
  await Deno.remove(dir, { recursive: true });
});
