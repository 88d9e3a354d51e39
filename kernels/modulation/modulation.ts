/**
 * Gradient modulation for the rebalancing methods, recorded on the GPU (no readback).
 *
 * OGM-GE (Peng et al., CVPR 2022): `ogmCoefficients` turns the two modalities' logits into the
 * coefficients k_a, k_v of Eq. 10 (on the GPU, [k_a, k_v, rho, 0]); `modulateGradients` scales
 * one encoder's gradients by its coefficient and, with GE, adds Gaussian noise of each parameter
 * tensor's own gradient spread (counter-based draws: the same on every run and on resume).
 */
import coefficientsSrc from "./ogm_coefficients.wgsl" with { type: "text" };
import modulateSrc from "./grad_modulate.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import type { ParameterSet } from "../optim/parameters.ts";

const coefficientsKernel = { name: "ogm_coefficients", code: coefficientsSrc };
const modulateKernel = { name: "grad_modulate", code: modulateSrc };

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

function segments(params: ParameterSet, convOnly: boolean): { table: Tensor; count: number } {
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
  const { table, count } = segments(params, o.convOnly);
  const gx = Math.min(count, 65535), gy = Math.ceil(count / gx);
  params.gpu.dispatch(modulateKernel, [table.range, coeff.range, params.grads.range], {
    u: [count, which, o.noise ? 1 : 0, o.seed >>> 0, o.step >>> 0, o.stream >>> 0, gx],
  }, [gx, gy]);
}
