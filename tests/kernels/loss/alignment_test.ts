import { assertClose, gpuTest, numericGrad, randn } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { jsAlignment } from "../../../kernels/loss/loss.ts";
import { axpyInto } from "../../../kernels/elementwise/elementwise.ts";

/** float64: mean_i 0.5 sum_k m (2 log m - log p - log q). */
function jsRef(z: ArrayLike<number>, B: number, K: number): number {
  const soft = (off: number) => {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) mx = Math.max(mx, z[off + k]);
    const e = Array.from({ length: K }, (_, k) => Math.exp(z[off + k] - mx));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  let acc = 0;
  for (let i = 0; i < B; i++) {
    const p = soft(i * K), q = soft(B * K + i * K);
    for (let k = 0; k < K; k++) {
      const m = 0.5 * (p[k] + q[k]);
      acc += 0.5 * m * (2 * Math.log(m) - Math.log(p[k]) - Math.log(q[k]));
    }
  }
  return acc / B;
}

gpuTest("LFM's alignment and its gradients (both logits) match float64", async (gpu) => {
  const rng = new Rng(70);
  using _ = new Scope(gpu);
  for (const [B, K] of [[1, 2], [67, 6]]) {
    const z = randn(rng, 2 * B * K, 2);
    const Z1 = Tensor.from(gpu, z.subarray(0, B * K), [B, K]);
    const Z2 = Tensor.from(gpu, z.subarray(B * K), [B, K]);
    Z1.requiresGrad = Z2.requiresGrad = true;
    const l = jsAlignment(Z1, Z2);
    backward(l, Tensor.from(gpu, [1.5], [1]));
    assertClose(await l.read(), [jsRef(z, B, K)], { atol: 1e-6, rtol: 1e-5 }, `L ${B}x${K}`);
    const num = numericGrad((x) => Float64Array.of(jsRef(x, B, K)), z, [1.5]);
    const got = new Float32Array(2 * B * K);
    got.set(await Z1.grad!.read(), 0);
    got.set(await Z2.grad!.read(), B * K);
    assertClose(got, num, { atol: 1e-6, rtol: 1e-3 }, `dz ${B}x${K}`);
  }
  const same = Tensor.from(gpu, [1, 2, 3], [1, 3]);
  assertClose(await jsAlignment(same, same).read(), [0], { atol: 1e-6, rtol: 0 }, "equal: 0");
});

gpuTest("axpy adds a multiple of one tensor to another", async (gpu) => {
  using _ = new Scope(gpu);
  const y = Tensor.from(gpu, [1, 2, 3, 4, 5], [5]);
  axpyInto(y, Tensor.from(gpu, [1, -1, 0.5, 0, 2], [5]), -2);
  assertClose(await y.read(), [-1, 4, 2, 4, 1], { atol: 0, rtol: 0 }, "y");
});
