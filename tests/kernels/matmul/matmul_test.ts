import {
  assertClose,
  fixture,
  forEachGemm,
  gpuTest,
  numericGrad,
  randn,
  thrown,
} from "../../_helpers.ts";
import { matmulRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { linear, matmul, matmulInto } from "../../../kernels/matmul/matmul.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";
import { crossEntropy } from "../../../kernels/loss/loss.ts";

// Sums of up to 200 products of unit normals (magnitudes ~10): summation order and fused
// multiply-adds differ between adapters, so 1e-4 absolute + 1e-4 relative.
const TOL = { atol: 1e-4, rtol: 1e-4 };
// The small PyTorch fixture (K = 7) and the gradient-sum check keep the tighter bound.
const SMALL = { atol: 1e-5, rtol: 1e-4 };

gpuTest(
  "matmul matches the CPU reference for every transpose, odd shapes, bias, accumulate",
  async (gpu) => {
    const rng = new Rng(1);
    using _ = new Scope(gpu);
    await forEachGemm(gpu, async (variant) => {
      for (const [M, K, N] of [[1, 1, 1], [3, 5, 7], [17, 33, 129], [130, 7, 65], [200, 150, 3]]) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const a = randn(rng, M * K), b = randn(rng, K * N), bias = randn(rng, N);
            const A = Tensor.from(gpu, a, ta ? [K, M] : [M, K]);
            const B = Tensor.from(gpu, b, tb ? [N, K] : [K, N]);
            const C = Tensor.empty(gpu, [M, N]);
            const transA = ta ? "t" : "n", transB = tb ? "t" : "n";
            matmulInto(C, A, B, { transA, transB, bias: Tensor.from(gpu, bias, [N]) });
            const want = matmulRef(a, b, M, K, N, ta, tb, bias);
            assertClose(
              await C.read(),
              want,
              TOL,
              `${variant} matmul ${M}x${K}x${N} ${transA}${transB}`,
            );
            matmulInto(C, A, B, { transA, transB, accumulate: true });
            const twice = want.map((v, i) => v + (v - bias[i % N]));
            assertClose(await C.read(), twice, TOL, `${variant} matmul accumulate ${M}x${K}x${N}`);
          }
        }
      }
    });
  },
);

gpuTest("matmul rejects mismatched shapes with the shapes in the message", async (gpu) => {
  using _ = new Scope(gpu);
  const a = Tensor.zeros(gpu, [2, 3]), b = Tensor.zeros(gpu, [4, 5]);
  const msg = thrown(() => matmul(a, b));
  if (!msg.includes("[2,3]") || !msg.includes("[4,5]")) throw new Error(`unclear error: ${msg}`);
  await gpu.sync();
});

gpuTest("linear backward passes a float64 finite-difference check", async (gpu) => {
  const rng = new Rng(2);
  const [B, I, O] = [3, 5, 4];
  const x = randn(rng, B * I), w = randn(rng, O * I), b = randn(rng, O), r = randn(rng, B * O);
  const set = ParameterSet.create(gpu, [{ name: "w", shape: [O, I], data: w }, {
    name: "b",
    shape: [O],
    data: b,
  }]);
  using _ = new Scope(gpu);
  const X = Tensor.from(gpu, x, [B, I]);
  X.requiresGrad = true;
  const y = linear(X, set.get("w"), set.get("b"));
  backward(y, Tensor.from(gpu, r, [B, O]));
  const f = (xs: Float64Array, ws: ArrayLike<number>, bs: ArrayLike<number>) =>
    matmulRef(xs, ws, B, I, O, false, true, bs);
  const FD = { atol: 1e-4, rtol: 1e-3 };
  assertClose(await X.grad!.read(), numericGrad((v) => f(v, w, b), x, r), FD, "dx");
  const g = await set.read("grads");
  assertClose(g.get("w")!, numericGrad((v) => f(Float64Array.from(x), v, b), w, r), FD, "dw");
  assertClose(g.get("b")!, numericGrad((v) => f(Float64Array.from(x), w, v), b, r), FD, "db");
  set.destroy();
});

gpuTest("linear matches the PyTorch fixture (forward, dx, dW, db)", async (gpu) => {
  const fx = await fixture("linear");
  const set = ParameterSet.create(gpu, [
    { name: "w", shape: fx.shape("w"), data: fx.get("w") },
    { name: "b", shape: fx.shape("b"), data: fx.get("b") },
  ]);
  using _ = new Scope(gpu);
  const x = Tensor.from(gpu, fx.get("x"), fx.shape("x"));
  x.requiresGrad = true;
  const y = linear(x, set.get("w"), set.get("b"));
  backward(y, Tensor.from(gpu, fx.get("dy"), fx.shape("dy")));
  assertClose(await y.read(), fx.get("y"), SMALL, "y");
  assertClose(await x.grad!.read(), fx.get("dx"), SMALL, "dx");
  const g = await set.read("grads");
  assertClose(g.get("w")!, fx.get("dw"), SMALL, "dW");
  assertClose(g.get("b")!, fx.get("db"), SMALL, "db");
  set.destroy();
});

gpuTest("a parameter used twice accumulates both gradient contributions", async (gpu) => {
  const rng = new Rng(3);
  const w = randn(rng, 12);
  const set = ParameterSet.create(gpu, [{ name: "w", shape: [3, 4], data: w }]);
  using _ = new Scope(gpu);
  const x = Tensor.from(gpu, randn(rng, 8), [2, 4]);
  const q = Tensor.from(gpu, [1, 0, 0, 0, 1, 0], [2, 3]);
  const once = crossEntropy(linear(x, set.get("w")), q);
  backward(once);
  const g1 = (await set.read("grads")).get("w")!;
  set.zeroGrad();
  const y = linear(x, set.get("w"));
  const z = linear(x, set.get("w"));
  backward(crossEntropy(y, q));
  backward(crossEntropy(z, q));
  const g2 = (await set.read("grads")).get("w")!;
  assertClose(g2, g1.map((v) => 2 * v), SMALL, "2x gradient");
  set.destroy();
});
