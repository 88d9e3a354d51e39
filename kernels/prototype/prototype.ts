/**
 * PMR's prototype ops (Fan et al., "PMR: Prototypical Modal Rebalance for Multimodal Learning",
 * CVPR 2023), recorded on the GPU.
 *
 * `prototypeLogits` scores features against per-class prototypes by negative Euclidean distance,
 * s[i,k] = -|f_i - c_k| (autograd to the features; the prototypes are constants), so
 * CE(s, y) is the prototype loss. `pmrCoefficients` turns both modalities' prototype logits into
 * the step's loss weights (the imbalance ratio of their summed true-class prototype scores) with
 * no readback. `classSums` adds a batch's features into per-class sums, the prototypes' numerator.
 */
import forwardSrc from "./prototype_logits_forward.wgsl" with { type: "text" };
import backwardSrc from "./prototype_logits_backward.wgsl" with { type: "text" };
import coefficientsSrc from "./pmr_coefficients.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { matmulInto } from "../matmul/matmul.ts";
import { groups1d } from "../runtime/gpu.ts";

const forwardKernel = { name: "prototype_logits_forward", code: forwardSrc };
const backwardKernel = { name: "prototype_logits_backward", code: backwardSrc };
const coefficientsKernel = { name: "pmr_coefficients", code: coefficientsSrc };

/** Autograd s[i,k] = -|f_i - c_k|: features f [B, D] against prototypes c [K, D]. */
export function prototypeLogits(f: Tensor, c: Tensor): Tensor {
  expectShape(f, "prototype features", 2);
  const [B, D] = f.shape;
  expectShape(c, "prototypes", 2, [c.shape[0], D]);
  const K = c.shape[0];
  const s = Tensor.empty(f.gpu, [B, K]);
  f.gpu.dispatch(forwardKernel, [f.range, c.range, s.range], { u: [B, K, D] }, groups1d(B * K, 64));
  return record(s, [f], (g) => {
    const gf = gradOutput(f);
    if (!gf) return;
    f.gpu.dispatch(backwardKernel, [f.range, c.range, s.range, g.range, gf.out.range], {
      u: [B, K, D, gf.accumulate ? 1 : 0],
    }, groups1d(B * D, 64));
  });
}

/** What weighs PMR's loss terms. */
export interface PmrWeights {
  /** The prototype losses' weight alpha. */
  alpha: number;
  /** The entropy regulariser's weight mu. */
  mu: number;
  /** Whether the entropy terms are on (the last two weights are 0 when not). */
  entropy: boolean;
}

/**
 * PMR's weights from the prototype logits pa, pv [B, K] and one-hot labels y: a [4] tensor
 * [alpha beta, alpha lambda, -mu lambda, -mu beta], the weights of the prototype losses of a
 * and v and of the summed entropies of a and v. With rho = s_a / s_v of the summed true-class
 * prototype scores: rho >= 1 gives beta = 0, lambda = clamp(rho - 1, 0, 1), else
 * beta = clamp(1 / rho - 1, 0, 1), lambda = 0.
 */
export function pmrCoefficients(pa: Tensor, pv: Tensor, y: Tensor, w: PmrWeights): Tensor {
  const [B, K] = pa.shape;
  expectShape(pv, "pmr visual prototype logits", 2, [B, K]);
  expectShape(y, "pmr labels", 2, [B, K]);
  const out = Tensor.empty(pa.gpu, [4]);
  pa.gpu.dispatch(coefficientsKernel, [pa.range, pv.range, y.range, out.range], {
    u: [B, K, w.entropy ? 1 : 0],
    f: [w.alpha, w.mu],
  }, [1]);
  return out;
}

/** sums[k, :] += sum over the batch's samples of class k of f[i, :] (y one-hot [B, K]). */
export function classSums(sums: Tensor, f: Tensor, y: Tensor): void {
  const [B, D] = f.shape;
  expectShape(y, "class-sum labels", 2, [B, sums.shape[0]]);
  expectShape(sums, "class sums", 2, [sums.shape[0], D]);
  matmulInto(sums, y, f, { transA: "t", accumulate: true });
}
