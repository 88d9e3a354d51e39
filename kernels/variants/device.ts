/**
 * A device ready for the ops: the runtime's `Gpu` with its variant policy (policy.ts) and, when
 * asked, an autotuner whose choices are cached at a path. Entry scripts pass the options they
 * read from the environment (pipelines/env.ts); library code passes its own.
 */
import { Gpu, type GpuOptions } from "../runtime/gpu.ts";
import { Autotuner } from "./autotune.ts";
import { configureVariants, type VariantOptions } from "./policy.ts";

/** Options of `openGpu`: the device's, the variant policy's, and autotuning. */
export interface DeviceOptions extends GpuOptions, VariantOptions {
  /**
   * Where measured variant choices are cached: a path turns autotuning on (ignored when `gemm`
   * forces a family); null or absent: off, the defaults run.
   */
  autotune?: string | null;
  /** Milliseconds one round of measuring may start shapes for (null: no bound). */
  tuneBudgetMs?: number | null;
}

/**
 * Create a device, set its variant policy and, with `autotune`, open its tuner.
 * @example A device with cached variant choices
 * ```ts
 * import { openGpu } from "@mmboost/mmboost";
 * const gpu = await openGpu({ autotune: await Deno.makeTempFile({ suffix: ".json" }) });
 * console.log(gpu.software ? "software adapter" : "GPU");
 * ```
 */
export async function openGpu(o: DeviceOptions = {}): Promise<Gpu> {
  const gpu = await Gpu.create(o);
  const policy = configureVariants(gpu, o);
  if (o.autotune && !policy.gemmForced) {
    policy.tuner = await Autotuner.open(gpu, o.autotune, o.tuneBudgetMs ?? null);
  }
  return gpu;
}
