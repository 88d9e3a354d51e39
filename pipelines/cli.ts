/**
 * The command line shared by the dataset entry scripts:
 *   --data DIR  --config FILE  --set key=value (repeatable)  --method NAME
 *   --seed N  --out DIR [--overwrite]  --resume RUN_DIR  --prepare
 * A run config is {"data": {...}, "train": {...}}: `data` holds the dataset's feature settings,
 * `train` the TrainConfig keys; both are merged over the defaults with unknown keys and bad values
 * (types and ranges) rejected by name before any work starts. `--set data.seconds=20` changes
 * data, any other key changes train (`--set aug.lambda=0.2`). The resolved run config is saved
 * as run.json in the run folder once the model is built, and --resume reads it back; --config
 * and --set on a resume are overrides of it, which may change the schedule (epochs, optimizer,
 * scheduler, loss and ACA settings) but not what the checkpoint was made of (method, seed,
 * model, data settings, fusion weights).
 */
import { methodFor, METHODS } from "./train/methods/registry.ts";
import { parseArgs } from "node:util";
import { join } from "node:path";
import type { Gpu } from "../kernels/runtime/gpu.ts";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "./env.ts";
import {
  assignment,
  DEFAULT_CONFIG,
  type Json,
  mergeConfig,
  mergeJson,
  type TrainConfig,
} from "./train/config.ts";
import type { SplitData } from "./data/split.ts";
import { type RunSummary, train, type TrainOptions } from "./train/trainer.ts";
import { checkNewRunFolder, checkResumable } from "./train/run_folder.ts";
import { exists } from "./io/files.ts";

/** A dataset entry: its name, default feature settings, and how to open its splits. */
export interface DatasetEntry<D> {
  name: string;
  data: D;
  /** True for a dataset shipped with the project (no --data folder needed). */
  embedded?: boolean;
  /** Range checks of the settings; errors name the key ("data.hop") and `source`. */
  check?(data: D, source: string): void;
  /** `--prepare`: one-off work on the dataset folder (frames from videos, optical flow). */
  prepare?(dir: string): Promise<unknown>;
  open(gpu: Gpu, dir: string, data: D): Promise<{ train: SplitData; test: SplitData }>;
}

/** The parsed command line and the resolved config. */
export interface RunPlan<D> {
  data: D;
  train: TrainConfig;
  dataDir: string;
  runDir: string;
  resume: boolean;
  /** Replace a run already in runDir (--overwrite). */
  overwrite: boolean;
  /** Run the entry's prepare step first (--prepare). */
  prepare: boolean;
  /** On a resume: the keys the command line changed, "epochs: 1 -> 2". */
  changes: string[];
}

/** The options every training entry script takes (its --help text). */
export const RUN_OPTIONS = `options:
  --data DIR          the dataset folder (AV-Digits is embedded and needs none)
  --config FILE       a JSON config (configs/*.json); --set and the flags below override it
  --set key=value     any config key, repeatable: epochs=100, optimizer.lr=0.001,
                      aug.lambda=0.2, data.<setting>=... (the dataset's feature settings)
  --method M          ${METHODS.map((m) => m.name).join(" | ")}
  --seed N            the training seed
  --out DIR           the run folder (default runs/<dataset>-<method>-s<seed>-<time>); a folder
                      that already holds a run is refused
  --overwrite         with --out: replace the run in that folder
  --resume RUN_DIR    continue a run from its last checkpoint (its run.json gives the config;
                      --config and --set may change the schedule, e.g. epochs)
  --prepare           first prepare the dataset folder (CREMA-D: frames from VideoFlash;
                      NVGesture: frames and optical flow)
  --help              this text`;

/** Keys of a run that a resume keeps: what the checkpoint and its history were made with. */
const KEPT_ON_RESUME = [
  "train.method",
  "train.seed",
  "train.model.",
  "train.unimodal.",
  "train.aug.initialClassifiers",
  "train.fusionWeights",
  "data.",
];

async function readJson(path: string, what = "config file"): Promise<Record<string, Json>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new Error(`${path}: ${what} not found`);
  }
  let value: Json;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${path}: expected a JSON object with "data" and "train"`);
  }
  for (const k of Object.keys(value)) {
    // run.json (a run's resolved config) also records dataset and dataDir
    if (!["data", "train", "dataset", "dataDir"].includes(k)) {
      throw new Error(`${path}: unknown key "${k}" (expected data, train)`);
    }
  }
  return value;
}

/** Leaves of a JSON object as "a.b" -> JSON text. */
function leaves(v: Json, prefix: string, out = new Map<string, string>()): Map<string, string> {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) leaves(x, `${prefix}${k}.`, out);
  } else out.set(prefix.slice(0, -1), JSON.stringify(v));
  return out;
}

/** A file-name-safe time stamp, e.g. 2026-12-07T22-45-25. */
export function timeStamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, "-").slice(0, 19);
}

/** Parse `args` into a run plan. It only reads: bad values, folders and files fail here. */
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
      overwrite: { type: "boolean", default: false },
      resume: { type: "string" },
      prepare: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.resume && values.out) {
    throw new Error("--resume and --out: give one (a resumed run stays in its own folder)");
  }
  if (values.resume && values.overwrite) {
    throw new Error("--resume and --overwrite: give one (--overwrite starts the run afresh)");
  }
  if (values.prepare && !entry.prepare) {
    throw new Error(`--prepare: ${entry.name} has no prepare step`);
  }
  const check = (d: D, source: string) => {
    entry.check?.(d, source);
    return d;
  };
  let data = entry.data, cfg = DEFAULT_CONFIG;
  const apply = (given: Record<string, Json>, file: string) => {
    if (given.dataset !== undefined && given.dataset !== entry.name) {
      throw new Error(`${file}: a ${given.dataset} run, not ${entry.name}`);
    }
    const d = (given.data ?? {}) as Record<string, Json>;
    data = check(mergeJson(data, d, `${file} data`), `${file} data`);
    cfg = mergeConfig(cfg, (given.train ?? {}) as Record<string, Json>, `${file} train`);
  };
  let saved: Record<string, Json> = {};
  if (values.resume) {
    const runJson = join(values.resume, "run.json");
    if (!(await exists(runJson))) {
      throw new Error(`--resume ${values.resume}: not a run folder (no run.json)`);
    }
    saved = await readJson(runJson, "run config");
    apply(saved, runJson);
    await checkResumable(values.resume);
  }
  const before = leaves({ data, train: cfg } as unknown as Json, "");
  if (values.config) apply(await readJson(values.config), values.config);
  const sets = [...values.set];
  if (values.method) sets.push(`method=${values.method}`);
  if (values.seed) sets.push(`seed=${values.seed}`);
  for (const s of sets) {
    const { key, nested } = assignment(s);
    if (key.startsWith("data.")) {
      const src = `--set ${key}`;
      data = check(mergeJson(data, nested.data as Record<string, Json>, src), src);
    } else cfg = mergeConfig(cfg, nested, `--set ${key}`);
  }
  methodFor(cfg.method); // an unknown method is an error before any data is read
  const changes: string[] = [];
  if (values.resume) {
    for (const [key, now] of leaves({ data, train: cfg } as unknown as Json, "")) {
      const was = before.get(key);
      if (was === now) continue;
      const name = key.replace(/^train\./, "");
      if (KEPT_ON_RESUME.some((k) => key === k || (k.endsWith(".") && key.startsWith(k)))) {
        throw new Error(
          `--resume ${values.resume}: "${name}" was ${was} in its run.json, the overrides make ` +
            `it ${now}; a resumed run keeps its method, seed, model, data settings and fusion ` +
            `weights (start a new run with --out to change them)`,
        );
      }
      changes.push(`${name}: ${was} -> ${now}`);
    }
  }
  const dataDir = values.data ?? (saved.dataDir as string | undefined);
  if (!dataDir && !entry.embedded) {
    throw new Error(`--data DIR is required (${entry.name}; --help lists the options)`);
  }
  const runDir = values.resume ?? values.out ??
    join("runs", `${entry.name}-${cfg.method}-s${cfg.seed}-${timeStamp()}`);
  if (!values.resume) await checkNewRunFolder(runDir, values.overwrite);
  return {
    data,
    train: cfg,
    dataDir: dataDir ?? "",
    runDir,
    resume: !!values.resume,
    overwrite: values.overwrite,
    prepare: values.prepare,
    changes,
  };
}

/** Prepare and open the plan's data, then train (or resume); run.json is written by `train`. */
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
  if (plan.prepare) await entry.prepare?.(plan.dataDir);
  const splits = await entry.open(gpu, plan.dataDir, plan.data);
  const run = { dataset: entry.name, dataDir: plan.dataDir, data: plan.data, train: plan.train };
  return await train({
    gpu,
    config: plan.train,
    ...splits,
    runDir: plan.runDir,
    resume: plan.resume,
    overwrite: plan.overwrite,
    files: { "run.json": JSON.stringify(run, null, 2) + "\n" },
    ...options,
  });
}

/** Plan, open the data, train (or resume), and print the summary. */
export async function runFromCli<D>(entry: DatasetEntry<D>, args = Deno.args): Promise<RunSummary> {
  const plan = await planRun(entry, args);
  const gpu = await openGpu(envDevice(true));
  console.error(
    `${entry.name}: ${plan.train.method}, seed ${plan.train.seed}, ${gpu.adapterName} -> ${plan.runDir}`,
  );
  for (const c of plan.changes) console.error(`resume: ${c}`);
  const summary = await runPlan(gpu, entry, plan);
  console.log(`plots: ${join(plan.runDir, "plots")}/*.svg`);
  await gpu.destroy(); // shut the adapter down before the process exits (see tests/zz_teardown_test.ts)
  return summary;
}
