/**
 * `--slurm`: a plan's unfinished runs x seeds as one SLURM job array, written to
 * OUT/<plan>/slurm/array.sbatch (and with `--submit` handed to `sbatch`). Array task i runs
 * `experiment PLAN --run i` into the shared results tree: it resumes its own checkpoint when the
 * task was preempted, requeued or resubmitted (`--requeue` is set; the run's lock knows its own
 * task), and rebuilds the tree's report when its run has finished. Task output goes to
 * OUT/<plan>/slurm/<array job>_<task>.out. Every path in the script is absolute, so the nodes need
 * the same paths: the project, Deno, the plan, the dataset and the results tree (a shared
 * filesystem), and a WebGPU adapter.
 */
import { join, resolve } from "node:path";
import type { Plan } from "./plan.ts";
import { treeRoot, treeStates } from "./tree.ts";

/** The directives a user may set (each optional; `extra` lines pass through as they are). */
export interface SlurmOptions {
  /** `--partition`. */
  partition?: string;
  /** GPUs per task (`--gres=gpu:N`; 0 asks for none). */
  gpus: number;
  /** `--time` (SLURM's formats: minutes, HH:MM:SS, D-HH). */
  time?: string;
  /** `--cpus-per-task`. */
  cpus?: number;
  /** At most this many tasks at once (the array's `%N`). */
  maxParallel?: number;
  /** More `sbatch` options, one each (`--account=lab`, `--qos=high`). */
  extra: string[];
}

/** `[0, 1, 2, 5, 7, 8]` -> `"0-2,5,7-8"` (SLURM's array index list). */
export function indexRanges(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** `s` as one shell word (quoted where it holds anything but plain path characters). */
const quote = (s: string) => /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;

/** The job array's script for the runs `indices` of the plan in `planFile`. */
export function arrayScript(
  plan: Plan,
  indices: number[],
  paths: { planFile: string; out: string; dataDir?: string; project: string; deno: string },
  o: SlurmOptions,
): string {
  const logs = join(resolve(treeRoot(paths.out, plan)), "slurm");
  const directives = [
    `--job-name=mmboost-${plan.name}`,
    `--array=${indexRanges(indices)}${o.maxParallel ? `%${o.maxParallel}` : ""}`,
    `--output=${logs}/%A_%a.out`,
    "--open-mode=append",
    "--requeue",
    "--ntasks=1",
    ...(o.gpus > 0 ? [`--gres=gpu:${o.gpus}`] : []),
    ...(o.cpus ? [`--cpus-per-task=${o.cpus}`] : []),
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...o.extra,
  ];
  const args = [
    resolve(paths.project, "pipelines/experiment.ts"),
    resolve(paths.planFile),
    "--out",
    resolve(paths.out),
    ...(paths.dataDir ? ["--data", resolve(paths.dataDir)] : []),
  ];
  return [
    "#!/bin/bash",
    `# ${plan.name}: ${indices.length} runs x seeds of ${plan.table}`,
    `# written by: deno task experiment ${paths.planFile} --slurm; resubmit it as it is after a`,
    "# cancel (finished runs are skipped, interrupted ones resume), or rewrite it to leave them out",
    ...directives.map((d) => `#SBATCH ${d}`),
    "set -euo pipefail",
    `cd ${quote(resolve(paths.project))}`,
    'export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"',
    `exec ${quote(paths.deno)} run -A ${args.map(quote).join(" ")} --run "$SLURM_ARRAY_TASK_ID"`,
    "",
  ].join("\n");
}

/** The indices of the plan's runs x seeds not finished in the tree under `out`. */
export async function unfinished(plan: Plan, out: string): Promise<number[]> {
  const tasks = await treeStates(plan, treeRoot(out, plan));
  return tasks.filter((t) => t.state !== "finished").map((t) => t.index);
}

/** Submit `script` with sbatch; returns the array's job id. */
export async function submit(script: string): Promise<string> {
  const r = await new Deno.Command("sbatch", {
    args: ["--parsable", script],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((e) => {
    throw new Error(`sbatch: could not run it (${(e as Error).message}); is SLURM installed here?`);
  });
  const text = new TextDecoder().decode(r.stdout).trim();
  if (!r.success) {
    throw new Error(`sbatch ${script}: ${new TextDecoder().decode(r.stderr).trim() || text}`);
  }
  return text.split(";")[0];
}
