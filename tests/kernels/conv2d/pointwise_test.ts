import { assertClose, dispatchedWith, gpuTest, randn, thrown } from "../../_helpers.ts";
import { conv3dBackwardInputRef, conv3dBackwardWeightRef, conv3dRef } from "../../_reference3d.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import {
  conv3dBackwardInputInto,
  conv3dBackwardWeightInto,
  conv3dForwardInto,
  type Conv3dOptions,
  conv3dShape,
  conv3dVariants,
} from "../../../kernels/conv3d/conv3d.ts";
import { pointwiseFits, pointwiseForwardInto } from "../../../kernels/conv2d/pointwise.ts";

const TOL = { atol: 1e-4, rtol: 1e-4 };
const size = (d: number[]) => d.reduce((a, b) => a * b);

gpuTest(
  "pointwise conv3d variant (vec4 GEMM per clip) matches the reference in every pass",
  async (gpu) => {
    const rng = new Rng(50);
    using _ = new Scope(gpu);
    // [x shape], [w shape]: 68 output channels (two row blocks) and 2 x 3 x 5 x 12 = 180
    // positions (two column tiles, the second partial); I3D-like 8 -> 12 with "same" padding
    // (zero for 1x1x1); one clip, 4 positions
    const cases: [number[], number[], Conv3dOptions][] = [
      [[2, 8, 3, 5, 12], [68, 8, 1, 1, 1], {}],
      [[2, 12, 2, 4, 4], [8, 12, 1, 1, 1], { padding: "same" }],
      [[1, 4, 1, 2, 2], [4, 4, 1, 1, 1], { padding: 0 }],
    ];
    for (const [xs, ws, o] of cases) {
      const s = conv3dShape(xs, ws, o), label = `[${xs}] * [${ws}]`;
      const variants = conv3dVariants(s);
      if (
        !variants.forward.includes("pointwise") || !variants.backwardInput.includes("pointwise")
      ) {
        throw new Error(`pointwise not offered for ${label}: ${JSON.stringify(variants)}`);
      }
      if (variants.backwardWeight.includes("pointwise")) {
        throw new Error(`the weight gradient has no pointwise variant (${label})`);
      }
      const ys = [s.B, s.Co, ...s.output];
      const x = randn(rng, size(xs)), w = randn(rng, size(ws)), dy = randn(rng, size(ys));
      const X = Tensor.from(gpu, x, xs), Wt = Tensor.from(gpu, w, ws);
      const DY = Tensor.from(gpu, dy, ys);
      const Y = Tensor.empty(gpu, ys), DX = Tensor.empty(gpu, xs), DW = Tensor.empty(gpu, ws);
      const yRef = conv3dRef(x, w, s), dxRef = conv3dBackwardInputRef(dy, w, s);
      const dwRef = conv3dBackwardWeightRef(dy, x, s);
      const ran = await dispatchedWith(gpu, "pointwise", async () => {
        conv3dForwardInto(Y, X, Wt, s);
        conv3dBackwardInputInto(DX, DY, Wt, s, false);
        conv3dBackwardWeightInto(DW, DY, X, s, false);
        const [y, dx, dw] = await gpu.read([Y.range, DX.range, DW.range]);
        assertClose(y, yRef, TOL, `forward ${label}`);
        assertClose(dx, dxRef, TOL, `backward-input ${label}`);
        assertClose(dw, dwRef, { atol: 1e-3, rtol: 1e-4 }, `backward-weight ${label}`);
        conv3dBackwardInputInto(DX, DY, Wt, s, true);
        const dx2 = await DX.read();
        assertClose(dx2, dxRef.map((e) => 2 * e), TOL, `backward-input accumulate ${label}`);
      });
      for (const k of ["pointwise_gemm_vec4", "swap_axes_forward"]) {
        if (!ran.has(k)) throw new Error(`${k} did not run for ${label}: ${[...ran]}`);
      }
    }
  },
);

gpuTest(
  "the pointwise variant is offered only for 1x1x1 stride-1 unpadded multiples of 4",
  (gpu) => {
    using _ = new Scope(gpu);
    const offered = (xs: number[], ws: number[], o: Conv3dOptions) =>
      conv3dVariants(conv3dShape(xs, ws, o)).forward.includes("pointwise");
    if (!offered([1, 8, 2, 2, 3], [4, 8, 1, 1, 1], {})) throw new Error("12 positions: offered");
    const refused: [number[], number[], Conv3dOptions, string][] = [
      [[1, 8, 1, 3, 3], [4, 8, 1, 1, 1], {}, "9 positions"],
      [[1, 6, 2, 2, 2], [4, 6, 1, 1, 1], {}, "6 input channels"],
      [[1, 8, 2, 2, 2], [6, 8, 1, 1, 1], {}, "6 output channels"],
      [[1, 8, 4, 4, 4], [4, 8, 1, 1, 1], { stride: 2 }, "stride 2"],
      [[1, 8, 2, 2, 2], [4, 8, 1, 1, 1], { padding: 1 }, "padding 1"],
      [[1, 8, 4, 4, 4], [4, 8, 3, 3, 3], { padding: 1 }, "a 3x3x3 kernel"],
    ];
    for (const [xs, ws, o, why] of refused) {
      if (offered(xs, ws, o)) throw new Error(`pointwise offered with ${why}`);
    }
    const geo = { Ci: 8, Co: 4, kernel: [1, 1], stride: [1, 1], pad: [0, 0], positions: 16 };
    if (!pointwiseFits(geo)) throw new Error("a 2-D 1x1 geometry should fit");
    const x = Tensor.empty(gpu, [2, 8, 4, 4]), w = Tensor.empty(gpu, [4, 6, 1, 1]);
    const msg = thrown(() => pointwiseForwardInto(Tensor.empty(gpu, [2, 4, 4, 4]), x, w));
    if (!msg.includes("pointwise input")) throw new Error(`unexpected error: ${msg}`);
  },
);
