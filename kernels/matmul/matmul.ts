/**
 * Matrix products and the linear layer, with their backward passes.
 *
 * `matmulInto` is the raw kernel call; `matmul` and `linear` are autograd ops:
 * linear(x[B,I], W[O,I], b[O]) = x W^T + b (PyTorch's layout for nn.Linear weights).
 */
import src from "./generated/matmul_forward.wgsl" with { type: "text" };
import gpuSrc from "./generated/matmul_forward_gpu.wgsl" with { type: "text" };
import tiledSrc from "./generated/matmul_forward_tiled.wgsl" with { type: "text" };
import wideSrc from "./generated/matmul_forward_wide.wgsl" with { type: "text" };
import biasSrc from "./bias_backward.wgsl" with { type: "text" };
import TILES from "./generated/tiles.json" with { type: "json" };
import { Tensor } from "../tensor.ts";
import { expectShape } from "../tensor.ts";
import { gradOutput, record } from "../autograd/node.ts";
import { variantTable } from "../variants/table.ts";
import { pick, variantPolicy } from "../variants/policy.ts";

/** The GEMM variants (tiles read from the generated headers). */
const VARIANTS = variantTable("matmul_forward", {
  cpu: src,
  gpu: gpuSrc,
  tiled: tiledSrc,
  wide: wideSrc,
}, TILES);
type Variant = keyof typeof VARIANTS;
const biasKernel = { name: "bias_backward", code: biasSrc };

/** How an operand is stored: as given ("n") or transposed ("t"). */
export type Trans = "n" | "t";

/** Options of `matmulInto`. */
export interface MatmulOptions {
  /** Whether A is used transposed (its stored layout is read by strides; no copy). */
  transA?: Trans;
  /** Whether B is used transposed. */
  transB?: Trans;
  /** A bias added to every row of the result (length N). */
  bias?: Tensor;
  /** Add to the current contents of `out` instead of overwriting. */
  accumulate?: boolean;
}

/**
 * out[M,N] (+)= op(a) op(b) (+ bias). With transA "t", `a` is stored [K,M]; with transB "t",
 * `b` is stored [N,K].
 */
export function matmulInto(out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): void {
  const ta = options.transA === "t", tb = options.transB === "t";
  expectShape(a, "matmul a", 2);
  expectShape(b, "matmul b", 2);
  const [M, K] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [K2, N] = tb ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== K2) throw new Error(`matmul: inner sizes differ: a [${a.shape}], b [${b.shape}]`);
  expectShape(out, "matmul out", 2, [M, N]);
  if (options.bias) expectShape(options.bias, "matmul bias", 1, [N]);
  const [sa0, sa1] = ta ? [1, M] : [K, 1];
  const [sb0, sb1] = tb ? [1, K] : [N, 1];
  const flags = (options.bias ? 1 : 0) | (options.accumulate ? 2 : 0);
  const gpu = out.gpu, u = [M, N, K, sa0, sa1, sb0, sb1, flags];
  const run = (v: Variant, o: Tensor, x: Tensor, y: Tensor, bias?: Tensor) =>
    gpu.dispatch(
      VARIANTS[v].kernel,
      [x.range, y.range, bias?.range ?? gpu.dummy, o.range],
      { u },
      [Math.ceil(N / VARIANTS[v].cols), Math.ceil(M / VARIANTS[v].rows)],
    );
  const shape = { key: `${M},${N},${K},${ta ? "t" : "n"}${tb ? "t" : "n"}`, flops: 2 * M * N * K };
  const v = pick(gpu, "matmul_forward", shape, VARIANTS, variantPolicy(gpu).gemm, () => {
    const [o, x, y] = [[M, N], a.shape, b.shape].map((d) => Tensor.empty(gpu, d));
    const bias = options.bias ? Tensor.empty(gpu, [N]) : undefined;
    return (variant) => run(variant, o, x, y, bias);
  });
  run(v, out, a, b, options.bias);
}

/** db[N] (+)= sum over rows of dy[M,N]: the bias gradient. */
export function biasBackwardInto(out: Tensor, dy: Tensor, accumulate: boolean): void {
  expectShape(dy, "bias_backward dy", 2);
  const [M, N] = dy.shape;
  expectShape(out, "bias_backward out", 1, [N]);
  out.gpu.dispatch(biasKernel, [dy.range, out.range], { u: [M, N, accumulate ? 1 : 0] }, [
    Math.ceil(N / 64),
  ]);
}

/** Autograd matmul: a[M,K] b[K,N] -> [M,N]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const out = Tensor.empty(a.gpu, [a.shape[0], b.shape[1]]);
  matmulInto(out, a, b);
  return record(out, [a, b], (g) => {
    const ga = gradOutput(a); // dA = dC B^T
    if (ga) matmulInto(ga.out, g, b, { transB: "t", accumulate: ga.accumulate });
    const gb = gradOutput(b); // dB = A^T dC
    if (gb) matmulInto(gb.out, a, g, { transA: "t", accumulate: gb.accumulate });
  });
}

/** Autograd linear layer: x[B,I] W[O,I]^T + b[O] -> [B,O]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  expectShape(x, "linear input", 2);
  expectShape(weight, "linear weight", 2, [undefined, x.shape[1]]);
  const out = Tensor.empty(x.gpu, [x.shape[0], weight.shape[0]]);
  matmulInto(out, x, weight, { transB: "t", bias });
  const parents = bias ? [x, weight, bias] : [x, weight];
  return record(out, parents, (g) => {
    const gx = gradOutput(x); // dx = g W
    if (gx) matmulInto(gx.out, g, weight, { accumulate: gx.accumulate });
    const gw = gradOutput(weight); // dW = g^T x
    if (gw) matmulInto(gw.out, g, x, { transA: "t", accumulate: gw.accumulate });
    const gb = bias && gradOutput(bias);
    if (gb) biasBackwardInto(gb.out, g, gb.accumulate);
  });
}
