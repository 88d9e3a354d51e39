import { assertClose, gpuTest, randn } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { linear } from "../../../kernels/matmul/matmul.ts";
import { relu } from "../../../kernels/elementwise/elementwise.ts";
import { crossEntropy, oneHot } from "../../../kernels/loss/loss.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";

gpuTest(
  "backward with retainGraph: one gradient per loss over a shared graph, as separate forwards give",
  async (gpu) => {
    const rng = new Rng(4);
    const specs = [["w1", [6, 5]], ["w2", [3, 6]], ["w3", [3, 6]]] as const;
    const params = ParameterSet.create(
      gpu,
      specs.map(([name, shape]) => ({
        name,
        shape: [...shape],
        data: randn(rng, shape[0] * shape[1], 0.5),
      })),
    );
    const x = randn(rng, 4 * 5);
    const losses = (h: Tensor) => [
      crossEntropy(linear(h, params.get("w2")), oneHot(gpu, [0, 1, 2, 0], 3)),
      crossEntropy(linear(h, params.get("w3")), oneHot(gpu, [2, 2, 1, 0], 3)),
    ];
    const hidden = () => relu(linear(Tensor.from(gpu, x, [4, 5]), params.get("w1")));
    const w1Grad = async () => (await params.grads.read()).slice(0, 30);
    const separate: Float32Array[] = [];
    for (const l of [0, 1]) { // reference: a fresh forward per loss
      using _ = new Scope(gpu);
      params.zeroGrad();
      backward(losses(hidden())[l]);
      separate.push(await w1Grad());
    }
    using _ = new Scope(gpu);
    params.zeroGrad();
    const [l0, l1] = losses(hidden()); // one forward, two backwards
    backward(l0, undefined, { retainGraph: true });
    const first = await w1Grad();
    params.zeroGrad();
    backward(l1);
    assertClose(first, separate[0], { atol: 1e-7, rtol: 1e-6 }, "the first loss's gradient");
    assertClose(
      await w1Grad(),
      separate[1],
      { atol: 1e-7, rtol: 1e-6 },
      "the second's, after a retained walk",
    );
    params.destroy();
  },
);
