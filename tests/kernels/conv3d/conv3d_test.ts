import {
  assertClose,
  fixture,
  forEachGemm,
  gpuTest,
  numericGrad,
  randn,
  thrown,
} from "../../_helpers.ts";
import { conv3dBackwardInputRef, conv3dBackwardWeightRef, conv3dRef } from "../../_reference3d.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import {
  conv3d,
  conv3dBackwardInputInto,
  conv3dBackwardWeightInto,
  conv3dForwardInto,
  type Conv3dOptions,
  conv3dShape,
  samePadding,
} from "../../../kernels/conv3d/conv3d.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";

const TOL = { atol: 1e-4, rtol: 1e-4 };

type Case = [x: number[], w: number[], o: Conv3dOptions];
// odd sizes, the I3D geometries (7x7x7/2 same, 1x3x3 and 3x3x3 same, 1x1x1), per-dimension
// strides, symmetric padding, and shapes that leave partial register blocks
const CASES: Case[] = [
  [[1, 1, 3, 4, 5], [1, 1, 3, 3, 3], { padding: 1 }],
  [[2, 3, 7, 9, 8], [5, 3, 7, 7, 7], { stride: 2, padding: "same" }],
  [[2, 4, 5, 6, 7], [6, 4, 3, 3, 3], { padding: "same" }],
  [[1, 19, 3, 5, 4], [70, 19, 1, 1, 1], { padding: "same" }],
  [[2, 3, 6, 7, 5], [4, 3, 2, 3, 1], { stride: [2, 1, 3], padding: [1, 1, 0] }],
  [[1, 5, 4, 5, 5], [3, 5, 1, 3, 3], { stride: [1, 2, 2], padding: "same" }],
  [[2, 2, 5, 5, 5], [3, 2, 1, 1, 1], { stride: 2 }],
  [[1, 2, 5, 14, 16], [3, 2, 3, 3, 3], { padding: "same" }], // 1120 outputs: split-K ranges
  // 2*3*3 = 18 stride phases of unequal sizes: the GPU families fold them into two dispatches
  [[2, 3, 7, 8, 10], [4, 3, 3, 4, 3], { stride: [2, 3, 3], padding: [1, 2, 0] }],
];

const label = ([x, w, o]: Case) => `[${x}] * [${w}] ${JSON.stringify(o)}`;

gpuTest("samePadding follows the I3D port's rule (front = total div 2)", () => {
  const cases: [number, number, number, [number, number]][] = [
    [224, 7, 2, [2, 3]], // divisible: total = k - s = 5
    [7, 7, 2, [3, 3]], // 7 mod 2 = 1: total = k - 1 = 6
    [64, 1, 1, [0, 0]],
    [32, 3, 2, [0, 1]],
    [5, 1, 2, [0, 0]],
  ];
  for (const [n, k, s, want] of cases) {
    const got = samePadding(n, k, s);
    if (got[0] !== want[0] || got[1] !== want[1]) {
      throw new Error(`samePadding(${n}, ${k}, ${s}) = ${got}, want ${want}`);
    }
    const out = Math.floor((n + got[0] + got[1] - k) / s) + 1;
    if (out !== Math.ceil(n / s)) throw new Error(`same padding gives ${out}, not ceil(n/s)`);
  }
});

gpuTest(
  "conv3d forward, backward-input, backward-weight match the CPU reference (both kernel families)",
  async (gpu) => {
    const rng = new Rng(30);
    using _ = new Scope(gpu);
    await forEachGemm(gpu, async (variant) => {
      for (const c of CASES) {
        const [xs, ws, o] = c, s = conv3dShape(xs, ws, o);
        const at = `${variant}: ${label(c)}`;
        const size = (d: number[]) => d.reduce((a, b) => a * b);
        const x = randn(rng, size(xs)), w = randn(rng, size(ws));
        const ys = [s.B, s.Co, ...s.output], dy = randn(rng, size(ys));
        const X = Tensor.from(gpu, x, xs), Wt = Tensor.from(gpu, w, ws);
        const DY = Tensor.from(gpu, dy, ys);
        const Y = Tensor.empty(gpu, ys), DX = Tensor.empty(gpu, xs), DW = Tensor.empty(gpu, ws);
        conv3dForwardInto(Y, X, Wt, s);
        conv3dBackwardInputInto(DX, DY, Wt, s, false);
        conv3dBackwardWeightInto(DW, DY, X, s, false);
        const [y, dx, dw] = await gpu.read([Y.range, DX.range, DW.range]);
        assertClose(y, conv3dRef(x, w, s), TOL, `forward ${at}`);
        const dxRef = conv3dBackwardInputRef(dy, w, s);
        assertClose(dx, dxRef, TOL, `backward-input ${at}`);
        const dwRef = conv3dBackwardWeightRef(dy, x, s);
        assertClose(dw, dwRef, { atol: 1e-3, rtol: 1e-4 }, `backward-weight ${at}`);
        conv3dBackwardWeightInto(DW, DY, X, s, true);
        conv3dBackwardInputInto(DX, DY, Wt, s, true);
        const [dw2, dx2] = await gpu.read([DW.range, DX.range]);
        assertClose(dw2, dwRef.map((v) => 2 * v), { atol: 2e-3, rtol: 1e-4 }, `dw acc ${at}`);
        assertClose(dx2, dxRef.map((v) => 2 * v), TOL, `dx accumulate ${at}`);
      }
    });
  },
);

gpuTest("conv3d backward passes a float64 finite-difference check (same padding)", async (gpu) => {
  const rng = new Rng(31);
  const xs = [1, 2, 4, 5, 4],
    ws = [3, 2, 3, 3, 3],
    o: Conv3dOptions = {
      stride: 2,
      padding: "same",
    };
  const s = conv3dShape(xs, ws, o);
  const x = randn(rng, 160), w = randn(rng, 162), r = randn(rng, 3 * s.output[0] * 6);
  if (r.length !== s.Co * s.output[0] * s.output[1] * s.output[2]) throw new Error("size");
  const set = ParameterSet.create(gpu, [{ name: "w", shape: ws, data: w }]);
  using _ = new Scope(gpu);
  const X = Tensor.from(gpu, x, xs);
  X.requiresGrad = true;
  const y = conv3d(X, set.get("w"), o);
  backward(y, Tensor.from(gpu, r, y.shape));
  const FD = { atol: 1e-4, rtol: 1e-3 };
  assertClose(await X.grad!.read(), numericGrad((v) => conv3dRef(v, w, s), x, r), FD, "dx");
  const dw = (await set.read("grads")).get("w")!;
  assertClose(dw, numericGrad((v) => conv3dRef(x, v, s), w, r), FD, "dw");
  set.destroy();
});

gpuTest("conv3d errors name the mismatched shapes", () => {
  const msg = thrown(() => conv3dShape([2, 3, 4, 8, 8], [4, 5, 3, 3, 3]));
  if (!msg.includes("3 channels") || !msg.includes("[4,5,3,3,3]")) {
    throw new Error(`unclear: ${msg}`);
  }
  const small = thrown(() => conv3dShape([1, 1, 2, 8, 8], [1, 1, 3, 3, 3]));
  if (!small.includes("too small")) throw new Error(`unclear: ${small}`);
});

for (const name of ["conv3d_same_7x7x7_s2", "conv3d_same_3x3x3_s1"]) {
  gpuTest(
    `conv3d with same padding matches the PyTorch fixture ${name} (y, dx, dw)`,
    async (gpu) => {
      const fx = await fixture(name);
      const stride = fx.metadata.stride.split(",").map(Number) as [number, number, number];
      const set = ParameterSet.create(gpu, [{
        name: "w",
        shape: fx.shape("w"),
        data: fx.get("w"),
      }]);
      using _ = new Scope(gpu);
      const x = Tensor.from(gpu, fx.get("x"), fx.shape("x"));
      x.requiresGrad = true;
      const y = conv3d(x, set.get("w"), { stride, padding: "same" });
      backward(y, Tensor.from(gpu, fx.get("dy"), fx.shape("dy")));
      assertClose(await y.read(), fx.get("y"), { atol: 2e-4, rtol: 1e-4 }, "y");
      assertClose(await x.grad!.read(), fx.get("dx"), { atol: 2e-4, rtol: 1e-4 }, "dx");
      assertClose(
        (await set.read("grads")).get("w")!,
        fx.get("dw"),
        { atol: 1e-3, rtol: 1e-4 },
        "dw",
      );
      set.destroy();
    },
  );
}

gpuTest(
  "conv3d input gradient where the stride exceeds the kernel: positions no tap reaches get " +
    "zeros over whatever dx held, and accumulating leaves them as they were",
  async (gpu) => {
    const rng = new Rng(45);
    using _ = new Scope(gpu);
    const cases: [number[], number[], Conv3dOptions][] = [
      [[2, 3, 5, 6, 7], [4, 3, 1, 1, 1], { stride: 2 }],
      [[1, 2, 4, 7, 6], [3, 2, 1, 3, 3], { stride: [2, 2, 2], padding: [0, 1, 1] }],
    ];
    await forEachGemm(gpu, async (variant) => {
      for (const [xs, ws, o] of cases) {
        const s = conv3dShape(xs, ws, o);
        const ys = [s.B, s.Co, ...s.output];
        const size = (d: number[]) => d.reduce((a, b) => a * b);
        const w = randn(rng, size(ws)), dy = randn(rng, size(ys)), start = randn(rng, size(xs));
        const dxRef = conv3dBackwardInputRef(dy, w, s);
        for (const accumulate of [false, true]) {
          const DX = Tensor.from(gpu, start, xs); // not zeros: every position must be written
          conv3dBackwardInputInto(
            DX,
            Tensor.from(gpu, dy, ys),
            Tensor.from(gpu, w, ws),
            s,
            accumulate,
          );
          const want = dxRef.map((v, i) => v + (accumulate ? start[i] : 0));
          const at = `${variant}: [${xs}] * [${ws}] accumulate ${accumulate}`;
          assertClose(await DX.read(), want, TOL, at);
        }
      }
    });
  },
);
