/**
 * Pointwise convolutions (a 1x1 or 1x1x1 kernel, stride 1, no padding: I3D's Inception branches)
 * as one GEMM per image, y_b [Co, P] = w [Co, Ci] x_b [Ci, P], on the software adapter's vec4
 * GEMM (both operands and the results four values at a time; see tools/gen_gemm.ts vec4Kernel):
 * the forward pass reads the weights transposed ([Ci, Co], a small transpose per call), the input
 * gradient dx_b = w^T dy_b reads them as stored. The same sums as the direct kernels, in the same
 * order. A variant of the conv passes ("pointwise") where channels and positions per image are
 * multiples of 4; the weight gradient stays with the direct kernels.
 */
import gemmSrc from "./generated/pointwise_gemm_vec4.wgsl" with { type: "text" };
import TILES from "./generated/tiles.json" with { type: "json" };
import { swapAxes12Into, swapKernel } from "../layout/layout.ts";
import { expectShape, Tensor } from "../tensor.ts";
import { tiledKernel } from "../variants/table.ts";

/** The GEMM kernel (its tile read from the header) and, as a companion, the transpose it needs. */
export const POINTWISE = {
  ...tiledKernel("pointwise_gemm_vec4", gemmSrc, TILES),
  companions: [swapKernel],
};

/** A convolution's geometry as far as the pointwise path cares (any number of dimensions). */
export interface PointwiseGeometry {
  Ci: number;
  Co: number;
  kernel: readonly number[];
  stride: readonly number[];
  pad: readonly number[];
  /** Positions per image (the product of the input sizes; output sizes are the same). */
  positions: number;
}

/** Whether the pointwise vec4 path applies: 1x1(x1), stride 1, no padding, all counts % 4 = 0. */
export function pointwiseFits(g: PointwiseGeometry): boolean {
  const ones = (v: readonly number[], n: number) => v.every((e) => e === n);
  return ones(g.kernel, 1) && ones(g.stride, 1) && ones(g.pad, 0) &&
    g.Ci % 4 === 0 && g.Co % 4 === 0 && g.positions % 4 === 0;
}

/** c [B, M, P] (+)= a [K, M]^T-applied to b [B, K, P] per image (see pointwise_gemm_vec4.wgsl). */
function gemm(c: Tensor, a: Tensor, b: Tensor, accumulate: boolean): void {
  const [K, M] = a.shape, [B] = b.shape, P = b.size / (B * K);
  if (b.size !== B * K * P || c.size !== B * M * P) {
    throw new Error(`pointwise GEMM: a [${a.shape}], b [${b.shape}], c [${c.shape}] do not fit`);
  }
  c.gpu.dispatch(POINTWISE.kernel, [a.range, b.range, c.range], {
    u: [M, P, K, accumulate ? 1 : 0],
  }, [Math.ceil(P / POINTWISE.cols), Math.ceil(M / POINTWISE.rows), B]);
}

/** y [B, Co, ...] = the pointwise convolution of x [B, Ci, ...] with w [Co, Ci, 1, ...]. */
export function pointwiseForwardInto(y: Tensor, x: Tensor, w: Tensor): void {
  const [Co, Ci] = w.shape;
  expectShape(x, "pointwise input", x.shape.length, [y.shape[0], Ci]);
  const wt = Tensor.empty(w.gpu, [Ci, Co]);
  swapAxes12Into(wt, w, [1, Co, Ci, 1]);
  gemm(y, wt, x, false);
  wt.dispose();
}

/** dx [B, Ci, ...] (+)= the input gradient of a pointwise convolution given dy [B, Co, ...]. */
export function pointwiseBackwardInputInto(
  dx: Tensor,
  dy: Tensor,
  w: Tensor,
  accumulate: boolean,
): void {
  const [Co, Ci] = w.shape;
  expectShape(dy, "pointwise output gradient", dy.shape.length, [dx.shape[0], Co]);
  gemm(dx, w.view([Co, Ci]), dy, accumulate);
}
