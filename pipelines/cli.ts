/**
 * The command line shared by the dataset entry scripts:
 *   --data DIR  --config FILE  --set key=value (repeatable)  --method aug|naive|unimodal
 *   --seed N  --out DIR  --resume RUN_DIR
 * A run config is {"data": {...}, "train": {...}}: `data` holds the dataset's feature settings,
 * `train` the TrainConfig keys; both are merged over the defaults with unknown keys and bad values
 * rejected by name. `--set data.seconds=20` changes data, any other key changes train
 * (`--set aug.lambda=0.2`). The resolved run config is saved as run.json in the run folder, and
 * --resume reads it back.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { Gpu } from "../kernels/runtime/gpu.ts";
import {
  assignment,
  DEFAULT_CONFIG,
  type Json,
  mergeConfig,
  mergeJson,
  type TrainConfig,
} from "./train/config.ts";
import type { SplitData } from "./train/dataset.ts";
import { type RunSummary, train, type TrainOptions } from "./train/trainer.ts";
import { writeFileAtomic } from "./io/safetensors.ts";

/** A dataset entry: its name, default feature settings, and how to open its splits. */
export interface DatasetEntry<D> {
  name: string;
  data: D;
  /** True for a dataset shipped with the project (no --data folder needed). */
  embedded?: boolean;
  open(gpu: Gpu, dir: string, data: D): Promise<{ train: SplitData; test: SplitData }>;
}

/** The parsed command line and the resolved config. */
export interface RunPlan<D> {
  data: D;
  train: TrainConfig;
  dataDir: string;
  runDir: string;
  resume: boolean;
}

/** The options every training entry script takes (its --help text). */
export const RUN_OPTIONS = `options:
  --data DIR          the dataset folder (AV-Digits is embedded and needs none)
  --config FILE       a JSON config (configs/*.json); --set and the flags below override it
  --set key=value     any config key, repeatable: epochs=100, optimizer.lr=0.001,
                      aug.lambda=0.2, data.<setting>=... (the dataset's feature settings)
  --method M          aug | naive | unimodal
  --seed N            the training seed
  --out DIR           the run folder (default runs/<dataset>-<method>-s<seed>-<time>)
  --resume RUN_DIR    continue a run from its last checkpoint (its run.json gives the config)
  --help              this text`;

async function readJson(path: string): Promise<Record<string, Json>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new Error(`${path}: config file not found`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Parse `args` into a run plan (no side effects). */
export async function planRun<D>(entry: DatasetEntry<D>, args: string[]): Promise<RunPlan<D>> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: "string" },
      config: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      method: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      resume: { type: "string" },
    },
    strict: true,
  });
  const file = values.resume ? join(values.resume, "run.json") : values.config;
  const given = file ? await readJson(file) : {};
  for (const k of Object.keys(given)) {
    // run.json (a finished run's resolved config) also records dataset and dataDir
    if (!["data", "train", "dataset", "dataDir"].includes(k)) {
      throw new Error(`${file}: unknown key "${k}" (expected data, train)`);
    }
  }
  if (given.dataset && given.dataset !== entry.name) {
    throw new Error(`${file}: a ${given.dataset} run, not ${entry.name}`);
  }
  let data = mergeJson(entry.data, (given.data ?? {}) as Record<string, Json>, `${file} data`);
  let cfg = mergeConfig(
    DEFAULT_CONFIG,
    (given.train ?? {}) as Record<string, Json>,
    `${file} train`,
  );
  const sets = [...values.set];
  if (values.method) sets.push(`method=${values.method}`);
  if (values.seed) sets.push(`seed=${values.seed}`);
  for (const s of sets) {
    const { key, nested } = assignment(s);
    if (key.startsWith("data.")) {
      data = mergeJson(data, nested.data as Record<string, Json>, `--set ${key}`);
    } else cfg = mergeConfig(cfg, nested, `--set ${key}`);
  }
  const dataDir = values.data ?? (given.dataDir as string | undefined);
  if (!dataDir && !entry.embedded) {
    throw new Error(`--data DIR is required (${entry.name}; --help lists the options)`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const runDir = values.resume ?? values.out ??
    join("runs", `${entry.name}-${cfg.method}-s${cfg.seed}-${stamp}`);
  return { data, train: cfg, dataDir: dataDir ?? "", runDir, resume: !!values.resume };
}

/** Open the plan's data, save its resolved config as run.json, and train (or resume). */
export async function runPlan<D>(
  gpu: Gpu,
  entry: DatasetEntry<D>,
  plan: RunPlan<D>,
  options: Pick<TrainOptions, "log" | "progress"> = {},
): Promise<RunSummary> {
  if (!entry.embedded) {
    // before anything is read or written there (a mistyped path must not grow a cache folder)
    const info = await Deno.stat(plan.dataDir).catch(() => null);
    if (!info?.isDirectory) throw new Error(`--data ${plan.dataDir}: no such folder`);
  }
  const splits = await entry.open(gpu, plan.dataDir, plan.data);
  await Deno.mkdir(plan.runDir, { recursive: true });
  const run = { dataset: entry.name, dataDir: plan.dataDir, data: plan.data, train: plan.train };
  await writeFileAtomic(
    join(plan.runDir, "run.json"),
    new TextEncoder().encode(JSON.stringify(run, null, 2) + "\n"),
  );
  return await train({
    gpu,
    config: plan.train,
    ...splits,
    runDir: plan.runDir,
    resume: plan.resume,
    ...options,
  });
}

/** Plan, open the data, train (or resume), and print the summary. */
export async function runFromCli<D>(entry: DatasetEntry<D>, args = Deno.args): Promise<RunSummary> {
  const plan = await planRun(entry, args);
  const gpu = await Gpu.create({ autotune: true });
  console.error(
    `${entry.name}: ${plan.train.method}, seed ${plan.train.seed}, ${gpu.adapterName} -> ${plan.runDir}`,
  );
  const summary = await runPlan(gpu, entry, plan);
  console.log(`plots: ${join(plan.runDir, "plots")}/*.svg`);
  await gpu.destroy(); // shut the adapter down before the process exits (see tests/zz_teardown_test.ts)
  return summary;
}
