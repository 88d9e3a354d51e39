/**
 * Gradient modulation for the rebalancing methods, recorded on the GPU (no readback).
 *
 * OGM-GE (Peng et al., CVPR 2022): `ogmCoefficients` turns the two modalities' logits into the
 * coefficients k_a, k_v of Eq. 10 (on the GPU, [k_a, k_v, rho, 0]); `modulateGradients` scales
 * one encoder's gradients by its coefficient and, with GE, adds Gaussian noise of each parameter
 * tensor's own gradient spread (counter-based draws: the same on every run and on resume).
 *
 * MMPareto (Wei and Hu, ICML 2024): `paretoWeights` gives the weights of an encoder's multimodal
 * and unimodal gradients (equal when they agree, the min-norm point when they conflict), and
 * `paretoCombine` writes their combination, rescaled per parameter tensor, over the encoder's
 * gradient arena.
 *
 * MLA (Zhang et al., CVPR 2024): `gsProjectorUpdate` takes one recursive least-squares step of
 * the shared head's projector P from the features it just saw; `gsModifyGradient` adds g P^T to
 * the head weight's gradient g, keeping what one modality learns out of what the others did.
 */
import coefficientsSrc from "./ogm_coefficients.wgsl" with { type: "text" };
import modulateSrc from "./grad_modulate.wgsl" with { type: "text" };
import dotsSrc from "./pareto_dots.wgsl" with { type: "text" };
import weightsSrc from "./pareto_weights.wgsl" with { type: "text" };
import combineSrc from "./pareto_combine.wgsl" with { type: "text" };
import projectorSrc from "./gs_projector.wgsl" with { type: "text" };
import { matmulInto } from "../matmul/matmul.ts";
import { expectShape, Tensor } from "../tensor.ts";
import type { ParameterSet } from "../optim/parameters.ts";

const coefficientsKernel = { name: "ogm_coefficients", code: coefficientsSrc };
const modulateKernel = { name: "grad_modulate", code: modulateSrc };
const dotsKernel = { name: "pareto_dots", code: dotsSrc };
const weightsKernel = { name: "pareto_weights", code: weightsSrc };
const combineKernel = { name: "pareto_combine", code: combineSrc };
const projectorKernel = { name: "gs_projector", code: projectorSrc };

/**
 * OGM's coefficients from the modalities' logits za, zv [B, K] and one-hot labels y: a [4]
 * tensor [k_a, k_v, rho, 0] with rho = s_v / s_a; `modulate` false gives k_a = k_v = 1.
 */
export function ogmCoefficients(
  za: Tensor,
  zv: Tensor,
  y: Tensor,
  alpha: number,
  modulate: boolean,
): Tensor {
  const [B, K] = za.shape;
  expectShape(zv, "ogm visual logits", 2, [B, K]);
  expectShape(y, "ogm labels", 2, [B, K]);
  const out = Tensor.empty(za.gpu, [4]);
  za.gpu.dispatch(coefficientsKernel, [za.range, zv.range, y.range, out.range], {
    u: [B, K, modulate ? 1 : 0],
    f: [alpha],
  }, [1]);
  return out;
}

/** How `modulateGradients` changes an encoder's gradients. */
export interface ModulateOptions {
  /** Add GE's Gaussian noise after scaling. */
  noise: boolean;
  /** Only the 4-D tensors (convolution weights), as the OGM-GE reference code selects them. */
  convOnly: boolean;
  /** The run's seed, the step's index and a stream per modality: the noise's counter. */
  seed: number;
  step: number;
  stream: number;
}

/** Per ParameterSet and selection, the [offset, length] table of its tensors (u32 pairs). */
const tables = new WeakMap<ParameterSet, Map<boolean, { table: Tensor; count: number }>>();

/**
 * The [offset, length] table (u32 pairs, on the GPU) of the tensors of `params`, all of them or
 * the 4-D ones (`convOnly`), with their count; made once per set and selection.
 */
export function parameterSegments(
  params: ParameterSet,
  convOnly: boolean,
): { table: Tensor; count: number } {
  let bySel = tables.get(params);
  if (!bySel) tables.set(params, bySel = new Map());
  let t = bySel.get(convOnly);
  if (!t) {
    const names = params.names.filter((n) => !convOnly || params.get(n).shape.length === 4);
    if (names.length === 0) throw new Error("modulateGradients: no parameter tensor selected");
    const pairs = new Uint32Array(
      names.flatMap((n) => [params.offsets.get(n)!, params.get(n).size]),
    );
    // u32 pairs carried in an f32 tensor's bytes (the values stay below 2^31: no NaN pattern)
    t = {
      table: Tensor.from(params.gpu, new Float32Array(pairs.buffer), [pairs.length]).persist(),
      count: names.length,
    };
    bySel.set(convOnly, t);
  }
  return t;
}

/**
 * g <- k g (+ GE noise) for the gradients of `params` (an encoder's arena), in place, with
 * k = coeff[which] (ogmCoefficients' layout: 0 audio, 1 visual).
 */
export function modulateGradients(
  params: ParameterSet,
  coeff: Tensor,
  which: number,
  o: ModulateOptions,
): void {
  const { table, count } = parameterSegments(params, o.convOnly);
  const gx = Math.min(count, 65535), gy = Math.ceil(count / gx);
  params.gpu.dispatch(modulateKernel, [table.range, coeff.range, params.grads.range], {
    u: [count, which, o.noise ? 1 : 0, o.seed >>> 0, o.step >>> 0, o.stream >>> 0, gx],
  }, [gx, gy]);
}

/** A grid of `n` workgroups, folded into y past 65535. */
const folded = (n: number): [number, number] => {
  const gx = Math.min(n, 65535);
  return [gx, Math.ceil(n / gx)];
};

/**
 * MMPareto's weights [k0, k1, cosine, 0] (on the GPU) of the multimodal gradient `a` and the
 * unimodal one `b` of one encoder (whole arenas of the same layout).
 */
export function paretoWeights(a: Tensor, b: Tensor): Tensor {
  expectShape(b, "pareto unimodal gradient", a.shape.length, [...a.shape]);
  const gpu = a.gpu, groups = Math.min(256, Math.ceil(a.size / 256));
  const partial = Tensor.empty(gpu, [3 * groups]);
  const [gx, gy] = folded(groups);
  gpu.dispatch(dotsKernel, [a.range, b.range, partial.range], { u: [a.size, groups, gx] }, [
    gx,
    gy,
  ]);
  const out = Tensor.empty(gpu, [4]);
  gpu.dispatch(weightsKernel, [partial.range, out.range], { u: [groups] }, [1]);
  return out;
}

/**
 * Over `params`' gradients (holding the unimodal loss's), per parameter tensor:
 * gamma * s * (2 k0 a + 2 k1 b) with s = max(1, |a + b| / |2 k0 a + 2 k1 b|); `a` holds the
 * multimodal loss's gradients in the same layout, `k` is paretoWeights' output.
 */
export function paretoCombine(params: ParameterSet, a: Tensor, k: Tensor, gamma: number): void {
  expectShape(a, "pareto multimodal gradient", 1, [params.grads.size]);
  const { table, count } = parameterSegments(params, false);
  const [gx, gy] = folded(count);
  params.gpu.dispatch(combineKernel, [table.range, k.range, a.range, params.grads.range], {
    u: [count, gx],
    f: [gamma],
  }, [gx, gy]);
}

/**
 * P <- (P - k k^T / (alpha + r k)) / |.|_F in place, with r the batch mean of `features` [B, D]
 * and k = P r^T (MLA's projector step; D at most 1024).
 */
export function gsProjectorUpdate(projector: Tensor, features: Tensor, alpha: number): void {
  const [B, D] = features.shape;
  expectShape(projector, "gs projector", 2, [D, D]);
  if (D > 1024) throw new Error(`gsProjectorUpdate: features of ${D} > 1024`);
  projector.gpu.dispatch(projectorKernel, [features.range, projector.range], {
    u: [B, D],
    f: [alpha],
  }, [1]);
}

/** grad <- grad + grad P^T for a weight gradient [K, D] and the projector P [D, D]. */
export function gsModifyGradient(grad: Tensor, projector: Tensor): void {
  const copy = Tensor.empty(grad.gpu, grad.shape);
  grad.gpu.encoder().copyBufferToBuffer(
    grad.buffer,
    grad.offset,
    copy.buffer,
    copy.offset,
    grad.byteSize,
  );
  matmulInto(grad, copy, projector, { transB: "t", accumulate: true });
}
