import { assertClose, fixture, gpuTest, numericGrad, randn, thrown } from "../../_helpers.ts";
import { crossEntropyGradRef, crossEntropyRef, softmaxRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { crossEntropy, oneHot, softmax } from "../../../kernels/loss/loss.ts";
import { backward } from "../../../kernels/autograd/node.ts";

const TOL = { atol: 1e-6, rtol: 1e-5 };

gpuTest(
  "softmax and soft-target cross-entropy match the CPU reference (B over one workgroup)",
  async (gpu) => {
    const rng = new Rng(50);
    using _ = new Scope(gpu);
    for (const [B, K] of [[1, 2], [5, 6], [130, 31]]) {
      const z = randn(rng, B * K, 4), q = Float32Array.from({ length: B * K }, () => rng.uniform());
      const Z = Tensor.from(gpu, z, [B, K]);
      Z.requiresGrad = true;
      const loss = crossEntropy(Z, Tensor.from(gpu, q, [B, K]));
      backward(loss);
      assertClose(await softmax(Z).read(), softmaxRef(z, B, K), TOL, `softmax ${B}x${K}`);
      assertClose(
        await loss.read(),
        [crossEntropyRef(z, q, B, K)],
        { atol: 1e-5, rtol: 1e-5 },
        `loss ${B}x${K}`,
      );
      assertClose(await Z.grad!.read(), crossEntropyGradRef(z, q, B, K), TOL, `dz ${B}x${K}`);
    }
  },
);

gpuTest(
  "cross-entropy backward passes a finite-difference check with an upstream scale",
  async (gpu) => {
    const rng = new Rng(51);
    using _ = new Scope(gpu);
    const [B, K] = [4, 5];
    const z = randn(rng, B * K), q = Float32Array.from({ length: B * K }, () => rng.uniform());
    const Z = Tensor.from(gpu, z, [B, K]);
    Z.requiresGrad = true;
    backward(crossEntropy(Z, Tensor.from(gpu, q, [B, K])), Tensor.from(gpu, [0.7], [1]));
    const num = numericGrad((v) => Float64Array.of(crossEntropyRef(v, q, B, K)), z, [0.7]);
    assertClose(await Z.grad!.read(), num, { atol: 1e-5, rtol: 1e-3 }, "dz");
  },
);

gpuTest(
  "cross-entropy matches the PyTorch fixture with a residual (non-normalised) target",
  async (gpu) => {
    const fx = await fixture("cross_entropy");
    using _ = new Scope(gpu);
    const z = Tensor.from(gpu, fx.get("z"), fx.shape("z"));
    z.requiresGrad = true;
    const loss = crossEntropy(z, Tensor.from(gpu, fx.get("q"), fx.shape("q")));
    backward(loss);
    assertClose(await loss.read(), fx.get("loss"), TOL, "loss");
    assertClose(await z.grad!.read(), fx.get("dz"), TOL, "dz");
    assertClose(await softmax(z).read(), fx.get("softmax"), TOL, "softmax");
  },
);

gpuTest("oneHot rejects labels outside the class range, naming the index", (gpu) => {
  const msg = thrown(() => oneHot(gpu, [0, 7], 6));
  if (!msg.includes("index 1")) throw new Error(`unclear: ${msg}`);
});
