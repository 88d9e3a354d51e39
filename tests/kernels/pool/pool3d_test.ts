import { assertClose, gpuTest, numericGrad, randn, thrown } from "../../_helpers.ts";
import { avgpool3dRef, maxpool3dRef, type Pool3dGeo } from "../../_reference3d.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import {
  avgpool3d,
  maxpool3d,
  maxpoolBackwardInto,
  type Pool3dOptions,
} from "../../../kernels/pool/pool3d.ts";
import { samePadding } from "../../../kernels/conv3d/conv3d.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { add } from "../../../kernels/elementwise/elementwise.ts";
import { maxpool2d } from "../../../kernels/pool/pool.ts";

type Triple = [number, number, number];

/** The reference geometry of a pool (front pads as the kernels compute them). */
function geo(shape: number[], o: Pool3dOptions): Pool3dGeo {
  const t = (v: number | Triple): Triple => typeof v === "number" ? [v, v, v] : v;
  const input = shape.slice(2) as Triple, kernel = t(o.kernel), stride = t(o.stride ?? o.kernel);
  const pads = [0, 1, 2].map((d) =>
    o.padding === "same"
      ? samePadding(input[d], kernel[d], stride[d])
      : [t(o.padding ?? 0)[d], t(o.padding ?? 0)[d]]
  );
  const output = [0, 1, 2].map((d) =>
    Math.floor((input[d] + pads[d][0] + pads[d][1] - kernel[d]) / stride[d]) + 1
  ) as Triple;
  return {
    planes: shape[0] * shape[1],
    input,
    output,
    kernel,
    stride,
    pad: pads.map((p) => p[0]) as Triple,
  };
}

// the I3D pools (1x3x3/1x2x2, 3x3x3/2, 2x2x2/2, 3x3x3/1 same, zero padded) and PyTorch-style ones
const MAX_CASES: [number[], Pool3dOptions][] = [
  [[2, 3, 4, 9, 8], { kernel: [1, 3, 3], stride: [1, 2, 2], padding: "same", zeroPad: true }],
  [[1, 2, 5, 7, 6], { kernel: 3, stride: 2, padding: "same", zeroPad: true }],
  [[1, 2, 5, 5, 5], { kernel: 2, stride: 2, padding: "same", zeroPad: true }],
  [[2, 3, 4, 4, 5], { kernel: 3, stride: 1, padding: "same", zeroPad: true }],
  [[1, 2, 4, 7, 7], { kernel: 3, stride: 2, padding: 1 }],
  [[1, 1, 3, 5, 4], { kernel: [2, 3, 1], stride: [1, 2, 1] }],
];

gpuTest(
  "maxpool3d forward/backward match the CPU reference (zero and -inf padding)",
  async (gpu) => {
    const rng = new Rng(40);
    for (const [shape, o] of MAX_CASES) {
      using _ = new Scope(gpu);
      const n = shape.reduce((a, b) => a * b);
      // negative values make the zero padding visible; repeats exercise the first-max tie rule
      const x = randn(rng, n).map((v) => Math.round(v * 2) / 2);
      const g = geo(shape, o);
      const dy = randn(rng, g.planes * g.output[0] * g.output[1] * g.output[2]);
      const X = Tensor.from(gpu, x, shape);
      X.requiresGrad = true;
      const y = maxpool3d(X, o);
      backward(y, Tensor.from(gpu, dy, y.shape));
      const ref = maxpool3dRef(x, dy, g, !!o.zeroPad);
      const [got, dx] = await gpu.read([y.range, X.grad!.range]);
      const at = `[${shape}] ${JSON.stringify(o)}`;
      assertClose(got, ref.y, { atol: 0, rtol: 0 }, `maxpool3d y ${at}`);
      assertClose(dx, ref.dx, { atol: 1e-6, rtol: 1e-6 }, `maxpool3d dx ${at}`);
    }
  },
);

gpuTest(
  "max pool backward: one invocation per plane and one dispatch per class of outputs add the " +
    "same gradients in the same order (equal bits), writing and accumulating",
  async (gpu) => {
    const rng = new Rng(44);
    const cases: [number[], Pool3dOptions][] = [
      ...MAX_CASES,
      [[3, 2, 1, 9, 7], { kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] }], // 2-D
    ];
    for (const [shape, o] of cases) {
      using _ = new Scope(gpu);
      const n = shape.reduce((a, b) => a * b);
      const x = randn(rng, n).map((v) => Math.round(v * 2) / 2);
      const g = geo(shape, o);
      // gradients of mixed magnitudes, so that a different order of the sums shows in the bits
      const dy = randn(rng, g.planes * g.output[0] * g.output[1] * g.output[2])
        .map((v, i) => v * 10 ** ((i % 7) - 3));
      const ref = maxpool3dRef(x, dy, g, !!o.zeroPad);
      const idx = Tensor.from(gpu, new Float32Array(ref.idx.buffer), [ref.idx.length]);
      const DY = Tensor.from(gpu, dy, [dy.length]);
      const start = randn(rng, n);
      const at = `[${shape}] ${JSON.stringify(o)}`;
      for (const accumulate of [false, true]) {
        const [byPlane, byClass] = [true, false].map((perPlane) => {
          const dx = Tensor.from(gpu, start, [n]);
          maxpoolBackwardInto(dx, DY, idx, g, accumulate, perPlane);
          return dx;
        });
        const [a, b] = await gpu.read([byPlane.range, byClass.range]);
        assertClose(a, b, { atol: 0, rtol: 0 }, `per plane vs per class ${at} ${accumulate}`);
        const want = ref.dx.map((v, i) => v + (accumulate ? start[i] : 0));
        assertClose(a, want, { atol: 1e-5, rtol: 1e-5 }, `dx ${at} accumulate ${accumulate}`);
      }
    }
  },
);

gpuTest("avgpool3d forward/backward match the CPU reference", async (gpu) => {
  const rng = new Rng(41);
  const cases: [number[], Pool3dOptions][] = [
    [[2, 3, 8, 7, 7], { kernel: [8, 7, 7], stride: 1 }],
    [[1, 2, 10, 7, 9], { kernel: [8, 7, 7], stride: 1 }],
    [[1, 2, 5, 6, 7], { kernel: 3, stride: 2, padding: 1 }],
  ];
  for (const [shape, o] of cases) {
    using _ = new Scope(gpu);
    const x = randn(rng, shape.reduce((a, b) => a * b)), g = geo(shape, o);
    const dy = randn(rng, g.planes * g.output[0] * g.output[1] * g.output[2]);
    const X = Tensor.from(gpu, x, shape);
    X.requiresGrad = true;
    const y = avgpool3d(X, o);
    backward(y, Tensor.from(gpu, dy, y.shape));
    const ref = avgpool3dRef(x, dy, g);
    const [got, dx] = await gpu.read([y.range, X.grad!.range]);
    assertClose(got, ref.y, { atol: 1e-5, rtol: 1e-5 }, `avgpool3d y [${shape}]`);
    assertClose(dx, ref.dx, { atol: 1e-6, rtol: 1e-5 }, `avgpool3d dx [${shape}]`);
  }
});

gpuTest("3-D pool errors name the input shape", (gpu) => {
  using _ = new Scope(gpu);
  const x = Tensor.from(gpu, new Float32Array(2 * 4 * 4 * 4), [1, 2, 4, 4, 4]);
  const msg = thrown(() => avgpool3d(x, { kernel: [8, 7, 7], stride: 1 }));
  if (!msg.includes("[1,2,4,4,4]")) throw new Error(`unclear: ${msg}`);
  const rank = thrown(() => maxpool3d(x.view([2, 4, 4, 4]), { kernel: 2 }));
  if (!rank.includes("maxpool3d input")) throw new Error(`unclear: ${rank}`);
});

gpuTest("3-D pool backward passes a float64 finite-difference check", async (gpu) => {
  const rng = new Rng(42);
  const shape = [1, 2, 4, 5, 5];
  const cases: [Pool3dOptions, "max" | "avg"][] = [
    [{ kernel: 3, stride: 2, padding: "same", zeroPad: true }, "max"],
    [{ kernel: [2, 3, 3], stride: 1, padding: 1 }, "avg"],
  ];
  for (const [o, kind] of cases) {
    using _ = new Scope(gpu);
    // distinct values well apart, so no max changes within the finite-difference step
    const x = Float32Array.from(randn(rng, 200).map((v, i) => v + 0.01 * i));
    const g = geo(shape, o);
    const r = randn(rng, g.planes * g.output[0] * g.output[1] * g.output[2]);
    const X = Tensor.from(gpu, x, shape);
    X.requiresGrad = true;
    const y = kind === "max" ? maxpool3d(X, o) : avgpool3d(X, o);
    backward(y, Tensor.from(gpu, r, y.shape));
    const f = (v: Float64Array) =>
      kind === "max" ? maxpool3dRef(v, r, g, true).y : avgpool3dRef(v, r, g).y;
    assertClose(await X.grad!.read(), numericGrad(f, x, r), { atol: 1e-4, rtol: 1e-3 }, kind);
  }
});

gpuTest(
  "max pool gradients accumulate when the input feeds two pools (2-D and 3-D)",
  async (gpu) => {
    const rng = new Rng(43);
    using _ = new Scope(gpu);
    const shape = [2, 3, 3, 7, 6], o: Pool3dOptions = { kernel: 3, stride: 2, padding: 1 };
    const x = randn(rng, 2 * 3 * 3 * 7 * 6), g = geo(shape, o);
    const dy = randn(rng, g.planes * g.output[0] * g.output[1] * g.output[2]);
    const X = Tensor.from(gpu, x, shape);
    X.requiresGrad = true;
    const DY = Tensor.from(gpu, dy, [shape[0], shape[1], ...g.output]);
    backward(add(maxpool3d(X, o), maxpool3d(X, o)), DY);
    const want = maxpool3dRef(x, dy, g, false).dx.map((v) => 2 * v);
    assertClose(await X.grad!.read(), want, { atol: 1e-5, rtol: 1e-5 }, "3-D, twice");
    // 2-D: the same scatter with D = 1
    const X2 = Tensor.from(gpu, x.subarray(0, 2 * 3 * 7 * 6), [2, 3, 7, 6]);
    X2.requiresGrad = true;
    const g2 = geo([2, 3, 1, 7, 6], { kernel: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] });
    const dy2 = randn(rng, 6 * g2.output[1] * g2.output[2]);
    const p2 = { kernel: 3, stride: 2, padding: 1 };
    backward(
      add(maxpool2d(X2, p2), maxpool2d(X2, p2)),
      Tensor.from(gpu, dy2, [2, 3, g2.output[1], g2.output[2]]),
    );
    const want2 = maxpool3dRef(x.subarray(0, 2 * 3 * 7 * 6), dy2, g2, false).dx.map((v) => 2 * v);
    assertClose(await X2.grad!.read(), want2, { atol: 1e-5, rtol: 1e-5 }, "2-D, twice");
  },
);
