/** Elementwise ops: relu, add and a scale by a GPU-side coefficient, with autograd; axpy. */
import reluForwardSrc from "./relu_forward.wgsl" with { type: "text" };
import reluBackwardSrc from "./relu_backward.wgsl" with { type: "text" };
import addForwardSrc from "./add_forward.wgsl" with { type: "text" };
import scaleBySrc from "./scale_by.wgsl" with { type: "text" };
import axpySrc from "./axpy.wgsl" with { type: "text" };
import { Tensor } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { groups1d } from "../runtime/gpu.ts";

const reluForwardKernel = { name: "relu_forward", code: reluForwardSrc };
const reluBackwardKernel = { name: "relu_backward", code: reluBackwardSrc };
const addForwardKernel = { name: "add_forward", code: addForwardSrc };
const scaleByKernel = { name: "scale_by", code: scaleBySrc };
const axpyKernel = { name: "axpy", code: axpySrc };

function sameDims(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function sameShape(a: Tensor, b: Tensor, what: string): void {
  if (!sameDims(a, b)) {
    throw new Error(`${what}: shapes differ: [${a.shape}] and [${b.shape}]`);
  }
}

/** out = a + b (no autograd). */
export function addInto(out: Tensor, a: Tensor, b: Tensor): void {
  sameShape(a, b, "add");
  sameShape(a, out, "add output");
  a.gpu.dispatch(
    addForwardKernel,
    [a.range, b.range, out.range],
    { u: [a.size] },
    groups1d(a.size, 256),
  );
}

/** y = max(x, 0) (no autograd). */
export function reluInto(y: Tensor, x: Tensor): void {
  sameShape(x, y, "relu");
  x.gpu.dispatch(reluForwardKernel, [x.range, y.range], { u: [x.size] }, groups1d(x.size, 256));
}

/** dx (+)= dy * (y > 0). */
export function reluBackwardInto(dx: Tensor, y: Tensor, dy: Tensor, accumulate: boolean): void {
  sameShape(y, dy, "relu backward");
  y.gpu.dispatch(reluBackwardKernel, [y.range, dy.range, dx.range], {
    u: [y.size, accumulate ? 1 : 0],
  }, groups1d(y.size, 256));
}

/**
 * Add `g` to the gradient of `t` for ops whose backward is the identity (add, reshape):
 * the first contribution is shared without a copy, later ones are summed.
 */
export function accumulateGrad(t: Tensor, g: Tensor): void {
  if (!t.requiresGrad) return;
  if (t.isParam) throw new Error(`accumulateGrad: parameter [${t.shape}] needs a writing kernel`);
  if (!t.grad) {
    t.grad = sameDims(g, t) ? g : g.view(t.shape);
    t.gradShared = true;
    return;
  }
  const sum = Tensor.empty(t.gpu, t.shape);
  addInto(sum, t.grad, g.view(t.shape));
  t.grad = sum;
  t.gradShared = false;
}

/** Autograd relu. */
export function relu(x: Tensor): Tensor {
  const y = Tensor.empty(x.gpu, x.shape);
  reluInto(y, x);
  return record(y, [x], (g) => {
    const gx = gradOutput(x);
    if (gx) reluBackwardInto(gx.out, y, g, gx.accumulate);
  });
}

/** Autograd elementwise sum of two tensors of the same shape. */
export function add(a: Tensor, b: Tensor): Tensor {
  const c = Tensor.empty(a.gpu, a.shape);
  addInto(c, a, b);
  return record(c, [a, b], (g) => {
    accumulateGrad(a, g);
    accumulateGrad(b, g);
  });
}

/** Autograd reshape (a view sharing the data). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const y = x.view(shape);
  return record(y, [x], (g) => accumulateGrad(x, g));
}

/** y (+)= x * w[index] (no autograd). */
export function scaleByInto(y: Tensor, x: Tensor, w: Tensor, index: number, accumulate: boolean) {
  sameShape(x, y, "scale_by");
  if (!Number.isInteger(index) || index < 0 || index >= w.size) {
    throw new Error(`scale_by: index ${index} outside the ${w.size} coefficients`);
  }
  x.gpu.dispatch(scaleByKernel, [x.range, w.range, y.range], {
    u: [x.size, index, accumulate ? 1 : 0],
  }, groups1d(x.size, 64));
}

/**
 * Autograd x * w[index]: a tensor scaled by one element of a coefficient vector computed on the
 * GPU (treated as a constant), so a loss can be weighted without reading the weight back.
 */
export function scaleBy(x: Tensor, w: Tensor, index: number): Tensor {
  const y = Tensor.empty(x.gpu, x.shape);
  scaleByInto(y, x, w, index, false);
  return record(y, [x], (g) => {
    const gx = gradOutput(x);
    if (gx) scaleByInto(gx.out, g, w, index, gx.accumulate);
  });
}

/** y += a * x (no autograd). */
export function axpyInto(y: Tensor, x: Tensor, a: number): void {
  sameShape(x, y, "axpy");
  x.gpu.dispatch(axpyKernel, [x.range, y.range], { f: [a], u: [x.size] }, groups1d(x.size, 256));
}
