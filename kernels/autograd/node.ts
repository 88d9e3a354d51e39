/**
 * Reverse-mode autograd in the style of micrograd: every op that builds a tensor records its
 * inputs and a closure that, given the output's gradient, pushes gradients to the inputs.
 * `backward(loss)` walks the recorded graph in reverse topological order.
 *
 * Gradient storage: a parameter's `grad` is persistent (a view into its ParameterSet's gradient
 * arena) and kernels accumulate into it; an activation's gradient is allocated on first write
 * and accumulated in place afterwards. `gradOutput` tells a backward closure where to write.
 */
import { Tensor } from "../tensor.ts";

let gradEnabled = true;

/** The scalar 1 that seeds backward from a loss, uploaded once per device (no upload per step). */
const ones = new WeakMap<Tensor["gpu"], Tensor>();
function one(gpu: Tensor["gpu"]): Tensor {
  let t = ones.get(gpu);
  if (!t || t.disposed) {
    t = Tensor.from(gpu, [1], [1]).persist();
    ones.set(gpu, t);
  }
  return t;
}

/** Run `fn` without recording the graph (evaluation). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Attach `parents` and `backwardFn` to `out` when any parent requires a gradient. */
export function record(out: Tensor, parents: Tensor[], backwardFn: (grad: Tensor) => void): Tensor {
  if (gradEnabled && parents.some((p) => p.requiresGrad)) {
    out.requiresGrad = true;
    out.parents = parents;
    out.backwardFn = backwardFn;
  }
  return out;
}

/** Where a backward kernel writes the gradient of `t`: null when `t` needs none. */
export function gradOutput(t: Tensor): { out: Tensor; accumulate: boolean } | null {
  if (!t.requiresGrad) return null;
  if (t.isParam) {
    if (!t.grad) throw new Error(`parameter [${t.shape}] has no gradient buffer`);
    return { out: t.grad, accumulate: true };
  }
  if (!t.grad) {
    t.grad = Tensor.empty(t.gpu, t.shape);
    return { out: t.grad, accumulate: false };
  }
  if (t.gradShared) {
    const copy = Tensor.empty(t.gpu, t.shape);
    t.gpu.encoder().copyBufferToBuffer(t.grad.buffer, t.grad.offset, copy.buffer, 0, t.byteSize);
    t.grad = copy;
    t.gradShared = false;
  }
  return { out: t.grad, accumulate: true };
}

/** Topological order of the graph below `root` (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const p of t.parents) if (p.requiresGrad && !seen.has(p)) stack.push([p, false]);
  }
  return order;
}

/**
 * Backpropagate from `root` (a scalar loss, seeded with 1, or any tensor with `seed`), then
 * drop the graph. Parameter gradients accumulate; call zeroGrad on their set between steps.
 * @example Fit a linear layer with SGD
 * ```ts
 * import { backward, crossEntropy, Gpu, linear, oneHot, ParameterSet, Rng, Scope, Tensor, xavierNormal } from "@mmboost/mmboost";
 * const gpu = await Gpu.create();
 * const rng = new Rng(0);
 * const params = ParameterSet.create(gpu, [
 *   { name: "fc.weight", shape: [3, 4], data: xavierNormal(rng, [3, 4]) },
 *   { name: "fc.bias", shape: [3], data: new Float32Array(3) },
 * ]);
 * const losses: number[] = [];
 * for (let step = 0; step < 20; step++) {
 *   using _ = new Scope(gpu);
 *   params.zeroGrad();
 *   const x = Tensor.from(gpu, [1, 2, 3, 4, 4, 3, 2, 1], [2, 4]);
 *   const z = linear(x, params.get("fc.weight"), params.get("fc.bias"));
 *   const loss = crossEntropy(z, oneHot(gpu, [0, 2], 3));
 *   backward(loss);
 *   params.sgdStep({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }); // one dispatch for all
 *   losses.push((await loss.read())[0]);
 * }
 * if (!(losses[19] < losses[0] / 2)) throw new Error(`the loss did not fall: ${losses}`);
 * ```
 */
export function backward(root: Tensor, seed?: Tensor, o: BackwardOptions = {}): void {
  if (!root.requiresGrad) throw new Error("backward: the tensor does not require a gradient");
  if (!seed && root.size !== 1) throw new Error(`backward: non-scalar root [${root.shape}]`);
  root.grad = seed ?? one(root.gpu).view(root.shape);
  root.gradShared = true; // never written in place: the seed belongs to the caller or the cache
  const order = topoOrder(root);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    if (t.backwardFn && t.grad) t.backwardFn(t.grad);
  }
  for (const t of order) {
    if (o.retainGraph) {
      if (t.isParam) continue;
      t.grad = null; // the next backward over this graph starts from clean activation gradients
      t.gradShared = false;
    } else {
      t.parents = [];
      t.backwardFn = null;
    }
  }
}

/** Options of `backward`. */
export interface BackwardOptions {
  /**
   * Keep the graph for another backward from another root over shared parts (one gradient per
   * loss for the same parameters, e.g. MMPareto); the activations' gradients are cleared, the
   * parameters' keep accumulating.
   */
  retainGraph?: boolean;
}
