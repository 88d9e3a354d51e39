/**
 * The configurable classifiers of AUG. Each modality has n classifiers; classifier t is a
 * private Layer1_t (D -> hidden) + ReLU followed by Layer2 (hidden -> K), and Layer2 is ONE head
 * shared by every classifier of every modality. A modality's output is the sum of its
 * classifiers' logits. New classifiers: Linear(D, hidden), xavier-normal weight, zero bias;
 * trainable by default, or frozen (the reference code's quirk: created after the optimizer, so
 * never updated, while gradients still pass through it to the encoder and the head).
 */
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { type Rng, xavierNormal } from "../../kernels/init/init.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import { ParameterSet } from "../../kernels/optim/parameters.ts";
import { linear } from "../../kernels/matmul/matmul.ts";
import { add, relu } from "../../kernels/elementwise/elementwise.ts";
import type { EnsembleLogits } from "../../kernels/boosting/boosting.ts";

/** A Linear(inputs -> outputs) with the reference's init, named `weight` and `bias`. */
export function linearParams(gpu: Gpu, rng: Rng, inputs: number, outputs: number): ParameterSet {
  return ParameterSet.create(gpu, [
    { name: "weight", shape: [outputs, inputs], data: xavierNormal(rng, [outputs, inputs]) },
    { name: "bias", shape: [outputs], data: new Float32Array(outputs) },
  ]);
}

/** Apply a `linearParams` set. */
export function applyLinear(x: Tensor, p: ParameterSet): Tensor {
  return linear(x, p.get("weight"), p.get("bias"));
}

/** One Layer1 of a modality. */
export interface ClassifierLayer {
  /** Its weight and bias (D -> hidden). */
  params: ParameterSet;
  /** Never updated by the optimizer (the reference quirk); gradients still pass through. */
  frozen: boolean;
}

/** The classifiers of one modality (they share `head`). */
export class ModalityClassifiers {
  /** The classifiers, oldest first. */
  readonly layers: ClassifierLayer[] = [];
  /** Input features (the encoder's output size). */
  readonly features: number;
  /** Output size of each Layer1 (the shared head's input). */
  readonly hidden: number;
  readonly #gpu: Gpu;

  /** No classifiers yet; `add` creates them. */
  constructor(gpu: Gpu, features: number, hidden: number) {
    this.#gpu = gpu;
    this.features = features;
    this.hidden = hidden;
  }

  /** Append a classifier (xavier-normal weight, zero bias). */
  add(rng: Rng, frozen = false): ClassifierLayer {
    const params = linearParams(this.#gpu, rng, this.features, this.hidden);
    if (frozen) { for (const n of params.names) params.get(n).requiresGrad = false; }
    const layer = { params, frozen };
    this.layers.push(layer);
    return layer;
  }

  /** Number of classifiers. */
  get count(): number {
    return this.layers.length;
  }

  /** The parameter sets the optimizer updates (frozen layers excluded). */
  get trainable(): ParameterSet[] {
    return this.layers.filter((l) => !l.frozen).map((l) => l.params);
  }

  /** Logits of every classifier summed (all), of all but the newest (pre), and the newest. */
  forward(x: Tensor, head: ParameterSet): EnsembleLogits {
    if (this.layers.length === 0) throw new Error("a modality has no classifier");
    const z = this.layers.map((l) => applyLinear(relu(applyLinear(x, l.params)), head));
    let pre: Tensor | null = null;
    let all = z[0];
    for (let t = 1; t < z.length; t++) {
      pre = all;
      all = add(all, z[t]);
    }
    return { all, pre, last: z[z.length - 1] };
  }

  /** Releases every classifier's parameters. */
  destroy(): void {
    for (const l of this.layers) l.params.destroy();
  }
}
