/**
 * The environment variables mmboost reads, read in this one place at the entry scripts into
 * typed options that are passed down (nothing below reads the environment). A bad value is an
 * error naming the variable, before any work starts.
 *
 * | variable | effect |
 * | --- | --- |
 * | MMBOOST_AUTOTUNE | `off`: no autotuning; a path: the cache file (default $XDG_CACHE_HOME/mmboost/autotune.json, else ~/.cache/...) |
 * | MMBOOST_DEBUG | `1`: failures print their stack trace |
 * | MMBOOST_GEMM | `cpu`, `gpu`, `tiled` or `wide`: force a GEMM family (no autotuning) |
 * | MMBOOST_VARIANT | a variant run wherever an op offers it (e.g. `winograd_f4`) |
 * | MMBOOST_EXCLUDE | variants (and those named after them) never run nor measured, comma-separated |
 * | MMBOOST_TUNE_FAMILIES | `all` or the families the autotuner measures, comma-separated |
 * | MMBOOST_TUNE_BUDGET | seconds one round of autotuning may start shapes for |
 * | MMBOOST_FLUSH_EVERY | dispatches per submit while recording (0: one submit per flush) |
 */
import { join } from "node:path";
import type { DeviceOptions } from "../kernels/variants/device.ts";
import { GEMM_VARIANTS, parseTuneFamilies } from "../kernels/variants/policy.ts";

/** What the environment asks for. */
export interface EnvOptions {
  /** Device and variant options (autotuning: the cache path, used where an entry tunes). */
  device: DeviceOptions;
  /** Print stack traces of failures. */
  debug: boolean;
}

/** A variable's value ("" or absent: undefined); no permission to read it counts as unset. */
function read(name: string, env: (name: string) => string | undefined): string | undefined {
  let v: string | undefined;
  try {
    v = env(name);
  } catch {
    return undefined;
  }
  return v === "" ? undefined : v;
}

/** MMBOOST_FLUSH_EVERY's value: a count of dispatches, 0 for none; null when unset. */
export function parseFlushEvery(value: string | undefined): number | null {
  if (value === undefined || value === "") return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(
      `MMBOOST_FLUSH_EVERY: expected a whole number of dispatches (0: none), got "${value}"`,
    );
  }
  return n;
}

/** MMBOOST_TUNE_BUDGET's value in milliseconds: seconds > 0; null (no bound) when unset. */
export function parseTuneBudget(value: string | undefined): number | null {
  if (value === undefined || value === "") return null;
  const s = Number(value);
  if (!Number.isFinite(s) || s <= 0) {
    throw new Error(`MMBOOST_TUNE_BUDGET: expected seconds > 0, got "${value}"`);
  }
  return s * 1000;
}

/** Read every MMBOOST_* variable (from `env`, default the process's) into typed options. */
export function envOptions(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): EnvOptions {
  const get = (name: string) => read(name, env);
  const gemmText = get("MMBOOST_GEMM");
  const gemm = GEMM_VARIANTS.find((v) => v === gemmText);
  if (gemmText !== undefined && !gemm) {
    throw new Error(`MMBOOST_GEMM: expected one of ${GEMM_VARIANTS.join(", ")}, got "${gemmText}"`);
  }
  const families = get("MMBOOST_TUNE_FAMILIES");
  const tune = get("MMBOOST_AUTOTUNE");
  const cacheHome = get("XDG_CACHE_HOME") ?? join(get("HOME") ?? ".", ".cache");
  return {
    device: {
      gemm,
      prefer: get("MMBOOST_VARIANT") ?? null,
      exclude: (get("MMBOOST_EXCLUDE") ?? "").split(",").filter((v) => v),
      tuneFamilies: families === undefined
        ? undefined
        : parseTuneFamilies(families, false, "MMBOOST_TUNE_FAMILIES"),
      flushEvery: parseFlushEvery(get("MMBOOST_FLUSH_EVERY")) ?? undefined,
      autotune: tune === "off"
        ? null
        : tune && tune !== "on"
        ? tune
        : join(cacheHome, "mmboost", "autotune.json"),
      tuneBudgetMs: parseTuneBudget(get("MMBOOST_TUNE_BUDGET")),
    },
    debug: get("MMBOOST_DEBUG") === "1",
  };
}

/** The environment's device options, with autotuning on (`tune`) or off. */
export function envDevice(tune: boolean): DeviceOptions {
  const { device } = envOptions();
  return { ...device, autotune: tune ? device.autotune : null };
}
