/**
 * Measured kernel-variant choice, cached on disk per adapter and shape.
 *
 * Kernels with several variants (the GEMM-shaped ones: register-blocked for the software adapter,
 * small blocks for GPUs, a narrow one for few channels) ask `pick(gpu, op, key, ...)`
 * (policy.ts) which one to record. Without a tuned choice the adapter's default runs and the request is queued; a later
 * `await tuner.tune(gpu)` (the trainer calls it after the first steps) times every variant of
 * each queued shape on scratch buffers, keeps the fastest, and saves the choices to a JSON file
 * keyed by adapter (its info, driver libraries and, for the software adapter, processor: a driver
 * update is measured anew), so a second run on the same machine makes the same choices without
 * measuring. Each choice is keyed by the shape and a fingerprint of the op's kernel sources
 * (variants.ts), so kernels changed since (a new version) are measured again, and the new
 * measurement replaces the superseded entry in the file. The cache path and a time budget per
 * round of measuring are options (the entry scripts take them from MMBOOST_AUTOTUNE and
 * MMBOOST_TUNE_BUDGET: pipelines/env.ts).
 */
import { dirname } from "node:path";
import type { Gpu } from "../runtime/gpu.ts";
import type { DriverIdentity } from "../runtime/driver.ts";
import { fnv1a } from "./table.ts";
import { Scope } from "../tensor.ts";

/** Sets up scratch buffers for one shape and returns a recorder of one dispatch per variant. */
export type TuneSetup<V extends string = string> = () => (variant: V) => void;

/** One measured shape. */
export interface TuneResult {
  op: string;
  key: string;
  choice: string;
  /** The variant that ran before the measurement (the adapter's default for the shape). */
  fallback: string;
  /** Median milliseconds per dispatch (wall clock, including the wait) by variant. */
  ms: Record<string, number>;
  /**
   * The variants WebGPU rejected on this device (e.g. a grid or binding over its limits), with
   * the error: never chosen (a rejected dispatch does nothing, so it would time fastest).
   */
  failed?: Record<string, string>;
}

interface Request {
  op: string;
  key: string;
  variants: readonly string[];
  fallback: string;
  setup: TuneSetup;
}

interface CacheFile {
  version: 1;
  adapters: Record<string, Record<string, string>>;
}

/**
 * The cache's key for an adapter: its info, a hash of the driver libraries that serve it (so
 * that a driver update, which WebGPU's adapter info does not show, is measured anew), and for a
 * software (fallback) adapter the processor it runs on. E.g.
 * "65541||0|llvmpipe (LLVM 15.0.6, 256 bits)|driver 5650d150|AMD EPYC x2".
 */
export function adapterKey(info: GPUAdapterInfo, driver: DriverIdentity): string {
  const parts = [info.vendor, info.architecture, info.device, info.description];
  if (driver.libraries.length) parts.push(`driver ${fnv1a(driver.libraries.join("\n"))}`);
  if (info.isFallbackAdapter && driver.cpu) parts.push(driver.cpu);
  return parts.join("|");
}

async function readCache(path: string): Promise<CacheFile> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    if (parsed?.version === 1 && typeof parsed.adapters === "object") return parsed;
  } catch { /* missing or unreadable: start afresh (it is only a cache) */ }
  return { version: 1, adapters: {} };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Seconds of measuring between two saves of the cache file during a long `tune`. */
export const SAVE_EVERY_S = 10;

/** Options of `Autotuner.tune`. */
export interface TuneOptions {
  /**
   * Milliseconds after which no further shape is started (the one being measured finishes); the
   * shapes not reached stay queued, on their defaults, for a later call. Default: the tuner's
   * `budgetMs`. The first shape is always measured, so that every call makes progress.
   */
  budgetMs?: number | null;
  /** Milliseconds of measuring between two saves of the cache file; default SAVE_EVERY_S. */
  saveEveryMs?: number;
}

/** Variant choices for one adapter, measured on demand and kept in a JSON file. */
export class Autotuner {
  /** The cache file (null: in memory only). */
  readonly path: string | null;
  /** Identifies the adapter in the cache file. */
  readonly adapter: string;
  /** Shapes measured by this tuner (0 on a run that found every choice in the cache). */
  measured = 0;
  /** Why the last save failed (null: saved, or nothing to save). */
  saveError: string | null = null;
  /** `tune`'s default budget in milliseconds (null: none). */
  readonly budgetMs: number | null;
  #choices: Map<string, string>;
  #pending = new Map<string, Request>();
  /** The "op|key" ids this tuner measured: their other kernel versions are superseded. */
  #measuredIds = new Set<string>();

  constructor(
    adapter: string,
    path: string | null,
    choices: Record<string, string> = {},
    budgetMs: number | null = null,
  ) {
    this.budgetMs = budgetMs;
    this.adapter = adapter;
    this.path = path;
    this.#choices = new Map(Object.entries(choices));
  }

  /** A tuner for the gpu's adapter with the choices cached at `path` (null: in memory). */
  static async open(
    gpu: Gpu,
    path: string | null,
    budgetMs: number | null = null,
  ): Promise<Autotuner> {
    const adapter = adapterKey(gpu.adapterInfo, gpu.driver);
    const cache = path ? await readCache(path) : null;
    return new Autotuner(adapter, path, cache?.adapters[adapter], budgetMs);
  }

  /** The recorded choice for a shape, if any. */
  choice(op: string, key: string): string | undefined {
    return this.#choices.get(`${op}|${key}`);
  }

  /** Queue a shape for measurement (once); `fallback` is what runs until it is measured. */
  request(
    op: string,
    key: string,
    variants: readonly string[],
    fallback: string,
    setup: TuneSetup,
  ): void {
    const id = `${op}|${key}`;
    if (!this.#pending.has(id)) this.#pending.set(id, { op, key, variants, fallback, setup });
  }

  /** Shapes waiting for `tune`. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Every recorded choice ("op|key" -> variant). */
  get choices(): ReadonlyMap<string, string> {
    return this.#choices;
  }

  /**
   * Time every variant of each queued shape (a first run inside WebGPU error scopes, a variant
   * that WebGPU rejects being dropped; repeated when it compiled the kernel;
   * a variant whose first timing is over 3x the fastest first timing keeps that one timing; the
   * others run in three interleaved rounds, each variant enough repeats to fill about 30 ms per
   * round, and keep their median, so that a burst of load on a shared machine slows one round of
   * every variant rather than all of one variant), record the fastest and save: every
   * SAVE_EVERY_S seconds too, so that a run stopped while tuning (a timeout) keeps what it
   * measured. With `budgetMs`, the shapes not started within it stay queued.
   */
  async tune(
    gpu: Gpu,
    { budgetMs = this.budgetMs, saveEveryMs = SAVE_EVERY_S * 1000 }: TuneOptions = {},
  ): Promise<TuneResult[]> {
    const results: TuneResult[] = [];
    const requests = [...this.#pending.values()];
    this.#pending.clear();
    const start = performance.now();
    let saved = start;
    for (const [i, r] of requests.entries()) {
      const now = performance.now();
      if (i > 0 && budgetMs != null && now - start >= budgetMs) {
        for (const left of requests.slice(i)) this.#pending.set(`${left.op}|${left.key}`, left);
        break;
      }
      if (results.length && now - saved >= saveEveryMs) {
        await this.save();
        saved = performance.now();
      }
      using _ = new Scope(gpu);
      const record = r.setup();
      // mean milliseconds of n dispatches of variant v waited for together
      const time = async (v: string, n: number) => {
        const t = performance.now();
        for (let i = 0; i < n; i++) record(v);
        await gpu.sync();
        return (performance.now() - t) / n;
      };
      const first: Record<string, number> = {}, failed: Record<string, string> = {};
      for (const v of r.variants) {
        const error = await gpu.capturingErrors(async () => {
          const pipelines = gpu.pipelineCount;
          first[v] = await time(v, 1); // the warm-up: a valid timing when it compiled nothing
          if (gpu.pipelineCount !== pipelines) first[v] = await time(v, 1);
        });
        if (error) failed[v] = error;
      }
      const ok = r.variants.filter((v) => !(v in failed));
      const quickest = Math.min(...ok.map((v) => first[v]));
      const ms: Record<string, number> = {}, rounds: Record<string, number[]> = {};
      const close = ok.filter((v) => first[v] <= 3 * quickest);
      for (const v of ok) if (!close.includes(v)) ms[v] = first[v]; // clearly slower
      for (let round = 0; round < 3; round++) {
        for (const v of close) {
          const n = Math.max(1, Math.min(20, Math.ceil(30 / Math.max(first[v], 0.5))));
          (rounds[v] ??= []).push(await time(v, n));
        }
      }
      for (const v of close) ms[v] = median(rounds[v]);
      // every variant failed: keep the default (its error comes back at the run's next wait)
      const choice = ok.length ? ok.reduce((best, v) => (ms[v] < ms[best] ? v : best)) : r.fallback;
      this.#choices.set(`${r.op}|${r.key}`, choice);
      this.#measuredIds.add(`${r.op}|${r.key}`);
      const result: TuneResult = { op: r.op, key: r.key, choice, fallback: r.fallback, ms };
      if (ok.length < r.variants.length) result.failed = failed;
      results.push(result);
      this.measured++;
    }
    if (results.length) await this.save();
    return results;
  }

  /**
   * Merge this adapter's choices into the cache file (atomic write; other adapters kept). A
   * cache that cannot be written (read-only home, full disk) is not an error: the choices stay
   * in memory for this run and `saveError` says why.
   */
  async save(): Promise<void> {
    if (!this.path) return;
    const tmp = `${this.path}.tmp-${Deno.pid}`;
    try {
      const cache = await readCache(this.path);
      cache.adapters[this.adapter] = withoutSuperseded(
        { ...cache.adapters[this.adapter], ...Object.fromEntries(this.#choices) },
        this.#measuredIds,
      );
      await Deno.mkdir(dirname(this.path), { recursive: true });
      await Deno.writeTextFile(tmp, JSON.stringify(cache, null, 1) + "\n");
      await Deno.rename(tmp, this.path);
      this.saveError = null;
    } catch (e) {
      this.saveError = `${this.path}: ${(e as Error).message}`;
      await Deno.remove(tmp).catch(() => {});
    }
  }
}

/** The shape part of an "op|shape#fingerprint" id (the whole id when it has no fingerprint). */
const shapeOfId = (id: string): string => id.split("#")[0];

/**
 * Choices minus those a new measurement superseded: the same op and shape under another kernel
 * fingerprint (kernels changed since), which no run of this version can look up again; without
 * this the cache file would grow by every shape at each kernel change.
 */
export function withoutSuperseded(
  choices: Record<string, string>,
  measured: ReadonlySet<string>,
): Record<string, string> {
  const fresh = new Set([...measured].map(shapeOfId));
  return Object.fromEntries(
    Object.entries(choices).filter(([id]) => measured.has(id) || !fresh.has(shapeOfId(id))),
  );
}
