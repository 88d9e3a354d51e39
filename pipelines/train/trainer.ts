/**
 * The training loop shared by every dataset, in phases: open (build the model, or restore it
 * from the checkpoint; nothing is written until this succeeded), persist the start, then per
 * epoch { steps; evaluate; ACA; persist }. A run folder holds config.json (the resolved
 * config), metrics.jsonl (one line per epoch), plots/*.svg, summary.md, and last.safetensors /
 * best.safetensors, from which `resume` continues the same trajectory. A folder that holds a
 * run is refused for a new one unless `overwrite`; a diverged run (non-finite loss or test
 * logits) stops with an error naming the epoch and the checkpoint to go back to.
 */
import { join } from "node:path";
import { Rng } from "../../kernels/init/init.ts";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { tunePending } from "../../kernels/variants/policy.ts";
import { Scope, Tensor } from "../../kernels/tensor.ts";
import { oneHot } from "../../kernels/loss/loss.ts";
import { AugModel, type ModelOptions } from "../models/multimodal.ts";
import { loadPretrainedFiles } from "../models/pretrained.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import type { TrainConfig } from "./config.ts";
import { batches, shuffled } from "./dataset.ts";
import type { SplitData } from "../data/split.ts";
import { type EvalResult, evaluate } from "./evaluate.ts";
import type { EpochRecord } from "./record.ts";
import { NonFiniteLogits } from "./metrics.ts";
import { checkNewRunFolder, checkResumable } from "./run_folder.ts";
import { divergedError, persistEpoch, persistStart } from "./run_files.ts";
import { stepLr } from "./aca.ts";
import type { Method, Model } from "./methods/method.ts";
import { methodFor } from "./methods/registry.ts";
import { loadCheckpoint } from "./checkpoint.ts";
import { Progress } from "../io/progress.ts";
import { summaryTable } from "./report.ts";

/** Inputs of `train`. */
export interface TrainOptions {
  /** The device to train on. */
  gpu: Gpu;
  /** The run's configuration (`DEFAULT_CONFIG` with `setKey` changes). */
  config: TrainConfig;
  /** The training split. */
  train: SplitData;
  /** The test split (evaluated every epoch). */
  test: SplitData;
  /** The run folder: config, metrics, plots and checkpoints go there. */
  runDir: string;
  /** Continue from runDir/last.safetensors. */
  resume?: boolean;
  /** Replace a run already in runDir; without it a folder that holds a run is refused. */
  overwrite?: boolean;
  /** More files for runDir (name -> text, e.g. run.json), written once the model is ready. */
  files?: Record<string, string>;
  /** Where progress and summaries go (default: stderr progress, stdout table). */
  log?: (line: string) => void;
  /** Show the per-batch progress line. */
  progress?: boolean;
}

/** The outcome of a run. */
export interface RunSummary {
  /** The run folder. */
  runDir: string;
  /** One record per epoch (as in metrics.jsonl). */
  history: EpochRecord[];
  /** The best fused test accuracy and its epoch. */
  best: { acc: number; epoch: number };
  /** The run's summary table (Markdown, as in summary.md). */
  table: string;
}

/** The dataset modalities the method's model sees, by index. */
function selected(method: Method, c: TrainConfig, data: SplitData): number[] {
  const all = data.modalities.map((_, m) => m);
  return method.modalities?.(c, all.length) ?? all;
}

function modelOptions(picked: number[], c: TrainConfig, data: SplitData): ModelOptions {
  return {
    modalities: picked.map((m) => data.modalities[m]),
    classes: data.classes,
    width: c.model.width,
    hidden: c.model.hidden,
    encoder: c.model.encoder,
  };
}

function checkData(train: SplitData, test: SplitData): void {
  if (train.classes !== test.classes || train.modalities.length !== test.modalities.length) {
    throw new Error(`${train.name} and ${test.name} disagree on classes or modalities`);
  }
  if (train.labels.length === 0) throw new Error(`${train.name}: no samples`);
  if (test.labels.length === 0) throw new Error(`${test.name}: no samples`);
  if (train.labels.length === 1) {
    throw new Error(`${train.name}: 1 sample; training batch norm needs at least 2`);
  }
}

/**
 * An epoch's batches of a shuffled order. A last batch of one sample is left out (training
 * batch norm needs two values per channel, and the deepest feature maps are 1 x 1).
 */
export function trainBatches(order: number[], size: number): number[][] {
  const out = batches(order, size);
  if (leavesOne(order.length, size)) out.pop();
  return out;
}

/** Whether n samples in batches of `size` leave a last batch of one (after a full one). */
const leavesOne = (n: number, size: number): boolean => n > size && n % size === 1;

/** Measure the kernel variants of shapes seen for the first time (when the gpu has a tuner). */
async function autotune(gpu: Gpu, log: (s: string) => void): Promise<void> {
  const line = await tunePending(gpu);
  if (line) log(line);
}

/** Where a run stands: its model, RNG, next epoch and best result. */
interface RunState {
  model: Model;
  rng: Rng;
  start: number;
  best: { acc: number; epoch: number };
}

/** Build the model afresh or restore it from runDir/last.safetensors; writes nothing. */
async function openRun(
  o: TrainOptions,
  method: Method,
  picked: number[],
  opts: ModelOptions,
  last: string,
  log: (s: string) => void,
): Promise<RunState> {
  const { gpu, config: c } = o;
  const rng = new Rng(c.seed);
  if (!o.resume) {
    await checkNewRunFolder(o.runDir, !!o.overwrite);
    method.check?.(c, opts.modalities.length);
    const model = method.create(gpu, rng, opts, c);
    const files = picked.length === o.train.modalities.length
      ? c.model.pretrained
      : picked.map((m) => c.model.pretrained[m] ?? "");
    try {
      for (const r of await loadPretrainedFiles(model.encoders, files, opts.modalities)) log(r);
    } catch (e) {
      model.destroy();
      throw e;
    }
    return { model, rng, start: 0, best: { acc: -1, epoch: -1 } };
  }
  await checkResumable(o.runDir);
  const ck = await loadCheckpoint(last);
  if (ck.meta.method !== c.method) {
    throw new Error(`${last}: method ${ck.meta.method}, config says ${c.method}`);
  }
  const model = method.create(gpu, rng, opts, c, ck.meta);
  try {
    await ck.restore(model);
  } catch (e) {
    model.destroy();
    throw e;
  }
  return { model, rng: ck.rng, start: ck.meta.epoch, best: ck.meta.best };
}

/**
 * Train (or resume) one run; returns its history and the printed summary table.
 * @example Train AUG on a small AV-Digits run
 * ```ts
 * import { avDigitsSplits, DEFAULT_CONFIG, Gpu, setKey, train } from "@mmboost/mmboost";
 * const gpu = await Gpu.create();
 * const { train: trainSplit, test } = await avDigitsSplits({ trainSize: 64, testSize: 32 });
 * let config = DEFAULT_CONFIG;
 * for (const kv of ["epochs=1", "batchSize=16", "model.width=4", "model.hidden=16"]) {
 *   config = setKey(config, kv);
 * }
 * const run = await train({
 *   gpu,
 *   config,
 *   train: trainSplit,
 *   test,
 *   runDir: await Deno.makeTempDir(),
 *   log: () => {}, // quiet; the default prints progress and the summary table
 * });
 * console.log(run.history[0].test.fused.acc, run.best); // accuracy after the epoch
 * ```
 */
export async function train(o: TrainOptions): Promise<RunSummary> {
  const log = o.log ?? ((s: string) => console.log(s));
  checkData(o.train, o.test);
  const method = methodFor(o.config.method);
  const picked = selected(method, o.config, o.train);
  const opts = modelOptions(picked, o.config, o.train);
  const last = join(o.runDir, "last.safetensors");
  const state = await openRun(o, method, picked, opts, last, log);
  try {
    const history = await persistStart(o, state.start, log);
    const run = runContext(o, method, picked, opts, state, last, log);
    for (let epoch = state.start; epoch < o.config.epochs; epoch++) {
      const t0 = performance.now();
      const { lr, stats } = await trainEpoch(run, epoch);
      const { test, added } = await evaluateAndAssign(run, epoch, stats);
      const record = epochRecord(run, epoch, lr, stats, test, added, t0);
      history.push(record);
      const isBest = test.fused.acc >= state.best.acc;
      if (isBest) state.best = { acc: test.fused.acc, epoch };
      await persistEpoch(o, state.model, state.rng, record, state.best, isBest, history, opts);
      log(epochLine(record, o.config.epochs, run.names));
    }
    const table = summaryTable(o.config, history, state.best, run.names, o.gpu.adapterName);
    await writeFileAtomic(join(o.runDir, "summary.md"), new TextEncoder().encode(table + "\n"));
    log(table);
    return { runDir: o.runDir, history, best: state.best, table };
  } finally {
    state.model.destroy();
  }
}

/** What every phase of a run reads: the options, the model and RNG, the data as it is fed. */
interface RunContext {
  o: TrainOptions;
  method: Method;
  state: RunState;
  last: string;
  log: (s: string) => void;
  /** Modalities the model has (1 for a unimodal run), their names, classes, samples. */
  M: number;
  names: string[];
  K: number;
  N: number;
  /** Samples an epoch trains on (a last batch of one is left out: trainBatches). */
  seen: number;
  trainData: SplitData;
  testData: SplitData;
  weights: number[];
}

/** The run's context; logs once when an epoch leaves a last batch of one out. */
function runContext(
  o: TrainOptions,
  method: Method,
  picked: number[],
  opts: ModelOptions,
  state: RunState,
  last: string,
  log: (s: string) => void,
): RunContext {
  const c = o.config, M = opts.modalities.length, N = o.train.labels.length;
  const seen = N - (leavesOne(N, c.batchSize) ? 1 : 0);
  if (seen < N) {
    log(
      `${o.train.name}: ${N} samples in batches of ${c.batchSize} leave a last batch of 1 ` +
        `sample; it is left out of every epoch (batch norm needs 2)`,
    );
  }
  return {
    o,
    method,
    state,
    last,
    log,
    M,
    names: opts.modalities.map((x) => x.name),
    K: o.train.classes,
    N,
    seen,
    trainData: modelView(picked, opts, o.train),
    testData: modelView(picked, opts, o.test),
    weights: method.fusionWeights(c, M),
  };
}

/** A split as the model sees it: only the modalities the method picked (`picked`). */
function modelView(picked: number[], opts: ModelOptions, d: SplitData): SplitData {
  if (picked.length === d.modalities.length) return d;
  return {
    ...d,
    modalities: opts.modalities,
    sampleShapes: picked.map((m) => d.sampleShapes[m]),
    inputs: async (...a) => {
      const all = await d.inputs(...a);
      return picked.map((m) => all[m]);
    },
  };
}

/** Per modality the epoch's mean training loss, accuracy and summed confidence score. */
interface TrainStats {
  loss: number[];
  acc: number[];
  score: number[];
}

/** One epoch of training steps; its statistics (one readback), checked to be finite. */
async function trainEpoch(
  run: RunContext,
  epoch: number,
): Promise<{ lr: number; stats: TrainStats }> {
  const { o, state: { model, rng }, M, K, N, seen } = run;
  const c = o.config, gpu = o.gpu;
  const lr = stepLr(c.optimizer.lr, epoch, c.scheduler.stepSize, c.scheduler.gamma);
  const sgd = { lr, momentum: c.optimizer.momentum, weightDecay: c.optimizer.weightDecay };
  const rows = run.method.statRows(M);
  const sums = Tensor.zeros(gpu, [3 * rows]).persist();
  const progress = o.progress === false
    ? null
    : new Progress(`epoch ${epoch + 1}/${c.epochs}`, seen);
  const epochBatches = trainBatches(shuffled(N, rng), c.batchSize);
  const load = async (idx: number[], augment = true) => ({
    inputs: await run.trainData.inputs(gpu, idx, augment, rng),
    labels: oneHot(gpu, idx.map((i) => run.trainData.labels[i]), K),
  });
  await run.method.startEpoch?.(model, {
    config: c,
    epoch,
    batches: epochBatches,
    labels: run.trainData.labels,
    sgd,
    rng,
    runDir: o.runDir,
    load,
  });
  for (const [bi, idx] of epochBatches.entries()) {
    using _ = new Scope(gpu);
    if (bi + 1 < epochBatches.length) run.trainData.prefetch?.(epochBatches[bi + 1]);
    const batch = await load(idx);
    const step = epoch * epochBatches.length + bi;
    run.method.step(model, batch, {
      config: c,
      sgd,
      epoch,
      step,
      batch: bi,
      batches: epochBatches.length,
      stats: sums,
    });
    gpu.flush(); // the GPU runs this batch while the next one is prepared
    await autotune(gpu, run.log);
    progress?.tick(idx.length);
  }
  const s = await sums.read();
  sums.dispose();
  const per = (f: (m: number) => number) => Array.from({ length: rows }, (_, m) => f(m));
  const stats = {
    loss: per((m) => s[3 * m + 1] / seen),
    acc: per((m) => s[3 * m + 2] / seen),
    score: per((m) => s[3 * m]),
  };
  if (stats.loss.some((l) => !Number.isFinite(l))) {
    throw await divergedError(epoch, `training loss became ${stats.loss}`, run.last);
  }
  return { lr, stats };
}

/** The epoch's test evaluation, then ACA's classifier assignment (AUG, on its epochs). */
async function evaluateAndAssign(
  run: RunContext,
  epoch: number,
  stats: TrainStats,
): Promise<{ test: EvalResult; added: number[] }> {
  const { o, state: { model, rng } } = run;
  const c = o.config;
  let test: EvalResult;
  try {
    test = await evaluate(o.gpu, model, run.testData, {
      batchSize: c.batchSize,
      weights: run.weights,
      missingRates: c.missingRates,
      seed: c.seed * 100003 + epoch,
      fusion: run.method.fusion?.(c),
    });
  } catch (e) {
    if (!(e instanceof NonFiniteLogits)) throw e;
    throw await divergedError(epoch, `test logits diverged: ${e.message}`, run.last);
  }
  await autotune(o.gpu, run.log);
  const added = run.method.endEpoch?.(model, {
    config: c,
    epoch,
    scores: stats.score,
    seen: run.seen,
    rng,
  }) ?? [];
  return { test, added };
}

/** The epoch's line of metrics.jsonl. */
function epochRecord(
  run: RunContext,
  epoch: number,
  lr: number,
  stats: TrainStats,
  test: EvalResult,
  added: number[],
  t0: number,
): EpochRecord {
  const model = run.state.model, aug = model instanceof AugModel;
  return {
    epoch,
    lr,
    train: stats,
    test,
    gap: aug && run.M >= 2 ? stats.loss[0] - stats.loss[1] : null,
    classifiers: aug ? model.classifiers.map((x) => x.count) : [],
    added,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The log line of an epoch. */
function epochLine(r: EpochRecord, epochs: number, names: string[]): string {
  const loss = r.train.loss.map((l) => l.toFixed(3)).join("/");
  const perModality = r.test.modalities.map((x) => (100 * x.acc).toFixed(1)).join("/");
  return `epoch ${r.epoch + 1}/${epochs} lr ${r.lr.toExponential(1)} loss ${loss} ` +
    `test acc ${(100 * r.test.fused.acc).toFixed(2)} (${perModality})` +
    (r.classifiers.length ? ` classifiers ${r.classifiers.join("/")}` : "") +
    (r.added.length ? ` +${r.added.map((m) => names[m]).join(",")}` : "") +
    ` ${r.seconds.toFixed(1)}s`;
}
