/**
 * A plan's sweep over its results tree (tree.ts): every run x seed trained into its own folder. A
 * finished run (its checkpoint and every planned epoch in metrics.jsonl) is skipped, an
 * interrupted one resumes from its checkpoint, one that stopped before its first checkpoint
 * starts afresh. A run folder's lock (lock.ts) keeps two writers out of one run. `runTask` is one
 * run x seed (what `--run INDEX` and a SLURM array task do); `sweep` runs them all, one after
 * another on one adapter, with one progress line for the sweep above each run's own.
 */
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { type DatasetEntry, planRun, runPlan } from "../cli.ts";
import { formatSeconds, setProgressHeader } from "../io/progress.ts";
import type { Plan } from "./plan.ts";
import { takeLock } from "./lock.ts";
import { planTasks, runState, type SweepTask, treeRoot } from "./tree.ts";

/** What was done with one run x seed: trained afresh, resumed, or found finished. */
export type RunAction = "trained" | "resumed" | "skipped";

/** Options of `sweep` and `runTask`. */
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
  /** Plain progress lines (one per run, and each run's log). */
  log: (line: string) => void;
  /** Per-epoch progress of each run (rate and ETA on a TTY). */
  progress?: boolean;
}

/** The entry-script arguments of one run x seed (before --out or --resume). */
function runArgs<D>(o: SweepOptions<D>, task: SweepTask): string[] {
  const args = ["--config", o.plan.config];
  if (!o.entry.embedded) args.push("--data", o.dataDir ?? "");
  for (const s of [...o.plan.set, ...task.run.set]) args.push(`--set=${s}`);
  args.push(`--set=method=${task.run.method}`, `--set=seed=${task.seed}`);
  // a dataset assembled from a seed (AV-Digits) draws it from the run's seed too
  if (typeof (o.entry.data as Record<string, unknown>).seed === "number") {
    args.push(`--set=data.seed=${task.seed}`);
  }
  return args;
}

/** The dataset folder is given where the entry needs one; else a named error. */
export function checkData<D>(o: Pick<SweepOptions<D>, "entry" | "dataDir" | "plan">): void {
  if (!o.entry.embedded && !o.dataDir) throw new Error(`${o.plan.dataset}: --data DIR is needed`);
}

/**
 * Train one run x seed of an opened tree (skipped when finished, resumed when interrupted);
 * `before` is called with what is about to be done, before any training.
 */
export async function runTask<D>(
  o: SweepOptions<D>,
  task: SweepTask,
  before: (action: RunAction | "started") => void = () => {},
): Promise<RunAction> {
  await Deno.mkdir(task.dir, { recursive: true });
  const release = await takeLock(task.dir);
  try {
    const args = runArgs(o, task);
    const fresh = await planRun(o.entry, [...args, "--out", task.dir, "--overwrite"]);
    const state = await runState(task.dir, fresh.train.epochs);
    if (state === "finished") {
      before("skipped");
      return "skipped";
    }
    const resume = state === "interrupted";
    before(resume ? "resumed" : "started");
    const plan = resume ? await planRun(o.entry, [...args, "--resume", task.dir]) : fresh;
    if (state === "absent") plan.overwrite = false;
    const what = `${task.run.id} seed ${task.seed}`;
    await runPlan(o.gpu, o.entry, plan, {
      log: (l) => o.log(`${what}: ${l}`),
      progress: o.progress,
    });
    return resume ? "resumed" : "trained";
  } finally {
    await release();
  }
}

/** The sweep's ETA from the runs trained so far and the runs left ("" before any). */
export function sweepEta(trainedSeconds: number, trained: number, left: number): string {
  return trained ? `, ETA ${formatSeconds((trainedSeconds / trained) * left)}` : "";
}

/** Run every run x seed of the plan in its opened tree (tree.ts's `openTree`), in turn. */
export async function sweep<D>(o: SweepOptions<D>): Promise<SweepTask[]> {
  checkData(o);
  const tasks = planTasks(o.plan, treeRoot(o.out, o.plan));
  let trained = 0, seconds = 0;
  try {
    for (const task of tasks) {
      const head = (what: string) =>
        `sweep ${task.index + 1}/${tasks.length}: ${task.run.id} seed ${task.seed} ${what}` +
        sweepEta(seconds, trained, tasks.length - task.index);
      const t0 = performance.now();
      const action = await runTask(o, task, (a) => {
        const line = head(a === "skipped" ? "finished before, skipped" : a);
        o.log(line);
        setProgressHeader(line);
      });
      if (action !== "skipped") {
        trained++;
        seconds += (performance.now() - t0) / 1000;
      }
    }
  } finally {
    setProgressHeader(null);
  }
  return tasks;
}
