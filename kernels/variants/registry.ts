/**
 * Every kernel variant an op can choose between, with its status and the figure that keeps it.
 *
 * Status, per variant:
 * - "default": what an adapter kind runs without a measured choice (`defaultOn`);
 * - "tuned": the autotuner chooses it per shape on an adapter where it was measured faster;
 * - "experimental": built for an adapter kind it was never timed on (`meantFor`), kept until a
 *   measurement there decides (a variant goes only when it was measured and beaten wherever it
 *   ran; those are in docs/decisions.md).
 *
 * `pick` (policy.ts) refuses a variant that is not listed here, so the table cannot fall behind
 * the code; bench/README.md renders it (bench/render_readme.ts).
 */

/** The adapter kinds variants are written for. */
export type AdapterKind = "software" | "gpu";

/** A variant's standing (see the module comment). */
export type VariantStatus = "default" | "tuned" | "experimental";

/** One registered variant. */
export interface VariantEntry {
  /** The name `pick` and MMBOOST_VARIANT / MMBOOST_EXCLUDE use. */
  name: string;
  /** The ops whose tables hold it. */
  ops: readonly string[];
  /** The adapter kind it is written for. */
  meantFor: AdapterKind;
  status: VariantStatus;
  /** For "default": the adapter kind that runs it untuned (and for which shapes). */
  defaultOn?: string;
  /** The measurement that keeps it (or, for "experimental", what is known so far). */
  figure: string;
  /** Where the figure comes from: a results file under bench/results/ or a commit. */
  source: string;
}

const GEMM_OPS = [
  "matmul_forward",
  "conv2d_forward",
  "conv2d_backward_input",
  "conv2d_backward_weight",
  "conv3d_forward",
  "conv3d_backward_input",
  "conv3d_backward_weight",
] as const;
const CONV3X3_OPS = GEMM_OPS.filter((op) => op !== "matmul_forward");
const CONV2D_OPS = CONV3X3_OPS.slice(0, 3);

const UNTIMED_GPU =
  "never timed on a GPU; on the software adapter 2.5-5x slower than the cpu family";

/** The Winograd variants of one scheme, per GEMM family. */
function winograd(
  name: string,
  ops: readonly string[],
  cpu: Pick<VariantEntry, "figure" | "source">,
): VariantEntry[] {
  return [
    { name, ops, meantFor: "software", status: "tuned", ...cpu },
    ...["gpu", "tiled", "wide"].map((f): VariantEntry => ({
      name: `${name}_${f}`,
      ops,
      meantFor: "gpu",
      status: "experimental",
      figure: "that family's GEMMs between the scheme's transforms; never timed on a GPU",
      source: "-",
    })),
  ];
}

/** The registry, in the order bench/README.md lists it. */
export const VARIANTS: readonly VariantEntry[] = [
  {
    name: "cpu",
    ops: GEMM_OPS,
    meantFor: "software",
    status: "default",
    defaultOn: "software adapter",
    figure: "matmul 1024: 30.9 GFLOP/s against tfjs-webgpu 6.7 and jax-js 6.9 (4.6x, 4.5x)",
    source: "bench/results/kernels_llvmpipe_2026-11-27.json",
  },
  {
    name: "gpu",
    ops: GEMM_OPS,
    meantFor: "gpu",
    status: "default",
    defaultOn: "GPUs",
    figure:
      "H100 AUG step (batch 64, 224x224): 274 ms, 0.22 of PyTorch CUDA, against 1388 ms (0.049) on the cpu family",
    source: "bench/results/step_h100.json",
  },
  {
    name: "tiled",
    ops: GEMM_OPS,
    meantFor: "gpu",
    status: "experimental",
    figure: `64x64 shared-memory tiles; ${UNTIMED_GPU}`,
    source: "4f89376",
  },
  {
    name: "wide",
    ops: GEMM_OPS,
    meantFor: "gpu",
    status: "experimental",
    figure: `128x128 shared-memory tiles, 8x8 per invocation; ${UNTIMED_GPU}`,
    source: "9ac4ecd",
  },
  {
    name: "narrow",
    ops: [
      "conv2d_backward_input",
      "conv2d_backward_weight",
      "conv3d_backward_input",
      "conv3d_backward_weight",
    ],
    meantFor: "software",
    status: "default",
    defaultOn: "software adapter, few input channels or short weight rows",
    figure: "audio stem weight gradient: 116.1 ms against the cpu block's 217.3 (batch 16)",
    source: "b728380",
  },
  {
    name: "window",
    ops: ["conv2d_backward_weight"],
    meantFor: "software",
    status: "tuned",
    figure: "7x7/2 stem weight gradients: audio 61.4 ms (narrow 116.1), visual 49.0 (cpu 116.9)",
    source: "349e762",
  },
  {
    name: "pointwise",
    ops: ["conv3d_forward", "conv3d_backward_input"],
    meantFor: "software",
    status: "tuned",
    figure: "I3D's 1x1x1 convolutions: forward 1.23-1.78x, input gradient 1.34-1.79x the direct",
    source: "b728380",
  },
  ...winograd("winograd", CONV3X3_OPS, {
    figure: "F(2x2, 3x3): layer3 256->256 @7 forward 48.4 against 26.8 GFLOP/s direct",
    source: "bench/results/kernels_llvmpipe_2026-11-27.json",
  }),
  ...winograd("winograd_f4", CONV3X3_OPS, {
    figure: "F(4x4, 3x3): layer2 128->128 @14 forward 57.5 against 32.7 GFLOP/s direct",
    source: "bench/results/kernels_llvmpipe_2026-11-27.json",
  }),
  ...winograd("winograd_f6", CONV2D_OPS, {
    figure: "F(6x6, 3x3): audio 64 @65x47 forward 49.6 ms, F(4x4) 53.4, F(2x2) 81.7",
    source: "47d8bdb",
  }),
  {
    name: "batchnorm_split",
    ops: ["batchnorm_stats", "batchnorm_backward_reduce"],
    meantFor: "gpu",
    status: "experimental",
    defaultOn: "GPUs, 16384+ values per channel",
    figure: "two-stage per-channel reductions (a GPU's default at that size); never timed on a GPU",
    source: "851231f",
  },
];

const OPS = new Map(VARIANTS.map((v) => [v.name, new Set(v.ops)]));

/** Whether `variant` of `op` is registered. */
export function isRegistered(op: string, variant: string): boolean {
  return OPS.get(variant)?.has(op) ?? false;
}
