/**
 * A run folder's files as training writes them: before the first epoch (extra files such as
 * run.json, config.json, metrics.jsonl cut to the resumed epoch, stale temporary files swept),
 * after each epoch (its metrics line, last.safetensors, best.safetensors when it is the best,
 * the plots), and the error naming the checkpoint to go back to when a run diverges.
 */
import { join } from "node:path";
import type { Rng } from "../../kernels/init/init.ts";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { AugModel, type ModelOptions } from "../models/multimodal.ts";
import { appendText, sweepTemp, sweptLine, writeFileAtomic } from "../io/atomic.ts";
import { readSafetensorsMetadata } from "../io/safetensors.ts";
import { exists } from "../io/files.ts";
import type { TrainConfig } from "./config.ts";
import { type EpochRecord, readHistory } from "./record.ts";
import { clearRunFolder } from "./run_folder.ts";
import type { Model } from "./methods/method.ts";
import { type CheckpointMeta, saveCheckpoint } from "./checkpoint.ts";
import { writePlots } from "./report.ts";

/** What the run's files are made from (a TrainOptions provides it). */
export interface RunFiles {
  gpu: Gpu;
  config: TrainConfig;
  runDir: string;
  resume?: boolean;
  overwrite?: boolean;
  files?: Record<string, string>;
}

/** The run's files before its first epoch: extra files, config.json, metrics up to `start`. */
export async function persistStart(
  o: RunFiles,
  start: number,
  log: (s: string) => void,
): Promise<EpochRecord[]> {
  const { runDir } = o;
  if (!o.resume && o.overwrite) await clearRunFolder(runDir);
  await Deno.mkdir(join(runDir, "plots"), { recursive: true });
  const line = sweptLine(await sweepTemp(runDir), runDir);
  if (line) log(line);
  const text = (t: string) => new TextEncoder().encode(t);
  for (const [name, content] of Object.entries(o.files ?? {})) {
    await writeFileAtomic(join(runDir, name), text(content));
  }
  await writeFileAtomic(
    join(runDir, "config.json"),
    text(JSON.stringify(o.config, null, 2) + "\n"),
  );
  const metricsPath = join(runDir, "metrics.jsonl");
  const history = await readHistory(metricsPath, start);
  await writeFileAtomic(metricsPath, text(history.map((r) => JSON.stringify(r) + "\n").join("")));
  return history;
}

/** The error for a diverged run: the epoch as logged (1-based) and the checkpoint to go back to. */
export async function divergedError(epoch: number, what: string, last: string): Promise<Error> {
  const state = await exists(last)
    ? `last good state: ${last} (the end of epoch ${
      JSON.parse((await readSafetensorsMetadata(last)).mmboost ?? "{}").epoch
    }; resume it with a smaller optimizer.lr)`
    : "no checkpoint yet (the first epoch diverged; try a smaller optimizer.lr)";
  return new Error(`epoch ${epoch + 1}: ${what}; ${state}`);
}

/** The files of a finished epoch: its metrics line, last (and best) checkpoint, the plots. */
export async function persistEpoch(
  o: RunFiles,
  model: Model,
  rng: Rng,
  record: EpochRecord,
  best: { acc: number; epoch: number },
  isBest: boolean,
  history: EpochRecord[],
  opts: ModelOptions,
): Promise<void> {
  const { gpu, config: c, runDir } = o;
  const last = join(runDir, "last.safetensors");
  await appendText(join(runDir, "metrics.jsonl"), JSON.stringify(record) + "\n");
  const meta: CheckpointMeta = {
    format: "mmboost-checkpoint-1",
    epoch: record.epoch + 1,
    method: c.method,
    classifiers: model instanceof AugModel
      ? model.classifiers.map((x) => ({ count: x.count, frozen: x.layers.map((l) => l.frozen) }))
      : [],
    best,
    scheduler: { lr: c.optimizer.lr, stepSize: c.scheduler.stepSize, gamma: c.scheduler.gamma },
    adapter: gpu.adapterName,
    gpuBytes: gpu.pool.bytes,
  };
  await saveCheckpoint(last, model, rng, meta);
  if (isBest) await writeFileAtomic(join(runDir, "best.safetensors"), await Deno.readFile(last));
  await writePlots(runDir, history, opts.modalities.map((x) => x.name));
}
