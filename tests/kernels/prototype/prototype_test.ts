import assert from "node:assert/strict";
import { assertClose, gpuTest, numericGrad, randn } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { entropySum, oneHot } from "../../../kernels/loss/loss.ts";
import { scaleBy } from "../../../kernels/elementwise/elementwise.ts";
import {
  classSums,
  pmrCoefficients,
  prototypeLogits,
} from "../../../kernels/prototype/prototype.ts";

// float64 references
function protoRef(f: ArrayLike<number>, c: ArrayLike<number>, B: number, K: number, D: number) {
  const s = new Float64Array(B * K);
  for (let i = 0; i < B; i++) {
    for (let k = 0; k < K; k++) {
      let acc = 0;
      for (let d = 0; d < D; d++) acc += (f[i * D + d] - c[k * D + d]) ** 2;
      s[i * K + k] = -Math.sqrt(acc);
    }
  }
  return s;
}

function softmaxRow(z: ArrayLike<number>, i: number, K: number): number[] {
  let m = -Infinity;
  for (let k = 0; k < K; k++) m = Math.max(m, z[i * K + k]);
  const e = Array.from({ length: K }, (_, k) => Math.exp(z[i * K + k] - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function entropyRef(z: ArrayLike<number>, B: number, K: number): number {
  let h = 0;
  for (let i = 0; i < B; i++) for (const p of softmaxRow(z, i, K)) if (p > 0) h -= p * Math.log(p);
  return h;
}

gpuTest(
  "prototype logits: -|f - c| and its gradient match float64 (with a zero distance)",
  async (gpu) => {
    const rng = new Rng(60);
    using _ = new Scope(gpu);
    for (const [B, K, D] of [[3, 2, 5], [70, 6, 33]]) {
      const f = randn(rng, B * D), c = randn(rng, K * D);
      c.set(f.subarray(0, D), 0); // sample 0 sits on prototype 0: distance 0, gradient 0 there
      const F = Tensor.from(gpu, f, [B, D]);
      F.requiresGrad = true;
      const s = prototypeLogits(F, Tensor.from(gpu, c, [K, D]));
      const r = randn(rng, B * K);
      backward(s, Tensor.from(gpu, r, [B, K]));
      assertClose(await s.read(), protoRef(f, c, B, K, D), { atol: 1e-5, rtol: 1e-5 }, "s");
      const num = numericGrad((x) => protoRef(x, c, B, K, D), f, r);
      // at distance 0 the kernel takes 0, as the symmetric difference of -|x| does
      const got = await F.grad!.read();
      assertClose(got, num, { atol: 1e-4, rtol: 1e-3 }, `df ${B}x${K}x${D}`);
    }
  },
);

gpuTest(
  "summed entropy and its gradient match float64 (flat, peaked and random rows)",
  async (gpu) => {
    const rng = new Rng(61);
    using _ = new Scope(gpu);
    for (const [B, K] of [[1, 3], [130, 7]]) {
      const z = randn(rng, B * K, 3);
      z.fill(0, 0, K); // a flat row: H = log K
      const Z = Tensor.from(gpu, z, [B, K]);
      Z.requiresGrad = true;
      const h = entropySum(Z);
      backward(h, Tensor.from(gpu, [0.7], [1]));
      assertClose(await h.read(), [entropyRef(z, B, K)], { atol: 1e-4, rtol: 1e-5 }, "H");
      const num = numericGrad((x) => Float64Array.of(entropyRef(x, B, K)), z, [0.7]);
      assertClose(await Z.grad!.read(), num, { atol: 1e-5, rtol: 1e-3 }, `dz ${B}x${K}`);
    }
    const flat = entropySum(Tensor.zeros(gpu, [2, 4]));
    assertClose(await flat.read(), [2 * Math.log(4)], { atol: 1e-6, rtol: 1e-6 }, "flat rows");
  },
);

gpuTest("PMR's coefficients: the faster modality's ratio boosts the slower one", async (gpu) => {
  using _ = new Scope(gpu);
  const K = 3, labels = [0, 1, 2, 0];
  const y = oneHot(gpu, labels, K);
  // audio's prototypes separate the classes, visual's do not: audio dominates (rho > 1)
  const sharp = labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 0 : -3)));
  const flat = labels.flatMap(() => [0, 0, 0]);
  const score = (z: number[]) => labels.reduce((a, l, i) => a + softmaxRow(z, i, K)[l], 0);
  const w = { alpha: 0.6, mu: 0.01, entropy: true };
  const rho = score(sharp) / score(flat); // 4 * 0.9094 / (4 / 3) = 2.73: lambda clamps to 1
  const dominant = await pmrCoefficients(
    Tensor.from(gpu, sharp, [4, K]),
    Tensor.from(gpu, flat, [4, K]),
    y,
    w,
  ).read();
  assert.ok(rho > 2);
  assertClose(dominant, [0, 0.6, -0.01, -0], { atol: 1e-6, rtol: 1e-6 }, "audio dominant");
  // visual a little ahead: rho = s_a / s_v < 1, beta = 1 / rho - 1, lambda = 0
  const mild = labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 0 : -0.5)));
  const r2 = score(flat) / score(mild);
  const behind = await pmrCoefficients(
    Tensor.from(gpu, flat, [4, K]),
    Tensor.from(gpu, mild, [4, K]),
    y,
    { ...w, entropy: false },
  ).read();
  const beta = Math.min(1, 1 / r2 - 1);
  assert.ok(beta > 0 && beta < 1, `beta ${beta} inside (0, 1)`);
  assertClose(behind, [0.6 * beta, 0, 0, 0], { atol: 1e-6, rtol: 1e-5 }, "visual dominant");
  const even = await pmrCoefficients(
    Tensor.from(gpu, flat, [4, K]),
    Tensor.from(gpu, flat, [4, K]),
    y,
    w,
  ).read();
  assertClose(even, [0, 0, 0, 0], { atol: 1e-7, rtol: 0 }, "balanced: no extra terms");
});

gpuTest("scaleBy weights by a GPU coefficient; classSums adds features per class", async (gpu) => {
  using _ = new Scope(gpu);
  const x = Tensor.from(gpu, [1, -2, 3], [3]);
  x.requiresGrad = true;
  const w = Tensor.from(gpu, [5, 0.5, -4], [3]);
  const y = scaleBy(x, w, 2);
  backward(y, Tensor.from(gpu, [1, 2, 3], [3]));
  assertClose(await y.read(), [-4, 8, -12], { atol: 0, rtol: 0 }, "y");
  assertClose(await x.grad!.read(), [-4, -8, -12], { atol: 0, rtol: 0 }, "dx");
  assert.throws(() => scaleBy(x, w, 3), /index 3 outside the 3 coefficients/);
  const sums = Tensor.zeros(gpu, [2, 2]);
  const f = Tensor.from(gpu, [1, 2, 3, 4, 5, 6], [3, 2]);
  classSums(sums, f, oneHot(gpu, [1, 0, 1], 2));
  classSums(sums, f, oneHot(gpu, [0, 0, 0], 2));
  assertClose(await sums.read(), [3 + 9, 4 + 12, 1 + 5, 2 + 6], { atol: 0, rtol: 0 }, "sums");
});
