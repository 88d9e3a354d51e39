import {
  assertClose,
  fixture,
  forEachGemm,
  gpuTest,
  numericGrad,
  randn,
  thrown,
  variantTolerance,
} from "../../_helpers.ts";
import { conv2dBackwardInputRef, conv2dBackwardWeightRef, conv2dRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import {
  conv2d,
  conv2dBackwardInputInto,
  conv2dBackwardInputVariantInto,
  conv2dBackwardWeightInto,
  conv2dBackwardWeightVariantInto,
  conv2dForwardInto,
  conv2dForwardVariantInto,
  conv2dShape,
  conv2dVariants,
} from "../../../kernels/conv2d/conv2d.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";

const TOL = { atol: 1e-4, rtol: 1e-4 };

// [B, Ci, H, W, Co, K, stride, pad]: odd sizes, every stride/padding the ResNets use, and
// shapes that leave partial register blocks in both GEMM dimensions.
const CASES = [
  [1, 1, 5, 5, 1, 3, 1, 1],
  [2, 3, 9, 11, 5, 3, 2, 1],
  [2, 3, 16, 15, 17, 7, 2, 3],
  [3, 6, 7, 7, 5, 1, 2, 0],
  [2, 19, 6, 5, 70, 3, 1, 1],
  [1, 4, 3, 4, 3, 3, 1, 0],
];

gpuTest(
  "conv2d forward, backward-input, backward-weight match the CPU reference (both kernel families)",
  async (gpu) => {
    const rng = new Rng(10);
    using _ = new Scope(gpu);
    await forEachGemm(gpu, async (variant) => {
      for (const [B, Ci, H, W, Co, K, stride, padding] of CASES) {
        const s = conv2dShape([B, Ci, H, W], [Co, Ci, K, K], { stride, padding });
        const label =
          `${variant}: [${B},${Ci},${H},${W}] * [${Co},${Ci},${K},${K}] s${stride} p${padding}`;
        const x = randn(rng, B * Ci * H * W), w = randn(rng, Co * Ci * K * K);
        const dy = randn(rng, B * Co * s.OH * s.OW);
        const X = Tensor.from(gpu, x, [B, Ci, H, W]), Wt = Tensor.from(gpu, w, [Co, Ci, K, K]);
        const DY = Tensor.from(gpu, dy, [B, Co, s.OH, s.OW]);
        const Y = Tensor.empty(gpu, DY.shape),
          DX = Tensor.empty(gpu, X.shape),
          DW = Tensor.empty(gpu, Wt.shape);
        conv2dForwardInto(Y, X, Wt, s);
        conv2dBackwardInputInto(DX, DY, Wt, s, false);
        conv2dBackwardWeightInto(DW, DY, X, s, false);
        const [y, dx, dw] = await gpu.read([Y.range, DX.range, DW.range]);
        assertClose(y, conv2dRef(x, w, s), TOL, `forward ${label}`);
        assertClose(dx, conv2dBackwardInputRef(dy, w, s), TOL, `backward-input ${label}`);
        const dwRef = conv2dBackwardWeightRef(dy, x, s);
        assertClose(dw, dwRef, TOL, `backward-weight ${label}`);
        // accumulate mode adds to what is there
        conv2dBackwardWeightInto(DW, DY, X, s, true);
        conv2dBackwardInputInto(DX, DY, Wt, s, true);
        const [dw2, dx2] = await gpu.read([DW.range, DX.range]);
        assertClose(dw2, dwRef.map((v) => 2 * v), TOL, `backward-weight accumulate ${label}`);
        assertClose(dx2, Array.from(dx, (v) => 2 * v), TOL, `backward-input accumulate ${label}`);
      }
    });
  },
);

gpuTest(
  "every conv2d variant of the three passes (direct and Winograd) matches the reference",
  async (gpu) => {
    const rng = new Rng(31);
    using _ = new Scope(gpu);
    // [B, Ci, H, W, Co, K, stride, pad]: 3x3 stride 1 (Winograd too) with odd sizes, every
    // padding, partial register blocks and 1-pixel rows (64 input channels or fewer: the
    // Winograd weight gradient's 64x64 tiles); strided and 7x7 (direct only)
    const cases = [
      [1, 1, 5, 5, 1, 3, 1, 1],
      [2, 19, 6, 5, 70, 3, 1, 1],
      [1, 70, 5, 6, 9, 3, 1, 1], // over 64 input channels: the wide Winograd weight-gradient tile
      [1, 4, 3, 4, 3, 3, 1, 0],
      [2, 3, 7, 9, 5, 3, 1, 2],
      [2, 33, 8, 8, 6, 3, 1, 0],
      [1, 2, 1, 6, 3, 3, 1, 1],
      [2, 8, 6, 7, 12, 3, 1, 1], // channels and tiles multiples of 4: the vec4 Winograd GEMM
      [2, 3, 9, 11, 5, 3, 2, 1],
      [1, 12, 8, 8, 6, 7, 2, 3], // 7x7 stride 2 (the window weight gradient too): 4 row splits
      [1, 2, 1, 9, 70, 7, 2, 3], // one output row: the window kernel writes dw itself; 70 = 64 + 6
      [3, 1, 13, 10, 9, 7, 2, 2], // a 1-channel stem, rows split unevenly over the splits
      [1, 3, 20, 55, 5, 3, 1, 1], // K = 1100 output pixels: split-K ranges not multiples of 8
      [1, 3, 23, 21, 4, 7, 5, 2], // stride 5: 25 phases, two folded dispatches on the GPU families
      [4, 4, 17, 17, 6, 3, 2, 1], // phases of 256 and 324 pixels: the folded grid spans the largest
    ];
    for (const [B, Ci, H, W, Co, K, stride, padding] of cases) {
      const s = conv2dShape([B, Ci, H, W], [Co, Ci, K, K], { stride, padding });
      const label = `[${B},${Ci},${H},${W}] * ${Co}x${K}x${K} s${stride} p${padding}`;
      const x = randn(rng, B * Ci * H * W), w = randn(rng, Co * Ci * K * K);
      const dy = randn(rng, B * Co * s.OH * s.OW);
      const X = Tensor.from(gpu, x, [B, Ci, H, W]), Wt = Tensor.from(gpu, w, [Co, Ci, K, K]);
      const DY = Tensor.from(gpu, dy, [B, Co, s.OH, s.OW]);
      const yRef = conv2dRef(x, w, s), dxRef = conv2dBackwardInputRef(dy, w, s);
      const dwRef = conv2dBackwardWeightRef(dy, x, s);
      const variants = conv2dVariants(s);
      // cpu, gpu, tiled, wide (+ F(2x2, 3x3), F(4x4, 3x3), F(6x6, 3x3) Winograd on each of them),
      // narrow for the gradients, window for a 7x7 stride-2 weight gradient
      const count = K === 3 && stride === 1 ? 16 : 4, window = K === 7 && stride === 2 ? 1 : 0;
      const lengths = [variants.forward, variants.backwardInput, variants.backwardWeight]
        .map((v) => v.length);
      if (lengths.join() !== [count, count + 1, count + 1 + window].join()) {
        throw new Error(`variants of ${label}: ${JSON.stringify(variants)}`);
      }
      for (const v of variants.forward) {
        const Y = Tensor.empty(gpu, DY.shape);
        conv2dForwardVariantInto(v, Y, X, Wt, s);
        assertClose(await Y.read(), yRef, variantTolerance(v, yRef), `forward ${v} ${label}`);
      }
      for (const v of variants.backwardInput) {
        const DX = Tensor.empty(gpu, X.shape);
        conv2dBackwardInputVariantInto(v, DX, DY, Wt, s, false);
        assertClose(
          await DX.read(),
          dxRef,
          variantTolerance(v, dxRef),
          `backward-input ${v} ${label}`,
        );
        conv2dBackwardInputVariantInto(v, DX, DY, Wt, s, true);
        const twice = dxRef.map((val) => 2 * val);
        assertClose(
          await DX.read(),
          twice,
          variantTolerance(v, twice),
          `backward-input accumulate ${v} ${label}`,
        );
      }
      for (const v of variants.backwardWeight) {
        const DW = Tensor.empty(gpu, Wt.shape);
        conv2dBackwardWeightVariantInto(v, DW, DY, X, s, false);
        assertClose(
          await DW.read(),
          dwRef,
          variantTolerance(v, dwRef),
          `backward-weight ${v} ${label}`,
        );
        conv2dBackwardWeightVariantInto(v, DW, DY, X, s, true);
        const twice = dwRef.map((val) => 2 * val);
        assertClose(
          await DW.read(),
          twice,
          variantTolerance(v, twice),
          `backward-weight accumulate ${v} ${label}`,
        );
      }
    }
  },
);

gpuTest(
  "conv2d backward-weight with a long reduction (split-K, every variant) matches the reference",
  async (gpu) => {
    const rng = new Rng(11);
    using _ = new Scope(gpu);
    // 4 * 20 * 20 = 1600 F(2x2) or 400 F(4x4) Winograd tiles: the Winograd GEMMs split them too
    const [B, Ci, H, W, Co, K] = [4, 2, 40, 40, 3, 3];
    const s = conv2dShape([B, Ci, H, W], [Co, Ci, K, K], { stride: 1, padding: 1 });
    const x = randn(rng, B * Ci * H * W), dy = randn(rng, B * Co * s.OH * s.OW);
    const DY = Tensor.from(gpu, dy, [B, Co, s.OH, s.OW]), X = Tensor.from(gpu, x, [B, Ci, H, W]);
    const want = conv2dBackwardWeightRef(dy, x, s);
    const DW = Tensor.empty(gpu, [Co, Ci, K, K]);
    conv2dBackwardWeightInto(DW, DY, X, s, false);
    assertClose(await DW.read(), want, { atol: 1e-3, rtol: 1e-4 }, "split-K dW");
    for (const v of conv2dVariants(s).backwardWeight) {
      conv2dBackwardWeightVariantInto(v, DW, DY, X, s, false);
      assertClose(await DW.read(), want, { atol: 1e-3, rtol: 1e-4 }, `split-K dW ${v}`);
    }
  },
);

gpuTest("conv2d backward passes a float64 finite-difference check", async (gpu) => {
  const rng = new Rng(12);
  const [B, Ci, H, W, Co, K, stride, padding] = [2, 2, 5, 4, 3, 3, 2, 1];
  const s = conv2dShape([B, Ci, H, W], [Co, Ci, K, K], { stride, padding });
  const x = randn(rng, B * Ci * H * W), w = randn(rng, Co * Ci * K * K);
  const r = randn(rng, B * Co * s.OH * s.OW);
  const set = ParameterSet.create(gpu, [{ name: "w", shape: [Co, Ci, K, K], data: w }]);
  using _ = new Scope(gpu);
  const X = Tensor.from(gpu, x, [B, Ci, H, W]);
  X.requiresGrad = true;
  const y = conv2d(X, set.get("w"), { stride, padding });
  backward(y, Tensor.from(gpu, r, y.shape));
  const FD = { atol: 1e-4, rtol: 1e-3 };
  assertClose(await X.grad!.read(), numericGrad((v) => conv2dRef(v, w, s), x, r), FD, "dx");
  const dw = (await set.read("grads")).get("w")!;
  assertClose(dw, numericGrad((v) => conv2dRef(x, v, s), w, r), FD, "dw");
  set.destroy();
});

for (const name of ["conv2d_3x3_s2", "conv2d_7x7_s2", "conv2d_1x1_s2"]) {
  gpuTest(`conv2d matches the PyTorch fixture ${name} (y, dx, dw)`, async (gpu) => {
    const fx = await fixture(name);
    const stride = Number(fx.metadata.stride), padding = Number(fx.metadata.padding);
    const set = ParameterSet.create(gpu, [{ name: "w", shape: fx.shape("w"), data: fx.get("w") }]);
    using _ = new Scope(gpu);
    const x = Tensor.from(gpu, fx.get("x"), fx.shape("x"));
    x.requiresGrad = true;
    const y = conv2d(x, set.get("w"), { stride, padding });
    backward(y, Tensor.from(gpu, fx.get("dy"), fx.shape("dy")));
    assertClose(await y.read(), fx.get("y"), TOL, "y");
    assertClose(await x.grad!.read(), fx.get("dx"), TOL, "dx");
    assertClose((await set.read("grads")).get("w")!, fx.get("dw"), TOL, "dw");
    set.destroy();
  });
}

gpuTest("conv2d errors name the mismatched shapes", () => {
  const msg = thrown(() => conv2dShape([2, 3, 8, 8], [4, 5, 3, 3]));
  if (!msg.includes("3 channels") || !msg.includes("[4,5,3,3]")) throw new Error(`unclear: ${msg}`);
});
