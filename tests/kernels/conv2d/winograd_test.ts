import {
  assertClose,
  dispatchedWith,
  gpuTest,
  randn,
  thrown,
  variantTolerance,
} from "../../_helpers.ts";
import {
  conv2dBackwardWeightRef,
  conv2dRef,
  winogradInputRef,
  winogradOutputBackwardRef,
  winogradOutputRef,
  winogradWeightBackwardRef,
  winogradWeightRef,
} from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import {
  conv2dBackwardWeightInto,
  conv2dForwardInto,
  conv2dForwardVariantInto,
  conv2dShape,
  conv2dVariants,
} from "../../../kernels/conv2d/conv2d.ts";
import {
  type WinogradConv,
  winogradFits,
  winogradInputTransform,
  winogradOutputTransform,
  winogradOutputTransformBackward,
  winogradPoints,
  winogradTiles,
  winogradWeightTransform,
  winogradWeightTransformBackward,
} from "../../../kernels/conv2d/winograd.ts";
import type { WinogradTile } from "../../../kernels/conv2d/winograd_gemm.ts";

const TOL = { atol: 1e-4, rtol: 1e-4 };
const EXACT = { atol: 0, rtol: 0 }; // the same values in another order
const TILES: WinogradTile[] = [2, 4, 6];

/** Every geometry in every block size, F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3). */
const bothTiles = (geos: Omit<WinogradConv, "tile">[]): WinogradConv[] =>
  TILES.flatMap((tile) => geos.map((g) => ({ ...g, tile })));

gpuTest("winograd transforms match the matrix form (B^T d B, G g G^T, A^T M A)", async (gpu) => {
  const rng = new Rng(30);
  using _ = new Scope(gpu);
  // sizes not divisible by the block (a clipped last tile), every padding, both orientations
  const geos = bothTiles([
    { B: 2, I: 3, H: 7, W: 5, O: 4, OH: 7, OW: 5, pad: 1, flip: false },
    { B: 1, I: 2, H: 6, W: 9, O: 3, OH: 4, OW: 7, pad: 0, flip: true },
    { B: 1, I: 5, H: 3, W: 4, O: 2, OH: 5, OW: 6, pad: 2, flip: false },
    { B: 1, I: 2, H: 1, W: 10, O: 2, OH: 1, OW: 10, pad: 1, flip: false },
  ]);
  for (const c of geos) {
    const label = JSON.stringify(c);
    const { T } = winogradTiles(c), Z = winogradPoints(c.tile);
    const x = randn(rng, c.B * c.I * c.H * c.W), w = randn(rng, c.O * c.I * 9);
    const m = randn(rng, Z * c.O * T), y0 = randn(rng, c.B * c.O * c.OH * c.OW);
    const X = Tensor.from(gpu, x, [c.B, c.I, c.H, c.W]);
    const Wt = Tensor.from(gpu, w, c.flip ? [c.I, c.O, 3, 3] : [c.O, c.I, 3, 3]);
    const M = Tensor.from(gpu, m, [Z, c.O, T]);
    const U = Tensor.empty(gpu, [Z, c.O, c.I]), V = Tensor.empty(gpu, [Z, c.I, T]);
    const UK = Tensor.empty(gpu, [Z, c.I, c.O]); // k-major, the vec4 GEMM's order
    const Y = Tensor.empty(gpu, [c.B, c.O, c.OH, c.OW]);
    const Y2 = Tensor.from(gpu, y0, Y.shape);
    winogradWeightTransform(U, Wt, c);
    winogradWeightTransform(UK, Wt, c, true);
    winogradInputTransform(V, X, c);
    winogradOutputTransform(Y, M, c, false);
    winogradOutputTransform(Y2, M, c, true);
    const [u, uk, v, y, y2] = await gpu.read([U.range, UK.range, V.range, Y.range, Y2.range]);
    const uRef = winogradWeightRef(w, c);
    assertClose(u, uRef, TOL, `weight ${label}`);
    const ukRef = Array.from(uk, (_, e) => {
      const o = e % c.O, i = Math.floor(e / c.O) % c.I, xi = Math.floor(e / (c.O * c.I));
      return uRef[(xi * c.O + o) * c.I + i];
    });
    assertClose(uk, ukRef, TOL, `weight k-major ${label}`);
    assertClose(v, winogradInputRef(x, c), TOL, `input ${label}`);
    const yRef = winogradOutputRef(m, c);
    assertClose(y, yRef, TOL, `output ${label}`);
    assertClose(y2, yRef.map((val, i) => val + y0[i]), TOL, `output accumulate ${label}`);
  }
});

gpuTest("winograd backward transforms match the matrix form (A dy A^T, G^T D G)", async (gpu) => {
  const rng = new Rng(32);
  using _ = new Scope(gpu);
  const geos = bothTiles([
    { B: 2, I: 3, H: 7, W: 5, O: 4, OH: 7, OW: 5, pad: 1, flip: false },
    { B: 1, I: 2, H: 6, W: 9, O: 3, OH: 4, OW: 7, pad: 0, flip: false },
  ]);
  for (const [n, c] of geos.entries()) {
    const label = JSON.stringify(c), splits = (n % 2) + 1;
    const { T } = winogradTiles(c), Z = winogradPoints(c.tile);
    const dy = randn(rng, c.B * c.O * c.OH * c.OW), d = randn(rng, Z * splits * c.O * c.I);
    const dw0 = randn(rng, c.O * c.I * 9);
    const G = Tensor.empty(gpu, [Z, c.O, T]), GK = Tensor.empty(gpu, [Z, T, c.O]);
    const X = Tensor.from(gpu, randn(rng, c.B * c.I * c.H * c.W), [c.B, c.I, c.H, c.W]);
    const V = Tensor.empty(gpu, [Z, c.I, T]), VK = Tensor.empty(gpu, [Z, T, c.I]);
    const DW = Tensor.empty(gpu, [c.O, c.I, 3, 3]), DW2 = Tensor.from(gpu, dw0, DW.shape);
    const D = Tensor.from(gpu, d, [Z, splits, c.O, c.I]);
    const DY = Tensor.from(gpu, dy, [c.B, c.O, c.OH, c.OW]);
    winogradOutputTransformBackward(G, DY, c);
    winogradOutputTransformBackward(GK, DY, c, true); // tile-major, the vec4 GEMM's order
    winogradInputTransform(V, X, c);
    winogradInputTransform(VK, X, c, true);
    winogradWeightTransformBackward(DW, D, c, false);
    winogradWeightTransformBackward(DW2, D, c, true);
    const [g, gk, v, vk, dw, dw2] = await gpu.read(
      [G.range, GK.range, V.range, VK.range, DW.range, DW2.range],
    );
    assertClose(g, winogradOutputBackwardRef(dy, c), TOL, `output gradient ${label}`);
    assertClose(gk, tileMajor(g, Z, c.O, T), EXACT, `output gradient tile-major ${label}`);
    assertClose(vk, tileMajor(v, Z, c.I, T), EXACT, `input tile-major ${label}`);
    const dwRef = winogradWeightBackwardRef(d, splits, c);
    assertClose(dw, dwRef, TOL, `weight gradient ${label}`);
    assertClose(dw2, dwRef.map((v, i) => v + dw0[i]), TOL, `weight gradient accumulate ${label}`);
  }
});

/** a [Z, R, T] reordered [Z, T, R]. */
function tileMajor(a: ArrayLike<number>, Z: number, R: number, T: number): number[] {
  return Array.from({ length: Z * R * T }, (_, e) => {
    const r = e % R, t = Math.floor(e / R) % T, xi = Math.floor(e / (R * T));
    return a[(xi * R + r) * T + t];
  });
}

gpuTest(
  "Winograd is offered only where F(m x m, 3x3) applies, and unknown variants are refused",
  (gpu) => {
    using _ = new Scope(gpu);
    const strided = conv2dShape([1, 2, 8, 8], [3, 2, 3, 3], { stride: 2, padding: 1 });
    const wide = conv2dShape([1, 2, 8, 8], [3, 2, 5, 5], { stride: 1, padding: 2 });
    const fits = conv2dShape([1, 2, 8, 8], [3, 2, 3, 3], { stride: 1, padding: 1 });
    for (const s of [strided, wide]) {
      if (winogradFits(s) || conv2dVariants(s).forward.some((v) => v.startsWith("winograd"))) {
        throw new Error(`winograd offered for ${JSON.stringify(s)}`);
      }
    }
    if (!winogradFits(fits)) throw new Error("3x3 stride 1 should fit");
    const x = Tensor.empty(gpu, [1, 2, 8, 8]), w = Tensor.empty(gpu, [3, 2, 5, 5]);
    const y = Tensor.empty(gpu, [1, 3, 8, 8]);
    const msg = thrown(() => conv2dForwardVariantInto("winograd", y, x, w, wide));
    if (!msg.includes('no variant "winograd"')) throw new Error(`unexpected error: ${msg}`);
  },
);

gpuTest(
  "the software adapter's Winograd GEMMs read vec4 where channels (and tiles) are multiples of 4",
  async (gpu) => {
    const rng = new Rng(33);
    using _ = new Scope(gpu);
    // [B, Ci, H, W, Co, pad], forward GEMM for F(2x2) and F(4x4), weight-gradient GEMM: 68
    // output channels (two row blocks), 200 tiles for F(2x2) but 50 for F(4x4); 12 output
    // channels; 70 (not a multiple of 4); 68 input channels (over 64: the wide tile); 6 input
    // channels (not a multiple of 4); 60 (both column groups of the 64x64 tile)
    const cases: [number[], string, string, string][] = [
      [[2, 4, 20, 20, 68, 1], "winograd_gemm_vec4", "winograd_gemm", "backward_vec4_narrow"],
      [[2, 8, 6, 7, 12, 1], "winograd_gemm_vec4", "winograd_gemm_vec4", "backward_vec4_narrow"],
      [[2, 8, 6, 7, 70, 1], "winograd_gemm", "winograd_gemm", "backward_narrow"],
      [[1, 68, 8, 8, 8, 1], "winograd_gemm_vec4", "winograd_gemm_vec4", "backward_vec4"],
      [[2, 6, 8, 8, 8, 1], "winograd_gemm_vec4", "winograd_gemm_vec4", "backward_narrow"],
      [[1, 60, 8, 8, 8, 1], "winograd_gemm_vec4", "winograd_gemm_vec4", "backward_vec4_narrow"],
      [[1, 4, 9, 5, 8, 1], "winograd_gemm", "winograd_gemm", "backward_vec4_narrow"], // 15, 6 tiles
    ];
    for (const [[B, Ci, H, W, Co, padding], f2, f4, back] of cases) {
      const s = conv2dShape([B, Ci, H, W], [Co, Ci, 3, 3], { stride: 1, padding });
      const x = randn(rng, B * Ci * H * W), w = randn(rng, Co * Ci * 9);
      const dy = randn(rng, B * Co * s.OH * s.OW);
      const X = Tensor.from(gpu, x, [B, Ci, H, W]), Wt = Tensor.from(gpu, w, [Co, Ci, 3, 3]);
      const DY = Tensor.from(gpu, dy, [B, Co, s.OH, s.OW]);
      const yRef = conv2dRef(x, w, s), dwRef = conv2dBackwardWeightRef(dy, x, s);
      for (const [variant, gemm] of [["winograd", f2], ["winograd_f4", f4]]) {
        const label = `${variant} [${B},${Ci},${H},${W}] * ${Co}x3x3`;
        const Y = Tensor.empty(gpu, [B, Co, s.OH, s.OW]);
        const ran = await dispatchedWith(gpu, variant, () => conv2dForwardInto(Y, X, Wt, s));
        if (!ran.has(gemm)) throw new Error(`${label}: ${gemm} did not run (${[...ran]})`);
        assertClose(await Y.read(), yRef, variantTolerance(variant, yRef), label);
        const DW = Tensor.empty(gpu, [Co, Ci, 3, 3]);
        const ranBack = await dispatchedWith(
          gpu,
          variant,
          () => conv2dBackwardWeightInto(DW, DY, X, s, false),
        );
        const name = `winograd_gemm_${back}`;
        if (!ranBack.has(name)) throw new Error(`${label}: ${name} did not run (${[...ranBack]})`);
        const dw = await DW.read();
        assertClose(dw, dwRef, variantTolerance(variant, dwRef), `weight gradient ${label}`);
      }
    }
  },
);

gpuTest(
  "large Winograd dispatches run transforms specialized to their shape and match the reference",
  async (gpu) => {
    const rng = new Rng(34);
    using _ = new Scope(gpu);
    // 4 x 32 channels at 64x64: C * T >= SPECIALIZE_MIN for both tile sizes
    const [B, Ci, H, W, Co] = [4, 32, 64, 64, 32];
    const s = conv2dShape([B, Ci, H, W], [Co, Ci, 3, 3], { stride: 1, padding: 1 });
    const x = randn(rng, B * Ci * H * W), w = randn(rng, Co * Ci * 9);
    const dy = randn(rng, B * Co * H * W);
    const X = Tensor.from(gpu, x, [B, Ci, H, W]), Wt = Tensor.from(gpu, w, [Co, Ci, 3, 3]);
    const DY = Tensor.from(gpu, dy, [B, Co, H, W]);
    const yRef = conv2dRef(x, w, s), dwRef = conv2dBackwardWeightRef(dy, x, s);
    for (const [variant, prefix] of [["winograd", "winograd"], ["winograd_f4", "winograd_f4"]]) {
      const names: string[] = [], dispatch = gpu.dispatch;
      gpu.dispatch = (kernel, ...rest) => {
        names.push(kernel.name);
        return dispatch.call(gpu, kernel, ...rest);
      };
      const Y = Tensor.empty(gpu, [B, Co, H, W]), DW = Tensor.empty(gpu, [Co, Ci, 3, 3]);
      try {
        await dispatchedWith(gpu, variant, () => {
          conv2dForwardInto(Y, X, Wt, s);
          conv2dBackwardWeightInto(DW, DY, X, s, false);
        });
      } finally {
        gpu.dispatch = dispatch;
      }
      for (const t of ["input_transform", "output_transform", "output_transform_backward"]) {
        const k = `${prefix}_${t}#`;
        if (!names.some((n) => n.startsWith(k))) throw new Error(`${k} did not run (${names})`);
      }
      assertClose(await Y.read(), yRef, variantTolerance(variant, yRef), `${variant} forward`);
      // the weight gradient sums 16384 products per value: float32 error grows with the sum's
      // size, so the tolerance is relative to its RMS (1e-5 of it) where that is looser
      const rms = Math.sqrt(dwRef.reduce((a, v) => a + v * v, 0) / dwRef.length);
      const t = variantTolerance(variant, dwRef);
      const dw = await DW.read();
      assertClose(dw, dwRef, { ...t, atol: Math.max(t.atol, 1e-5 * rms) }, `${variant} wgrad`);
    }
  },
);
