/** Softmax, soft-target cross-entropy (batch mean) and summed entropy, with autograd for the losses. */
import softmaxSrc from "./softmax_forward.wgsl" with { type: "text" };
import ceForwardSrc from "./cross_entropy_forward.wgsl" with { type: "text" };
import ceBackwardSrc from "./cross_entropy_backward.wgsl" with { type: "text" };
import entropyForwardSrc from "./entropy_forward.wgsl" with { type: "text" };
import entropyBackwardSrc from "./entropy_backward.wgsl" with { type: "text" };
import jsForwardSrc from "./js_forward.wgsl" with { type: "text" };
import jsBackwardSrc from "./js_backward.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { groups1d } from "../runtime/gpu.ts";

const softmaxKernel = { name: "softmax_forward", code: softmaxSrc };
const ceForwardKernel = { name: "cross_entropy_forward", code: ceForwardSrc };
const ceBackwardKernel = { name: "cross_entropy_backward", code: ceBackwardSrc };
const entropyForwardKernel = { name: "entropy_forward", code: entropyForwardSrc };
const entropyBackwardKernel = { name: "entropy_backward", code: entropyBackwardSrc };
const jsForwardKernel = { name: "js_forward", code: jsForwardSrc };
const jsBackwardKernel = { name: "js_backward", code: jsBackwardSrc };

/** Row softmax of z [B, K] (no autograd: used for scores and detached targets). */
export function softmax(z: Tensor): Tensor {
  expectShape(z, "softmax input", 2);
  const [B, K] = z.shape;
  const out = Tensor.empty(z.gpu, [B, K]);
  z.gpu.dispatch(softmaxKernel, [z.range, out.range], { u: [B, K] }, groups1d(B, 64));
  return out;
}

/**
 * Autograd soft-target cross-entropy, mean over the batch: logits z [B, K], targets q [B, K]
 * (treated as constants; rows need not sum to 1). Returns a scalar tensor [1].
 */
export function crossEntropy(z: Tensor, q: Tensor): Tensor {
  expectShape(z, "cross_entropy logits", 2);
  expectShape(q, "cross_entropy targets", 2, [z.shape[0], z.shape[1]]);
  const [B, K] = z.shape;
  const loss = Tensor.empty(z.gpu, [1]);
  z.gpu.dispatch(ceForwardKernel, [z.range, q.range, loss.range], { u: [B, K] }, [1]);
  return record(loss, [z], (g) => {
    const gz = gradOutput(z);
    if (!gz) return;
    z.gpu.dispatch(ceBackwardKernel, [z.range, q.range, g.range, gz.out.range], {
      u: [B, K, gz.accumulate ? 1 : 0],
    }, groups1d(B, 64));
  });
}

/**
 * Autograd summed prediction entropy of logits z [B, K]: sum_i H(softmax(z_i)), a scalar [1]
 * (a sum over the batch, not a mean, as PMR's regulariser takes it).
 */
export function entropySum(z: Tensor): Tensor {
  expectShape(z, "entropy logits", 2);
  const [B, K] = z.shape;
  const h = Tensor.empty(z.gpu, [1]);
  z.gpu.dispatch(entropyForwardKernel, [z.range, h.range], { u: [B, K] }, [1]);
  return record(h, [z], (g) => {
    const gz = gradOutput(z);
    if (!gz) return;
    z.gpu.dispatch(entropyBackwardKernel, [z.range, g.range, gz.out.range], {
      u: [B, K, gz.accumulate ? 1 : 0],
    }, groups1d(B, 64));
  });
}

/**
 * Autograd alignment of two modalities' predictions as BalanceBenchmark's LFM takes it: the batch
 * mean of 0.5 (KL(m || p) + KL(m || q)), p = softmax(z1), q = softmax(z2), m = (p + q) / 2 (the
 * Jensen-Shannon divergence with each KL's arguments reversed). A scalar [1].
 */
export function jsAlignment(z1: Tensor, z2: Tensor): Tensor {
  expectShape(z1, "alignment logits", 2);
  const [B, K] = z1.shape;
  expectShape(z2, "alignment logits", 2, [B, K]);
  const out = Tensor.empty(z1.gpu, [1]);
  z1.gpu.dispatch(jsForwardKernel, [z1.range, z2.range, out.range], { u: [B, K] }, [1]);
  return record(out, [z1, z2], (g) => {
    const g1 = gradOutput(z1), g2 = gradOutput(z2);
    if (!g1 && !g2) return;
    const d1 = g1?.out ?? Tensor.empty(z1.gpu, [B, K]),
      d2 = g2?.out ?? Tensor.empty(z1.gpu, [B, K]);
    z1.gpu.dispatch(jsBackwardKernel, [z1.range, z2.range, g.range, d1.range, d2.range], {
      u: [B, K, g1?.accumulate ? 1 : 0, g2?.accumulate ? 1 : 0],
    }, groups1d(B, 64));
  });
}

/** One-hot targets [B, K] from integer labels (CPU-built, uploaded). */
export function oneHot(gpu: Tensor["gpu"], labels: ArrayLike<number>, classes: number): Tensor {
  const q = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new Error(`label ${y} at index ${i} outside [0, ${classes})`);
    }
    q[i * classes + y] = 1;
  }
  return Tensor.from(gpu, q, [labels.length, classes]);
}
