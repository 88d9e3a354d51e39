import assert from "node:assert/strict";
import { assertClose, gpuTest, randn } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Tensor } from "../../../kernels/tensor.ts";
import { oneHot } from "../../../kernels/loss/loss.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";
import {
  gsModifyGradient,
  gsProjectorUpdate,
  modulateGradients,
  ogmCoefficients,
  paretoCombine,
  paretoWeights,
} from "../../../kernels/modulation/modulation.ts";

/** OGM's Eq. 10 in float64: [k_a, k_v, rho]. */
function coefficientsRef(
  za: Float32Array,
  zv: Float32Array,
  labels: number[],
  K: number,
  alpha: number,
) {
  const score = (z: Float32Array) =>
    labels.reduce((s, l, i) => {
      const row = Array.from(z.subarray(i * K, i * K + K));
      const m = Math.max(...row);
      const e = row.map((x) => Math.exp(x - m));
      return s + e[l] / e.reduce((a, b) => a + b);
    }, 0);
  const rho = score(zv) / score(za);
  return rho > 1 ? [1, 1 - Math.tanh(alpha * rho), rho] : [1 - Math.tanh(alpha / rho), 1, rho];
}

gpuTest(
  "OGM coefficients: the dominant modality's gradient scaled by 1 - tanh(alpha rho)",
  async (gpu) => {
    const rng = new Rng(3), B = 70, K = 5; // B > 64: rows strided over the workgroup
    const labels = Array.from({ length: B }, (_, i) => (i * 7) % K);
    const y = oneHot(gpu, labels, K);
    for (const [sa, sv] of [[0.5, 3], [3, 0.5], [1, 1.2]]) {
      const za = randn(rng, B * K, 1), zv = randn(rng, B * K, 1);
      labels.forEach((l, i) => { // make one modality confident on the true class
        za[i * K + l] += sa;
        zv[i * K + l] += sv;
      });
      const out = await ogmCoefficients(
        Tensor.from(gpu, za, [B, K]),
        Tensor.from(gpu, zv, [B, K]),
        y,
        0.8,
        true,
      ).read();
      const ref = coefficientsRef(za, zv, labels, K, 0.8);
      assertClose(out.subarray(0, 3), ref, { atol: 1e-6, rtol: 1e-5 }, `scores ${sa}/${sv}`);
      assert.ok(
        sv > sa ? out[1] < 1 && out[0] === 1 : out[0] < 1 && out[1] === 1,
        "the dominant one is scaled",
      );
      const off = await ogmCoefficients(
        Tensor.from(gpu, za, [B, K]),
        Tensor.from(gpu, zv, [B, K]),
        y,
        0.8,
        false,
      ).read();
      assert.deepEqual([off[0], off[1]], [1, 1], "outside the modulation window");
    }
  },
);

/** The kernel's counter-based uniform in (0, 1], in JavaScript's u32 arithmetic. */
function pcg(x: number): number {
  const s = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  return ((w >>> 22) ^ w) >>> 0;
}
function uniform01(
  seed: number,
  step: number,
  stream: number,
  seg: number,
  i: number,
  draw: number,
) {
  const h = pcg(
    (pcg((pcg((pcg((pcg(seed) ^ step) >>> 0) ^ stream) >>> 0) ^ seg) >>> 0) ^ (2 * i + draw)) >>> 0,
  );
  return ((h >>> 8) + 1) / 16777216;
}

gpuTest(
  "gradient modulation: scaled per tensor, GE noise of each tensor's spread, conv-only selection",
  async (gpu) => {
    const rng = new Rng(5);
    const shapes: [string, number[]][] = [["conv1", [4, 3, 3, 3]], ["bn", [4]], ["conv2", [
      8,
      4,
      3,
      3,
    ]], ["bias", [1]]];
    const params = ParameterSet.create(
      gpu,
      shapes.map(([name, shape]) => ({
        name,
        shape,
        data: new Float32Array(shape.reduce((a, b) => a * b)),
      })),
    );
    const grads = randn(rng, params.grads.size, 0.01);
    const coeff = Tensor.from(gpu, [0.5, 0.25, 0, 0], [4]);
    const run = async (noise: boolean, convOnly: boolean, step: number) => {
      gpu.write(params.grads.buffer, params.grads.offset, grads.slice());
      modulateGradients(params, coeff, 1, { noise, convOnly, seed: 7, step, stream: 1 });
      return await params.grads.read();
    };
    const scaled = await run(false, false, 0);
    for (const [name, shape] of shapes) {
      const at = params.offsets.get(name)!, n = shape.reduce((a, b) => a * b);
      assertClose(scaled.subarray(at, at + n), grads.subarray(at, at + n).map((g) => g * 0.25), {
        atol: 0,
        rtol: 1e-7,
      }, `scaled by k_v: ${name}`);
    }
    const conv = await run(false, true, 0);
    for (const [name, shape] of shapes) {
      const at = params.offsets.get(name)!, n = shape.reduce((a, b) => a * b);
      const k = shape.length === 4 ? 0.25 : 1;
      assertClose(conv.subarray(at, at + n), grads.subarray(at, at + n).map((g) => g * k), {
        atol: 0,
        rtol: 1e-7,
      }, `convOnly ${name}`);
    }
    const noisy = await run(true, false, 3);
    const ref = Float64Array.from(grads); // the arena's padding between tensors stays as it was
    shapes.forEach(([name, shape], s) => {
      const at = params.offsets.get(name)!, n = shape.reduce((a, b) => a * b);
      const g = Array.from(grads.subarray(at, at + n), (x) => x * 0.25);
      const mean = g.reduce((a, b) => a + b, 0) / n;
      const sd = (n > 1 ? Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0) +
        1e-8;
      for (let i = 0; i < n; i++) {
        const r = Math.sqrt(-2 * Math.log(uniform01(7, 3, 1, s, i, 0)));
        ref[at + i] = g[i] + sd * r * Math.cos(2 * Math.PI * uniform01(7, 3, 1, s, i, 1));
      }
    });
    assertClose(noisy, ref, { atol: 1e-8, rtol: 1e-4 }, "GE noise against the float64 reference");
    assert.deepEqual(await run(true, false, 3), noisy, "the same counter gives the same noise");
    const other = await run(true, false, 4);
    assert.ok(other.some((v, i) => v !== noisy[i]), "another step draws other noise");
    params.destroy();
  },
);

gpuTest(
  "Pareto weights: equal when the gradients agree, the min-norm point when they conflict",
  async (gpu) => {
    const n = 70_000; // more than one pass of the dot kernel's 256 workgroups x 256 lanes
    const rng = new Rng(9);
    const a = randn(rng, n), noise = randn(rng, n);
    const cases: [string, Float32Array][] = [
      ["agree", a.map((x, i) => x + 0.5 * noise[i])],
      ["conflict", a.map((x, i) => -0.3 * x + noise[i])],
      ["opposite", a.map((x) => -2 * x)],
    ];
    for (const [name, b] of cases) {
      const k = await paretoWeights(Tensor.from(gpu, a, [n]), Tensor.from(gpu, b, [n])).read();
      let aa = 0, ab = 0, bb = 0;
      for (let i = 0; i < n; i++) {
        [aa, ab, bb] = [
          aa + a[i] * a[i],
          ab + a[i] * b[i],
          bb + b[i] * b[i],
        ];
      }
      const k0 = ab > 0
        ? 0.5
        : ab >= aa
        ? 0.999
        : ab >= bb
        ? 0.001
        : (bb - ab) / (aa + bb - 2 * ab);
      assertClose([k[0], k[1], k[2]], [k0, 1 - k0, ab / Math.sqrt(aa * bb)], {
        atol: 1e-6,
        rtol: 1e-4,
      }, name);
      if (name === "opposite") {
        assert.ok(
          Math.abs(k[0] - 2 / 3) < 1e-5,
          "min-norm of a and -2a: 2/3 a",
        );
      }
    }
  },
);

gpuTest(
  "Pareto combine: gamma times the weighted sum, rescaled per tensor to |a + b| when larger",
  async (gpu) => {
    const rng = new Rng(11);
    const shapes: [string, number[]][] = [["w", [6, 5]], ["b", [3]]];
    const params = ParameterSet.create(
      gpu,
      shapes.map(([name, shape]) => ({
        name,
        shape,
        data: new Float32Array(shape.reduce((x, y) => x * y)),
      })),
    );
    const L = params.grads.size;
    const a = randn(rng, L), b = randn(rng, L);
    gpu.write(params.grads.buffer, params.grads.offset, b.slice());
    for (const k0 of [0.5, 0.2]) {
      gpu.write(params.grads.buffer, params.grads.offset, b.slice());
      paretoCombine(
        params,
        Tensor.from(gpu, a, [L]),
        Tensor.from(gpu, [k0, 1 - k0, 0, 0], [4]),
        1.5,
      );
      const got = await params.grads.read();
      for (const [name, shape] of shapes) {
        const at = params.offsets.get(name)!, n = shape.reduce((x, y) => x * y);
        const c = Array.from(
          { length: n },
          (_, i) => 2 * k0 * a[at + i] + 2 * (1 - k0) * b[at + i],
        );
        const t = Array.from({ length: n }, (_, i) => a[at + i] + b[at + i]);
        const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
        const s = Math.max(1, norm(t) / norm(c));
        assertClose(
          got.subarray(at, at + n),
          c.map((x) => 1.5 * s * x),
          { atol: 1e-6, rtol: 1e-5 },
          `${name} k0 ${k0}`,
        );
      }
    }
    params.destroy();
  },
);

gpuTest(
  "MLA projector: one least-squares step, the seen direction damped and the rest kept",
  async (gpu) => {
    const D = 6, B = 3, alpha = 0.1;
    const rng = new Rng(13);
    const eye = new Float32Array(D * D).map((_, e) => e % (D + 1) === 0 ? 1 : 0);
    const f = new Float32Array(B * D); // every sample along e0 plus small noise
    for (let i = 0; i < B; i++) {
      f[i * D] = 2;
      for (let j = 1; j < D; j++) f[i * D + j] = 0.01 * rng.normal();
    }
    const P = Tensor.from(gpu, eye, [D, D]);
    gsProjectorUpdate(P, Tensor.from(gpu, f, [B, D]), alpha);
    // float64 reference of the step
    const r = Array.from({ length: D }, (_, j) => (f[j] + f[D + j] + f[2 * D + j]) / B);
    const k = r; // P = I
    const denom = alpha + r.reduce((s, x, j) => s + x * k[j], 0);
    const next = Array.from(
      { length: D * D },
      (_, e) => eye[e] - k[Math.floor(e / D)] * k[e % D] / denom,
    );
    const norm = Math.sqrt(next.reduce((s, x) => s + x * x, 0));
    const got = await P.read();
    assertClose(got, next.map((x) => x / norm), { atol: 1e-6, rtol: 1e-5 }, "projector");
    // g + g P^T: a gradient along the seen feature gains little, an orthogonal one nearly 1/|P|
    const g = Tensor.from(gpu, [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], [2, D]);
    gsModifyGradient(g, P);
    const out = await g.read();
    assert.ok(out[0] < 1.05, `parallel row grew to ${out[0]}`);
    assert.ok(out[D + 1] > 1 + 0.9 / norm, `orthogonal row only ${out[D + 1]}`);
  },
);
