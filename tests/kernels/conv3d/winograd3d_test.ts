import {
  assertClose,
  dispatchedWith,
  gpuTest,
  randn,
  type Tolerance,
  variantTolerance,
} from "../../_helpers.ts";
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
import { WINOGRAD_VARIANTS } from "../../../kernels/conv2d/winograd_gemm.ts";

const TOL = { atol: 1e-4, rtol: 1e-4 };
const WINOGRAD = Object.keys(WINOGRAD_VARIANTS);

/** `base`, or for F(2x4x4) (F(4, 3) along H and W) the 2-D F(4x4) tolerance if looser. */
function tol(variant: string, ref: ArrayLike<number>, base: Tolerance): Tolerance {
  const t = variantTolerance(variant, ref);
  return { atol: Math.max(t.atol, base.atol), rtol: base.rtol };
}

gpuTest(
  "every 3-D Winograd variant (F(2x2x2), F(2x4x4)) of the three passes matches the reference",
  async (gpu) => {
    const rng = new Rng(40);
    using _ = new Scope(gpu);
    // odd sizes (clipped last tiles in every dimension), TensorFlow "same" and symmetric padding
    // 0, 1 and 2, 1-frame clips, more than 64 input channels (the wide weight-gradient tile),
    // sizes 4 does not divide (F(2x4x4)'s clipped tiles)
    const cases: [number[], number[], Conv3dOptions][] = [
      [[1, 1, 3, 4, 5], [1, 1, 3, 3, 3], { padding: 1 }],
      [[2, 4, 5, 6, 7], [6, 4, 3, 3, 3], { padding: "same" }],
      [[1, 3, 4, 5, 6], [5, 3, 3, 3, 3], { padding: 0 }],
      [[1, 2, 3, 3, 4], [3, 2, 3, 3, 3], { padding: 2 }],
      [[2, 5, 1, 6, 5], [4, 5, 3, 3, 3], { padding: "same" }],
      [[1, 70, 2, 3, 4], [3, 70, 3, 3, 3], { padding: 1 }],
      [[1, 3, 3, 9, 10], [4, 3, 3, 3, 3], { padding: 1 }],
      [[2, 8, 4, 6, 6], [12, 8, 3, 3, 3], { padding: 1 }], // the vec4 GEMMs (channels, tiles % 4)
    ];
    for (const [xs, ws, o] of cases) {
      const s = conv3dShape(xs, ws, o), label = `[${xs}] * [${ws}] ${JSON.stringify(o)}`;
      const variants = conv3dVariants(s);
      if (variants.forward.join() !== ["cpu", "gpu", "tiled", "wide", ...WINOGRAD].join()) {
        throw new Error(`variants of ${label}: ${variants.forward}`);
      }
      const size = (d: number[]) => d.reduce((a, b) => a * b);
      const ys = [s.B, s.Co, ...s.output];
      const x = randn(rng, size(xs)), w = randn(rng, size(ws)), dy = randn(rng, size(ys));
      const yRef = conv3dRef(x, w, s), dxRef = conv3dBackwardInputRef(dy, w, s);
      const dwRef = conv3dBackwardWeightRef(dy, x, s);
      for (const v of WINOGRAD) {
        const X = Tensor.from(gpu, x, xs), Wt = Tensor.from(gpu, w, ws);
        const DY = Tensor.from(gpu, dy, ys);
        const Y = Tensor.empty(gpu, ys), DX = Tensor.empty(gpu, xs), DW = Tensor.empty(gpu, ws);
        const ran = await dispatchedWith(gpu, v, async () => {
          conv3dForwardInto(Y, X, Wt, s);
          conv3dBackwardInputInto(DX, DY, Wt, s, false);
          conv3dBackwardWeightInto(DW, DY, X, s, false);
          const [y, dx, dw] = await gpu.read([Y.range, DX.range, DW.range]);
          assertClose(y, yRef, tol(v, yRef, TOL), `forward ${v} ${label}`);
          assertClose(dx, dxRef, tol(v, dxRef, TOL), `backward-input ${v} ${label}`);
          const dwTol = tol(v, dwRef, { atol: 1e-3, rtol: 1e-4 });
          assertClose(dw, dwRef, dwTol, `backward-weight ${v} ${label}`);
          conv3dBackwardInputInto(DX, DY, Wt, s, true);
          conv3dBackwardWeightInto(DW, DY, X, s, true);
          const [dx2, dw2] = await gpu.read([DX.range, DW.range]);
          const dx2Ref = dxRef.map((e) => 2 * e), dw2Ref = dwRef.map((e) => 2 * e);
          assertClose(dx2, dx2Ref, tol(v, dx2Ref, TOL), `dx accumulate ${v} ${label}`);
          const dw2Tol = tol(v, dw2Ref, { atol: 2e-3, rtol: 1e-4 });
          assertClose(dw2, dw2Ref, dw2Tol, `dw accumulate ${v} ${label}`);
        });
        const prefix = v.startsWith("winograd_f4") ? "winograd3d_f4" : "winograd3d";
        for (const k of ["input_transform", "output_transform", "weight_transform_backward"]) {
          if (!ran.has(`${prefix}_${k}`)) throw new Error(`${prefix}_${k} did not run (${v})`);
        }
      }
    }
  },
);

gpuTest(
  "3-D Winograd is offered only for stride-1 3x3x3 kernels with front pads up to 2",
  () => {
    const offered = (xs: number[], ws: number[], o: Conv3dOptions) =>
      conv3dVariants(conv3dShape(xs, ws, o)).forward.includes("winograd");
    if (!offered([1, 2, 5, 5, 5], [2, 2, 3, 3, 3], { padding: 1 })) throw new Error("3x3x3 s1");
    const refused: [number[], number[], Conv3dOptions][] = [
      [[1, 2, 5, 5, 5], [2, 2, 3, 3, 3], { stride: 2, padding: 1 }],
      [[1, 2, 5, 5, 5], [2, 2, 1, 3, 3], { padding: "same" }],
      [[1, 2, 5, 5, 5], [2, 2, 3, 3, 3], { padding: 3 }],
      [[1, 2, 5, 5, 5], [2, 2, 1, 1, 1], {}],
    ];
    for (const [xs, ws, o] of refused) {
      if (offered(xs, ws, o)) throw new Error(`offered for [${ws}] ${JSON.stringify(o)}`);
    }
  },
);

gpuTest(
  "large 3-D Winograd dispatches run transforms specialized to their shape and match the reference",
  async (gpu) => {
    const rng = new Rng(41);
    using _ = new Scope(gpu);
    // 16 channels x 2048 F(2x2x2) tiles: C * T >= SPECIALIZE_MIN for the input transform
    const xs = [2, 16, 8, 32, 32], ws = [16, 16, 3, 3, 3];
    const s = conv3dShape(xs, ws, { padding: 1 });
    const ys = [s.B, s.Co, ...s.output];
    const size = (d: number[]) => d.reduce((a, b) => a * b);
    const x = randn(rng, size(xs)), w = randn(rng, size(ws));
    const yRef = conv3dRef(x, w, s);
    const names: string[] = [], dispatch = gpu.dispatch;
    gpu.dispatch = (kernel, ...rest) => {
      names.push(kernel.name);
      return dispatch.call(gpu, kernel, ...rest);
    };
    const Y = Tensor.empty(gpu, ys);
    try {
      await dispatchedWith(
        gpu,
        "winograd",
        () => conv3dForwardInto(Y, Tensor.from(gpu, x, xs), Tensor.from(gpu, w, ws), s),
      );
    } finally {
      gpu.dispatch = dispatch;
    }
    for (const k of ["winograd3d_input_transform#", "winograd3d_output_transform#"]) {
      if (!names.some((n) => n.startsWith(k))) throw new Error(`${k} did not run (${names})`);
    }
    assertClose(await Y.read(), yRef, tol("winograd", yRef, TOL), "specialized 3-D forward");
  },
);
