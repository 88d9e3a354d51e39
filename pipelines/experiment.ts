/**
 * `deno task experiment PLAN [--data DIR] [--out DIR] [options]`: every run of an experiment plan
 * (configs/experiments/*.json) in a results tree OUT/<plan>/<run>/seed<N>/, skipping finished
 * runs and resuming interrupted ones, then OUT/<plan>/report.md and report.html (one
 * self-contained page with the table and the curves; pipelines/experiment/).
 *
 * options:
 *   --data DIR       the dataset folder (AV-Digits is embedded and needs none)
 *   --out DIR        the results root (default results/)
 *   --replan         continue a tree made with an earlier version of the plan (changed runs
 *                    restart)
 *   --jobs N         up to N runs at once, each its own process, where the adapter has room
 *                    (default 1: one after another in this process)
 *   --list           print each run x seed's index and state, and stop
 *   --run INDEX      train only run x seed INDEX (from --list), then rebuild the report: what a
 *                    job array task, a shell loop or GNU parallel calls
 *   --slurm          write OUT/<plan>/slurm/array.sbatch, a SLURM job array of the unfinished
 *                    runs (one task each, `--run` its index); with it:
 *     --submit       hand it to sbatch
 *     --partition P  --gpus N (per task, default 1)  --time T  --cpus N
 *     --max-parallel N   tasks at once    --sbatch ARG   any other sbatch option (repeatable)
 *     --deno PATH    the Deno binary the nodes run (default: this one)
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "./env.ts";
import { command } from "./command.ts";
import { ENTRIES } from "./entries.ts";
import { parsePlan, type Plan } from "./experiment/plan.ts";
import { checkData, runTask, sweep, type SweepOptions } from "./experiment/sweep.ts";
import { sweepJobs } from "./experiment/jobs.ts";
import { arrayScript, submit, unfinished } from "./experiment/slurm.ts";
import { openTree, planTasks, treeRoot, treeStates } from "./experiment/tree.ts";
import { writeTreeReport } from "./experiment/tree_report.ts";
import { writeFileAtomic } from "./io/atomic.ts";

await command(import.meta.url);

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string" },
    out: { type: "string", default: "results" },
    replan: { type: "boolean", default: false },
    jobs: { type: "string", default: "1" },
    list: { type: "boolean", default: false },
    run: { type: "string" },
    slurm: { type: "boolean", default: false },
    submit: { type: "boolean", default: false },
    partition: { type: "string" },
    gpus: { type: "string", default: "1" },
    time: { type: "string" },
    cpus: { type: "string" },
    "max-parallel": { type: "string" },
    sbatch: { type: "string", multiple: true, default: [] },
    deno: { type: "string" },
  },
  allowPositionals: true,
  strict: true,
});
if (positionals.length !== 1) throw new Error("give one plan file (configs/experiments/*.json)");

/** `--name`'s value as an integer >= `min`, or undefined where it was not given. */
function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new Error(`--${name} ${text}: must be an integer >= ${min}`);
  }
  return n;
}

async function readPlan(file: string): Promise<Plan> {
  const text = await Deno.readTextFile(file).catch(() => {
    throw new Error(`${file}: no such plan file`);
  });
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parsePlan(json, file, Object.keys(ENTRIES));
}

const file = positionals[0], plan = await readPlan(file), entry = ENTRIES[plan.dataset];
const root = treeRoot(values.out, plan), tasks = planTasks(plan, root);
const jobs = integer("jobs", values.jobs, 1)!, runIndex = integer("run", values.run, 0);
if (runIndex !== undefined && runIndex >= tasks.length) {
  throw new Error(`--run ${runIndex}: the plan has runs x seeds 0 to ${tasks.length - 1}`);
}
const modes = [values.list, runIndex !== undefined, values.slurm, jobs > 1].filter(Boolean);
if (modes.length > 1) throw new Error("give one of --list, --run, --slurm and --jobs");
if (values.submit && !values.slurm) throw new Error("--submit goes with --slurm");
checkData({ entry, dataDir: values.data, plan });

if (values.list) {
  for (const t of await treeStates(plan, root)) {
    console.log(`${t.index}\t${t.run.id}\tseed ${t.seed}\t${t.state}\t${t.dir}`);
  }
  Deno.exit(0);
}

await openTree(root, plan, values.replan);

if (values.slurm) {
  const left = await unfinished(plan, values.out);
  if (left.length === 0) {
    const r = await writeTreeReport(root, plan);
    console.log(`every run has finished; nothing to submit. report: ${r.markdown}, ${r.page}`);
    Deno.exit(0);
  }
  const maxParallel = integer("max-parallel", values["max-parallel"], 1);
  const script = arrayScript(plan, left, {
    planFile: file,
    out: values.out,
    dataDir: values.data,
    project: new URL("..", import.meta.url).pathname,
    deno: values.deno ?? Deno.execPath(),
  }, {
    partition: values.partition,
    gpus: integer("gpus", values.gpus, 0)!,
    time: values.time,
    cpus: integer("cpus", values.cpus, 1),
    maxParallel,
    extra: values.sbatch,
  });
  const path = join(root, "slurm", "array.sbatch");
  await Deno.mkdir(join(root, "slurm"), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(script));
  console.log(`${path}: a job array of ${left.length} of ${tasks.length} runs x seeds`);
  if (values.submit) {
    const job = await submit(path);
    console.log(`submitted: job ${job} (squeue -j ${job}; report: deno task report ${root})`);
  } else console.log(`submit it with: sbatch ${path}`);
  Deno.exit(0);
}

const gpu = await openGpu(envDevice(true));
const options: SweepOptions<unknown> = {
  gpu,
  plan,
  entry: entry as SweepOptions<unknown>["entry"],
  dataDir: values.data,
  out: values.out,
  log: (l) => console.error(l),
};
if (runIndex !== undefined) {
  const t = tasks[runIndex];
  const what = `run ${runIndex}: ${t.run.id} seed ${t.seed}`;
  await runTask(
    options,
    t,
    (a) => console.error(`${what} ${a === "skipped" ? "finished before, skipped" : a} (${t.dir})`),
  );
} else {
  console.error(
    `${plan.name}: ${plan.runs.length} runs x ${plan.seeds.length} seeds, ${gpu.adapterName}`,
  );
  if (jobs > 1) {
    await sweepJobs({
      planFile: file,
      plan,
      dataDir: values.data,
      out: values.out,
      jobs,
      adapter: gpu.adapterName,
      log: options.log,
    });
  } else await sweep(options);
}
await gpu.destroy();
const report = await writeTreeReport(root, plan);
console.log(`report: ${report.markdown}${report.page ? `, ${report.page}` : ""}`);
Deno.exit(0);
