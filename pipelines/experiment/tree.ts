/**
 * A plan's results tree OUT/<plan>/: plan.json (the plan it was made with) and a run folder
 * <run>/seed<N>/ per run x seed. The runs x seeds are numbered in the plan's order, seeds within a
 * run (run r, seed s -> r * seeds + s): the index `--run INDEX` and a SLURM array task take.
 */
import { join } from "node:path";
import { exists } from "../io/files.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { clearRunFolder, RUN_FILES } from "../train/run_folder.ts";
import { readHistory } from "../train/record.ts";
import { type Plan, planChanges, type PlanRun } from "./plan.ts";
import { takeLock } from "./lock.ts";

/** One run x seed of a plan. */
export interface SweepTask {
  /** Its index in the plan (see the header). */
  index: number;
  /** The plan's run. */
  run: PlanRun;
  /** Its seed. */
  seed: number;
  /** Its run folder. */
  dir: string;
}

/** What a run folder holds, against its planned epochs. */
export type RunState = "finished" | "interrupted" | "unstarted" | "absent";

/** The plan's tree under the results root `out`. */
export const treeRoot = (out: string, plan: Plan) => join(out, plan.name);

/** Every run x seed of `plan` in the tree at `root`, by index. */
export function planTasks(plan: Plan, root: string): SweepTask[] {
  return plan.runs.flatMap((run, r) =>
    plan.seeds.map((seed, s) => ({
      index: r * plan.seeds.length + s,
      run,
      seed,
      dir: join(root, run.id, `seed${seed}`),
    }))
  );
}

/** The state of the run in `dir` planned for `epochs` epochs. */
export async function runState(dir: string, epochs: number): Promise<RunState> {
  if (await exists(join(dir, "last.safetensors"))) {
    const done = (await readHistory(join(dir, "metrics.jsonl"))).length;
    return done >= epochs ? "finished" : "interrupted";
  }
  for (const f of RUN_FILES) if (await exists(join(dir, f))) return "unstarted";
  return "absent";
}

/** The state of a task's folder against the epochs its own run.json planned (for reports). */
export async function savedState(dir: string): Promise<RunState> {
  const run = await Deno.readTextFile(join(dir, "run.json")).then(JSON.parse).catch(() => null);
  const epochs = run?.train?.epochs;
  return await runState(dir, typeof epochs === "number" ? epochs : Infinity);
}

/** Every run x seed of `plan` in the tree at `root`, with the state its folder is in. */
export async function treeStates(
  plan: Plan,
  root: string,
): Promise<(SweepTask & { state: RunState })[]> {
  const tasks = planTasks(plan, root);
  const states = await Promise.all(tasks.map((t) => savedState(t.dir)));
  return tasks.map((t, i) => ({ ...t, state: states[i] }));
}

/** The plan saved in the tree at `root`, or null where there is none. */
export async function savedPlan(root: string): Promise<Plan | null> {
  const text = await Deno.readTextFile(join(root, "plan.json")).catch(() => null);
  return text === null ? null : JSON.parse(text) as Plan;
}

/**
 * Open (or make) the plan's tree at `root`: a saved plan that differs from `plan` is refused,
 * naming each change, unless `replan`; then the runs whose method or overrides changed (every
 * run, where the dataset, config or shared overrides did) have their folders cleared, to start
 * afresh; a seed added or dropped keeps the finished runs.
 */
export async function openTree(root: string, plan: Plan, replan: boolean): Promise<void> {
  await Deno.mkdir(root, { recursive: true });
  const file = join(root, "plan.json"), old = await savedPlan(root);
  if (old !== null) {
    const changes = planChanges(old, plan);
    if (changes.length && !replan) {
      throw new Error(
        `${file}: the results tree was made with another plan (${changes.join("; ")}); use ` +
          `another --out, or --replan to continue this tree with the new plan`,
      );
    }
    const before = new Map(old.runs.map((r) => [r.id, r]));
    const shared = (p: Plan) => JSON.stringify([p.dataset, p.config, p.set]);
    const all = shared(old) !== shared(plan);
    for (const task of planTasks(plan, root)) {
      const b = before.get(task.run.id);
      const changed = b &&
        (b.method !== task.run.method || JSON.stringify(b.set) !== JSON.stringify(task.run.set));
      if (!(all || changed) || !(await exists(task.dir))) continue;
      const release = await takeLock(task.dir);
      try {
        await clearRunFolder(task.dir);
      } finally {
        await release();
      }
    }
  }
  await writeFileAtomic(file, new TextEncoder().encode(JSON.stringify(plan, null, 2) + "\n"));
}
