/**
 * A plan's sweep: every run x seed in a results tree OUT/<plan>/<run>/seed<N>/ (a run folder
 * each), run one after another on one adapter. A finished run (its checkpoint and every planned
 * epoch in metrics.jsonl) is skipped, an interrupted one resumes from its checkpoint, one that
 * stopped before its first checkpoint starts afresh. The tree keeps the plan it was made with
 * (plan.json): a changed plan is refused, naming each change, unless `replan` accepts it (runs
 * whose method or overrides changed then start afresh). A lock file per run folder keeps two
 * sweeps from writing the same run; a lock whose process is gone (on this host, where /proc lists
 * processes) is taken over.
 */
import { join } from "node:path";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { type DatasetEntry, planRun, runPlan } from "../cli.ts";
import { exists } from "../io/files.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { formatSeconds } from "../io/progress.ts";
import { RUN_FILES } from "../train/run_folder.ts";
import { readHistory } from "../train/record.ts";
import { type Plan, planChanges, type PlanRun } from "./plan.ts";

/** What a run folder holds, against its planned epochs. */
export type RunState = "finished" | "interrupted" | "unstarted" | "absent";

/** The state of the run in `dir` planned for `epochs` epochs. */
export async function runState(dir: string, epochs: number): Promise<RunState> {
  if (await exists(join(dir, "last.safetensors"))) {
    const done = (await readHistory(join(dir, "metrics.jsonl"))).length;
    return done >= epochs ? "finished" : "interrupted";
  }
  for (const f of RUN_FILES) if (await exists(join(dir, f))) return "unstarted";
  return "absent";
}

/** Take `dir`'s lock (sweep.lock: pid and host); released by the returned function. */
export async function takeLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, "sweep.lock"), me = `${Deno.pid}@${Deno.hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      await f.write(new TextEncoder().encode(me + "\n"));
      f.close();
      return () => Deno.remove(path).catch(() => {});
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
      const [pid, host] = holder.split("@");
      // gone: its process is not running on this host (known where /proc lists processes)
      const gone = host === Deno.hostname() && (await exists("/proc/self")) &&
        !(await exists(`/proc/${pid}`));
      if (!gone || attempt > 0) {
        throw new Error(
          `${dir}: another sweep is writing this run (${path}: pid ${holder}); wait for it, ` +
            `or remove the lock if that process is gone`,
        );
      }
      await Deno.remove(path).catch(() => {}); // its process is gone: a stale lock
    }
  }
  throw new Error(`${path}: could not take the lock`);
}

/** One finished run of a sweep. */
export interface SweepRun {
  /** The plan's run. */
  run: PlanRun;
  /** Its seed. */
  seed: number;
  /** Its run folder. */
  dir: string;
  /** What the sweep did: trained it, resumed it, or found it finished. */
  action: "trained" | "resumed" | "skipped";
}

/** Options of `sweep`. */
export interface SweepOptions<D> {
  /** The device every run trains on. */
  gpu: Gpu;
  /** The plan and its dataset's entry. */
  plan: Plan;
  entry: DatasetEntry<D>;
  /** The dataset folder (none for an embedded dataset). */
  dataDir?: string;
  /** The results root; the plan's tree is OUT/<plan name>. */
  out: string;
  /** Accept a changed plan (runs whose method or overrides changed start afresh). */
  replan?: boolean;
  /** Plain progress lines (one per run, and each run's log). */
  log: (line: string) => void;
  /** Per-epoch progress of each run (rate and ETA on a TTY). */
  progress?: boolean;
}

/** The plan's tree: its saved plan checked against `plan`; returns the runs to redo afresh. */
async function openTree(root: string, plan: Plan, replan: boolean): Promise<Set<string>> {
  await Deno.mkdir(root, { recursive: true });
  const file = join(root, "plan.json"), redo = new Set<string>();
  const text = await Deno.readTextFile(file).catch(() => null);
  if (text !== null) {
    const changes = planChanges(JSON.parse(text) as Plan, plan);
    if (changes.length && !replan) {
      throw new Error(
        `${file}: the results tree was made with another plan (${changes.join("; ")}); use ` +
          `another --out, or --replan to continue this tree with the new plan`,
      );
    }
    const old = JSON.parse(text) as Plan, before = new Map(old.runs.map((r) => [r.id, r]));
    for (const r of plan.runs) {
      const b = before.get(r.id);
      if (b && (b.method !== r.method || JSON.stringify(b.set) !== JSON.stringify(r.set))) {
        redo.add(r.id);
      }
    }
    // settings every run takes changed: every run restarts (a seed added or dropped does not)
    const shared = (p: Plan) => JSON.stringify([p.dataset, p.config, p.set]);
    if (shared(old) !== shared(plan)) { for (const r of plan.runs) redo.add(r.id); }
  }
  await writeFileAtomic(file, new TextEncoder().encode(JSON.stringify(plan, null, 2) + "\n"));
  return redo;
}

/** The entry-script arguments of one run x seed (before --out or --resume). */
function runArgs<D>(o: SweepOptions<D>, run: PlanRun, seed: number): string[] {
  const args = ["--config", o.plan.config];
  if (!o.entry.embedded) args.push("--data", o.dataDir ?? "");
  for (const s of [...o.plan.set, ...run.set]) args.push(`--set=${s}`);
  args.push(`--set=method=${run.method}`, `--set=seed=${seed}`);
  // a dataset assembled from a seed (AV-Digits) draws it from the run's seed too
  if (typeof (o.entry.data as Record<string, unknown>).seed === "number") {
    args.push(`--set=data.seed=${seed}`);
  }
  return args;
}

/** Run the plan's sweep (see the header); returns every run x seed with what was done. */
export async function sweep<D>(o: SweepOptions<D>): Promise<SweepRun[]> {
  if (!o.entry.embedded && !o.dataDir) throw new Error(`${o.plan.dataset}: --data DIR is needed`);
  const root = join(o.out, o.plan.name);
  const redo = await openTree(root, o.plan, o.replan ?? false);
  const tasks = o.plan.runs.flatMap((run) => o.plan.seeds.map((seed) => ({ run, seed })));
  const done: SweepRun[] = [];
  const started = performance.now();
  let trainedCount = 0;
  for (const [i, { run, seed }] of tasks.entries()) {
    const dir = join(root, run.id, `seed${seed}`);
    await Deno.mkdir(dir, { recursive: true });
    const release = await takeLock(dir);
    try {
      const args = runArgs(o, run, seed);
      const fresh = await planRun(o.entry, [...args, "--out", dir, "--overwrite"]);
      const state = redo.has(run.id) ? "unstarted" : await runState(dir, fresh.train.epochs);
      const left = tasks.length - i;
      const eta = trainedCount
        ? `, ETA ${formatSeconds(((performance.now() - started) / 1000 / trainedCount) * left)}`
        : "";
      const what = `${run.id} seed ${seed}`;
      if (state === "finished") {
        o.log(`sweep ${i + 1}/${tasks.length}: ${what} finished before, skipped${eta}`);
        done.push({ run, seed, dir, action: "skipped" });
        continue;
      }
      const resume = state === "interrupted";
      o.log(`sweep ${i + 1}/${tasks.length}: ${what} ${resume ? "resumed" : "started"}${eta}`);
      const plan = resume ? await planRun(o.entry, [...args, "--resume", dir]) : fresh;
      if (state === "absent") plan.overwrite = false;
      await runPlan(o.gpu, o.entry, plan, {
        log: (l) => o.log(`${what}: ${l}`),
        progress: o.progress,
      });
      trainedCount++;
      done.push({ run, seed, dir, action: resume ? "resumed" : "trained" });
    } finally {
      await release();
    }
  }
  return done;
}
