import { assertClose, gpuTest, randn } from "../../_helpers.ts";
import { crossEntropyRef, softmaxRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import {
  accumulateTrainStats,
  boostingLoss,
  residualTarget,
} from "../../../kernels/boosting/boosting.ts";
import { oneHot } from "../../../kernels/loss/loss.ts";

const TOL = { atol: 1e-6, rtol: 1e-5 };

function residualRef(
  zPre: Float32Array,
  y: Float32Array,
  B: number,
  K: number,
  lambda: number,
): Float64Array {
  const p = softmaxRef(zPre, B, K);
  return Float64Array.from(y, (v, i) => v - lambda * v * p[i]);
}

gpuTest(
  "residual target y - lambda * y * softmax(z_pre) matches the CPU reference",
  async (gpu) => {
    const rng = new Rng(80);
    using _ = new Scope(gpu);
    for (const [B, K] of [[1, 2], [70, 6]]) {
      const z = randn(rng, B * K, 3), labels = Array.from({ length: B }, () => rng.int(K));
      const y = oneHot(gpu, labels, K);
      const q = residualTarget(Tensor.from(gpu, z, [B, K]), y, 0.2);
      assertClose(
        await q.read(),
        residualRef(z, await y.read(), B, K, 0.2),
        TOL,
        `residual ${B}x${K}`,
      );
    }
  },
);

gpuTest("the boosting loss is the sum of its terms; ablations drop terms", async (gpu) => {
  const rng = new Rng(81);
  using _ = new Scope(gpu);
  const [B, K] = [5, 4];
  const zPre = randn(rng, B * K), zLast = randn(rng, B * K);
  const zAll = zPre.map((v, i) => v + zLast[i]);
  const labels = Array.from({ length: B }, () => rng.int(K));
  const y = oneHot(gpu, labels, K), yv = await y.read();
  const t = (a: Float32Array) => Tensor.from(gpu, a, [B, K]);
  const z = { all: t(zAll), pre: t(zPre), last: t(zLast) };
  const ceAll = crossEntropyRef(zAll, yv, B, K), cePre = crossEntropyRef(zPre, yv, B, K);
  const ceRes = crossEntropyRef(zLast, residualRef(zPre, yv, B, K, 0.5), B, K);
  const cases: [Parameters<typeof boostingLoss>[3], number][] = [
    [{ all: true, pre: true, residual: true }, ceAll + cePre + ceRes],
    [{ all: true, pre: false, residual: false }, ceAll],
    [{ all: false, pre: true, residual: false }, cePre],
    [{ all: false, pre: false, residual: true }, ceRes],
  ];
  for (const [terms, want] of cases) {
    assertClose(
      await boostingLoss(z, y, 0.5, terms).read(),
      [want],
      { atol: 1e-5, rtol: 1e-5 },
      JSON.stringify(terms),
    );
  }
  const single = await boostingLoss({ all: z.all, pre: null, last: z.all }, y, 0.5).read();
  assertClose(single, [ceAll], { atol: 1e-5, rtol: 1e-5 }, "one classifier: CE(z_all, y)");
});

gpuTest(
  "training statistics accumulate confident score, summed loss and correct count",
  async (gpu) => {
    const rng = new Rng(82);
    using _ = new Scope(gpu);
    const acc = Tensor.zeros(gpu, [6]);
    const want = [0, 0, 0, 0, 0, 0];
    for (const B of [3, 130]) {
      const K = 5, z = randn(rng, B * K, 2), labels = Array.from({ length: B }, () => rng.int(K));
      const p = softmaxRef(z, B, K);
      const loss = rng.uniform();
      accumulateTrainStats(
        acc,
        1,
        Tensor.from(gpu, z, [B, K]),
        oneHot(gpu, labels, K),
        Tensor.from(gpu, [loss], [1]),
      );
      labels.forEach((y, i) => {
        want[3] += p[i * K + y];
        let best = 0;
        for (let k = 1; k < K; k++) if (z[i * K + k] > z[i * K + best]) best = k;
        if (best === y) want[5]++;
      });
      want[4] += loss * B;
    }
    assertClose(await acc.read(), want, { atol: 1e-4, rtol: 1e-5 }, "stats");
  },
);
