/**
 * Batch normalisation over [B, C, ...] (2-D images, or 3-D video with S = T*H*W), with
 * PyTorch's training semantics: normalise with the batch mean and biased variance, update the
 * running statistics with `momentum` and the unbiased variance; in eval, use the running ones.
 * `relu: true` fuses the ReLU that usually follows (saves a pass over the activations each way),
 * `residual` the sum before it that ends a ResNet block.
 */
import statsSrc from "./batchnorm_stats.wgsl" with { type: "text" };
import forwardSrc from "./batchnorm_forward.wgsl" with { type: "text" };
import reduceSrc from "./batchnorm_backward_reduce.wgsl" with { type: "text" };
import inputSrc from "./batchnorm_backward_input.wgsl" with { type: "text" };
import forwardVec4Src from "./batchnorm_forward_vec4.wgsl" with { type: "text" };
import inputVec4Src from "./batchnorm_backward_input_vec4.wgsl" with { type: "text" };
import statsPartialSrc from "./batchnorm_stats_partial.wgsl" with { type: "text" };
import statsMergeSrc from "./batchnorm_stats_merge.wgsl" with { type: "text" };
import reducePartialSrc from "./batchnorm_backward_reduce_partial.wgsl" with { type: "text" };
import reduceMergeSrc from "./batchnorm_backward_reduce_merge.wgsl" with { type: "text" };
import { expectShape, numel, Tensor } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { accumulateGrad, reluBackwardInto } from "../elementwise/elementwise.ts";
import { type Gpu, groups1d, type Kernel } from "../runtime/gpu.ts";
import { isExcluded, variantPolicy } from "../variants/policy.ts";
import { withConstants } from "../runtime/specialize.ts";

const forwardKernel = { name: "batchnorm_forward", code: forwardSrc };
const inputKernel = { name: "batchnorm_backward_input", code: inputSrc };

/** A vec4 kernel with the channel count C and plane size S as its pipeline constants. */
const perShape = (name: string, code: string, C: number, S: number): Kernel =>
  withConstants({ name, code }, { C, S });

/**
 * The per-channel reductions (statistics, backward sums) with one workgroup of 256 lanes per
 * channel, or of 64 where the planes are small (S < 256: ResNet18's layers 2-4 at 112x112):
 * there the software adapter spent most of the time switching between lanes (2-3.5x faster with
 * 64). The lane count decides the summation order, so it depends on S only, on every adapter.
 */
function perChannel(name: string, code: string, S: number): Kernel {
  const lanes = S < 256 ? 64 : 256;
  return withConstants({ name, code }, { LANES: lanes });
}

const statsMerge = { name: "batchnorm_stats_merge", code: statsMergeSrc };
const reduceMerge = { name: "batchnorm_backward_reduce_merge", code: reduceMergeSrc };

/** Values per workgroup of the split reductions' first stage. */
const SPLIT_CHUNK = 4096;
/** Values per channel from which a GPU splits the per-channel reductions over workgroups. */
export const SPLIT_MIN = 16384;
/** The variant name that forces the split reductions (the preferred variant, MMBOOST_VARIANT). */
export const BATCHNORM_SPLIT = "batchnorm_split";

/**
 * How the per-channel reductions (statistics, backward sums) of [B, C, S] run: 0, one workgroup
 * per channel (the software adapter, and small planes); else the number of slices P per channel
 * of a two-stage form, one workgroup per (slice, channel) and then one per channel merging the
 * slices. With one workgroup per channel a GPU runs only C workgroups over B * S values each
 * (64 of them over 800k values for ResNet18's first batch norm at batch 64, 224x224: a few per
 * streaming multiprocessor); the split runs B * ceil(S / 4096) times as many. It sums in another
 * order (float rounding only). Forced by the preferred variant "batchnorm_split" (the tests run it on
 * the software adapter), kept out by MMBOOST_EXCLUDE=batchnorm_split.
 */
export function splitSlices(gpu: Gpu, B: number, S: number): number {
  const forced = variantPolicy(gpu).prefer === BATCHNORM_SPLIT;
  if (!forced && (gpu.software || B * S < SPLIT_MIN)) return 0;
  if (!forced && isExcluded(gpu, BATCHNORM_SPLIT)) return 0; // MMBOOST_EXCLUDE=batchnorm_split
  const P = B * Math.ceil(S / SPLIT_CHUNK);
  return P <= 65535 ? P : 0; // one grid dimension
}

/** Options of `batchNorm`. PyTorch's BatchNorm2d defaults: momentum 0.1, eps 1e-5. */
export interface BatchNormOptions {
  /** Training mode: batch statistics, running statistics updated; else the running ones. */
  training: boolean;
  /** Weight of the batch in the running statistics; default 0.1 (PyTorch's). */
  momentum?: number;
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Apply ReLU to the output, fused (the forward and both backward kernels handle it). */
  relu?: boolean;
  /**
   * A tensor of x's shape added to the output before the ReLU, fused into the forward pass: a
   * ResNet block's relu(bn(conv(h)) + shortcut) in one pass instead of three. Its backward is
   * the unfused one (ReLU's, then the sum's and batch norm's), so the gradients are the same.
   */
  residual?: Tensor;
}

/**
 * Autograd batch norm. `running` is [2, C]: running mean then running variance, updated in
 * place in training. gamma and beta are [C].
 */
export function batchNorm(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  running: Tensor,
  options: BatchNormOptions,
): Tensor {
  if (x.shape.length < 2) throw new Error(`batchnorm input: expected [B,C,...], got [${x.shape}]`);
  const [B, C] = x.shape;
  const S = numel(x.shape.slice(2));
  expectShape(gamma, "batchnorm weight", 1, [C]);
  expectShape(beta, "batchnorm bias", 1, [C]);
  expectShape(running, "batchnorm running stats", 2, [2, C]);
  const eps = options.eps ?? 1e-5, momentum = options.momentum ?? 0.1;
  const gpu = x.gpu;
  let stats = running;
  if (options.training) {
    if (B * S < 2) {
      throw new Error(`batchnorm: training needs more than 1 value per channel, got [${x.shape}]`);
    }
    stats = Tensor.empty(gpu, [2, C]);
    const P = splitSlices(gpu, B, S);
    if (P > 0) {
      const Q = P / B, partial = Tensor.empty(gpu, [C, P, 3]);
      gpu.dispatch(
        perChannel("batchnorm_stats_partial", statsPartialSrc, Math.min(S, SPLIT_CHUNK)),
        [x.range, partial.range],
        { u: [B, C, S, Q, SPLIT_CHUNK] },
        [P, C],
      );
      gpu.dispatch(
        statsMerge,
        [partial.range, stats.range, running.range],
        { u: [C, P, 1], f: [momentum] },
        [C],
      );
    } else {
      gpu.dispatch(
        perChannel("batchnorm_stats", statsSrc, S),
        [x.range, stats.range, running.range],
        {
          u: [B, C, S, 1],
          f: [momentum],
        },
        [C],
      );
    }
  }
  const residual = options.residual;
  if (residual) expectShape(residual, "batchnorm residual", x.shape.length, [...x.shape]);
  const y = Tensor.empty(gpu, x.shape);
  const relu = options.relu ? 1 : 0;
  // Elementwise passes: four elements per invocation when the size allows (faster everywhere).
  const vec4 = x.size % 4 === 0 && S >= 4;
  const grid = groups1d(vec4 ? x.size / 4 : x.size, 256);
  gpu.dispatch(
    vec4 ? perShape("batchnorm_forward_vec4", forwardVec4Src, C, S) : forwardKernel,
    [x.range, stats.range, gamma.range, beta.range, y.range, residual?.range ?? gpu.dummy],
    {
      u: vec4 ? [x.size, relu, residual ? 1 : 0] : [x.size, C, S, relu, residual ? 1 : 0],
      f: [eps],
    },
    grid,
  );
  if (residual && options.training) {
    // backward as unfused: g through the ReLU (by y), to the residual and to the batch norm
    return record(y, [x, gamma, beta, residual], (g) => {
      const masked = relu ? Tensor.empty(gpu, y.shape) : g;
      if (relu) reluBackwardInto(masked, y, g, false);
      accumulateGrad(residual, masked);
      batchNormBackward(x, gamma, beta, stats, masked, { B, C, S, eps, relu: 0, vec4, grid });
    });
  }
  if (!options.training) return y; // eval: no graph (running stats are constants)
  return record(
    y,
    [x, gamma, beta],
    (g) => batchNormBackward(x, gamma, beta, stats, g, { B, C, S, eps, relu, vec4, grid }),
  );
}

/** The sizes and choices of one batch norm that its backward reuses. */
interface BackwardGeometry {
  B: number;
  C: number;
  S: number;
  eps: number;
  /** 1: dy is masked by the fused ReLU (recomputed from x), 0: not. */
  relu: number;
  vec4: boolean;
  grid: readonly number[];
}

/** The gradients of x, gamma and beta (those that train) for output gradient g. */
function batchNormBackward(
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  stats: Tensor,
  g: Tensor,
  { B, C, S, eps, relu, vec4, grid }: BackwardGeometry,
): void {
  const gpu = x.gpu;
  const sums = Tensor.empty(gpu, [2, C]);
  const gg = gradOutput(gamma), gb = gradOutput(beta);
  if ((gg === null) !== (gb === null)) {
    throw new Error("batchnorm: gamma and beta must both train");
  }
  const flags = (gg ? 1 | (gg.accumulate ? 2 : 0) : 0) | (relu ? 4 : 0);
  const P = splitSlices(gpu, B, S);
  if (P > 0) {
    const partial = Tensor.empty(gpu, [C, P, 2]);
    gpu.dispatch(
      perChannel("batchnorm_backward_reduce_partial", reducePartialSrc, Math.min(S, SPLIT_CHUNK)),
      [x.range, g.range, stats.range, gamma.range, beta.range, partial.range],
      { u: [B, C, S, P / B, SPLIT_CHUNK, flags], f: [eps] },
      [P, C],
    );
    gpu.dispatch(
      reduceMerge,
      [
        partial.range,
        sums.range,
        gg ? gg.out.range : gpu.dummy,
        gb ? gb.out.range : gpu.dummy,
      ],
      { u: [C, P, flags] },
      [C],
    );
  } else {
    gpu.dispatch(
      perChannel("batchnorm_backward_reduce", reduceSrc, S),
      [
        x.range,
        g.range,
        stats.range,
        sums.range,
        gg ? gg.out.range : gpu.dummy,
        gb ? gb.out.range : gpu.dummy,
        gamma.range,
        beta.range,
      ],
      { u: [B, C, S, flags], f: [eps] },
      [C],
    );
  }
  const gx = gradOutput(x);
  if (gx) {
    const accumulate = gx.accumulate ? 1 : 0;
    gpu.dispatch(
      vec4 ? perShape("batchnorm_backward_input_vec4", inputVec4Src, C, S) : inputKernel,
      [x.range, g.range, stats.range, gamma.range, sums.range, gx.out.range, beta.range],
      {
        u: vec4 ? [x.size, B * S, accumulate, relu] : [x.size, C, S, B * S, accumulate, relu],
        f: [eps],
      },
      grid,
    );
  }
}
