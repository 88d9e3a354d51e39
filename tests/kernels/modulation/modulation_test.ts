import assert from "node:assert/strict";
import { assertClose, gpuTest, randn } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Tensor } from "../../../kernels/tensor.ts";
import { oneHot } from "../../../kernels/loss/loss.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";
import { modulateGradients, ogmCoefficients } from "../../../kernels/modulation/modulation.ts";

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
