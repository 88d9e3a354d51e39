import { assertClose, gpuTest, numericGrad, randn } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { add, relu, reshape } from "../../../kernels/elementwise/elementwise.ts";
import { backward } from "../../../kernels/autograd/node.ts";

const EXACT = { atol: 0, rtol: 0 };

gpuTest(
  "relu and add match the CPU reference, including sizes over one workgroup grid row",
  async (gpu) => {
    const rng = new Rng(30);
    using _ = new Scope(gpu);
    for (const n of [1, 7, 257, 70000 * 256 + 3]) {
      const a = randn(rng, n), b = randn(rng, n);
      const A = Tensor.from(gpu, a, [n]), B = Tensor.from(gpu, b, [n]);
      const [r, s] = await gpu.read([relu(A).range, add(A, B).range]);
      assertClose(r, a.map((v) => Math.max(v, 0)), EXACT, `relu ${n}`);
      assertClose(s, a.map((v, i) => v + b[i]), EXACT, `add ${n}`);
    }
  },
);

gpuTest(
  "relu/add/reshape backward pass a finite-difference check; shared gradients sum",
  async (gpu) => {
    const rng = new Rng(31);
    using _ = new Scope(gpu);
    const x = randn(rng, 12), r = randn(rng, 12);
    const X = Tensor.from(gpu, x, [3, 4]);
    X.requiresGrad = true;
    // y = relu(x) + reshape(x): x reaches the output twice, so its gradients must add up
    const y = add(relu(X), reshape(reshape(X, [12]), [3, 4]));
    backward(y, Tensor.from(gpu, r, [3, 4]));
    const f = (v: Float64Array) => v.map((e) => Math.max(e, 0) + e);
    assertClose(await X.grad!.read(), numericGrad(f, x, r), { atol: 1e-4, rtol: 1e-3 }, "dx");
  },
);
