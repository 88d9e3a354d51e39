/**
 * Which kernel variant an op records on a device: the variant layer above the runtime and the
 * tensor type. Per device it holds the GEMM family in use, the measured choices (an Autotuner),
 * a preferred variant and exclusions; ops ask `pick(gpu, op, shape, table, fallback, setup)`.
 *
 * Order of a choice: the preferred variant where the table has it, else the tuner's measured
 * choice for the shape, else `fallback` (and the shape is queued for the tuner). Choices are
 * keyed by the shape and the fingerprint of the kernels measured (table.ts), so changed kernels
 * are measured again, and only those.
 */
import type { Gpu } from "../runtime/gpu.ts";
import { fingerprint, type TiledKernel, variantsOf } from "./table.ts";
import type { Autotuner, TuneSetup } from "./autotune.ts";
import { isRegistered } from "./registry.ts";

/**
 * Which generated GEMM-kernel family to run: "cpu" (32x16 register blocks, no barriers: fastest
 * on the software adapter), "gpu" (4x4 blocks, 256-invocation workgroups: real GPUs), "tiled"
 * (shared-memory 64x64 tiles with barriers: real GPUs) or "wide" (shared-memory 128x128 tiles, 8x8
 * per invocation: real GPUs, large problems).
 */
export type GemmVariant = "cpu" | "gpu" | "tiled" | "wide";

/** Every GEMM family, in the order the autotuner tries them. */
export const GEMM_VARIANTS: readonly GemmVariant[] = ["cpu", "gpu", "tiled", "wide"];

/** Work (2 x multiply-adds) under which a kernel shape is not autotuned: 20 MFLOP. */
export const MIN_TUNE_FLOPS = 2e7;

/**
 * The GEMM family a variant name belongs to: its last part when that names a family
 * ("winograd_f4_tiled": "tiled", "gpu": "gpu"), else "cpu" (the software adapter's kernels:
 * "cpu", "narrow", "pointwise", "winograd", "winograd_f4", ...).
 */
export function variantFamily(variant: string): GemmVariant {
  const last = variant.slice(variant.lastIndexOf("_") + 1);
  return GEMM_VARIANTS.find((f) => f === last) ?? "cpu";
}

/**
 * The families the autotuner measures: `text` is `all` or a comma-separated list of families
 * (`what` names the setting in errors). Unset, each kind of adapter measures the families
 * written for it: a fallback (software) adapter only "cpu" (the GPU families measured 2.5-5x
 * slower there at every ResNet18 shape, and timing them took three quarters of the tuning), a
 * GPU "gpu", "tiled" and "wide" (the software adapter's large register blocks ran 1.2-40x slower
 * than the peers on an H100).
 */
export function parseTuneFamilies(
  text: string | undefined,
  fallbackAdapter: boolean,
  what: string,
): readonly GemmVariant[] {
  if (!text) return fallbackAdapter ? ["cpu"] : GEMM_VARIANTS.filter((f) => f !== "cpu");
  if (text === "all") return GEMM_VARIANTS;
  return text.split(",").map((name) => {
    const f = GEMM_VARIANTS.find((f) => f === name);
    if (!f) throw new Error(`${what}: unknown family "${name}" (expected all or ${GEMM_VARIANTS})`);
    return f;
  });
}

/** How a device chooses variants (see `configureVariants`; every field optional). */
export interface VariantOptions {
  /** Force a GEMM family (no autotuning then); default "cpu" on a software adapter, else "gpu". */
  gemm?: GemmVariant;
  /** A variant to run wherever an op offers it (e.g. "winograd"), ahead of tuner and default. */
  prefer?: string | null;
  /**
   * Variants never run nor measured (the adapter's default always stays): a name excludes
   * itself and the variants named after it, so "winograd_f4" also excludes "winograd_f4_gpu" and
   * "winograd" every Winograd variant.
   */
  exclude?: readonly string[];
  /** The families the autotuner measures (default: the adapter kind's, see parseTuneFamilies). */
  tuneFamilies?: readonly GemmVariant[];
}

/** A device's variant state. */
export interface VariantPolicy {
  /** The GEMM family in use; may be changed between dispatches (tests, benches). */
  gemm: GemmVariant;
  /** True when the family was forced: no autotuning then. */
  readonly gemmForced: boolean;
  /** Measured choices (null: always the default). */
  tuner: Autotuner | null;
  /** These may be changed between dispatches (tests and benches compare variants so). */
  prefer: string | null;
  exclude: readonly string[];
  tuneFamilies: readonly GemmVariant[];
}

const policies = new WeakMap<Gpu, VariantPolicy>();
const checkedTables = new WeakSet<object>();

/** Throws unless every variant of `op`'s table is in the registry (once per table). */
function checkRegistered(op: string, table: object, variants: readonly string[]): void {
  if (checkedTables.has(table)) return;
  const missing = variants.filter((v) => !isRegistered(op, v));
  if (missing.length) {
    throw new Error(
      `${op}: variant ${missing.join(", ")} is not in kernels/variants/registry.ts (add it ` +
        "with its status and the figure that keeps it)",
    );
  }
  checkedTables.add(table);
}

/** Set how `gpu` chooses variants (replacing any earlier policy, and its tuner). */
export function configureVariants(gpu: Gpu, o: VariantOptions = {}): VariantPolicy {
  const policy: VariantPolicy = {
    gemm: o.gemm ?? (gpu.software ? "cpu" : "gpu"),
    gemmForced: o.gemm !== undefined,
    tuner: null,
    prefer: o.prefer ?? null,
    exclude: o.exclude ?? [],
    tuneFamilies: o.tuneFamilies ?? parseTuneFamilies(undefined, gpu.software, "tuneFamilies"),
  };
  policies.set(gpu, policy);
  return policy;
}

/** The variant policy of `gpu` (the defaults unless configured). */
export function variantPolicy(gpu: Gpu): VariantPolicy {
  return policies.get(gpu) ?? configureVariants(gpu);
}

/** Whether exclusion `e` removes variant `v`: its name or a prefix of it. */
const excludes = (e: string, v: string): boolean => v === e || v.startsWith(`${e}_`);

/** Whether the policy's exclusions keep variant `v` out, by name or prefix. */
export function isExcluded(gpu: Gpu, v: string): boolean {
  return variantPolicy(gpu).exclude.some((e) => excludes(e, v));
}

/**
 * The variant of `op` to record for a shape (`key` names it, `flops` is its work): the
 * preferred variant when the table has it, else the tuner's measured choice, else `fallback`
 * (and the shape is queued for the tuner, which records `setup`'s dispatches on scratch buffers
 * when it measures). Shapes under MIN_TUNE_FLOPS keep the fallback without measuring. The key
 * holds the fingerprint of the kernels measured, the exclusions that remove one of the table's
 * variants, and the families measured when not all.
 */
export function pick<V extends string>(
  gpu: Gpu,
  op: string,
  shape: { key: string; flops: number },
  table: Readonly<Record<V, TiledKernel>>,
  fallback: V,
  setup: TuneSetup<V>,
): V {
  const p = variantPolicy(gpu);
  const all = variantsOf(table);
  checkRegistered(op, table, all);
  const variants = all.filter((v) => v === fallback || !isExcluded(gpu, v));
  if (p.prefer !== null && variants.includes(p.prefer as V)) return p.prefer as V;
  const families = p.tuneFamilies;
  const candidates = variants.filter((v) => v === fallback || families.includes(variantFamily(v)));
  if (!p.tuner || p.gemmForced || candidates.length < 2) return fallback;
  if (shape.flops < MIN_TUNE_FLOPS) return fallback; // too small to time apart, or to matter
  // the exclusions that remove one of this table's variants (others leave its choice alone)
  const dropped = p.exclude.filter((e) => all.some((v) => v !== fallback && excludes(e, v)));
  const without = dropped.length ? `-${dropped.join("-")}` : "";
  const only = families.length < GEMM_VARIANTS.length ? `~${families.join("~")}` : "";
  const key = `${shape.key}#${fingerprint(table, candidates)}${without}${only}`;
  const c = p.tuner.choice(op, key) as V | undefined;
  if (c !== undefined && candidates.includes(c)) return c;
  p.tuner.request(op, key, candidates, fallback, setup as TuneSetup);
  return fallback;
}

/**
 * The variant to run without a measured choice: the adapter's family, or "narrow" on the
 * software adapter when `small` (few input channels or short weight rows).
 */
export function defaultVariant(gpu: Gpu, small: boolean): GemmVariant | "narrow" {
  const gemm = variantPolicy(gpu).gemm;
  return gemm === "cpu" && small ? "narrow" : gemm;
}

/**
 * Measure the shapes the gpu's tuner has queued, if any; returns the line to log (null when there
 * was nothing to measure). The trainer calls it after each step, the step bench after its first.
 */
export async function tunePending(gpu: Gpu): Promise<string | null> {
  const tuner = variantPolicy(gpu).tuner;
  if (!tuner?.pending) return null;
  const t0 = performance.now(), budgetMs = tuner.budgetMs;
  const results = await tuner.tune(gpu);
  const changed = results.filter((r) => r.choice !== r.fallback).length;
  const where = tuner.saveError
    ? `kept in memory: cannot write ${tuner.saveError}`
    : `cached in ${tuner.path ?? "memory"}`;
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  const budget = budgetMs == null ? "" : ` (a budget of ${budgetMs / 1000} s a round)`;
  const left = tuner.pending ? `; ${tuner.pending} shapes left on their defaults${budget}` : "";
  const failures = results.flatMap((r) =>
    Object.entries(r.failed ?? {}).map(([v, e]) => `${r.op} ${v}: ${e.split("\n")[0]}`)
  );
  const failed = failures.length
    ? `; rejected by WebGPU, never chosen: ${failures.slice(0, 3).join("; ")}${
      failures.length > 3 ? ` (and ${failures.length - 3} more)` : ""
    }`
    : "";
  return `autotune: measured ${results.length} kernel shapes in ${secs} s, ${changed} away from ` +
    `the default (${where})${left}${failed}`;
}
