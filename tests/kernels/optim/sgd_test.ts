import { assertClose, fixture, gpuTest, randn } from "../../_helpers.ts";
import { sgdRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";

const TOL = { atol: 1e-7, rtol: 1e-6 };

gpuTest("one SGD dispatch updates every parameter of a set like the CPU reference", async (gpu) => {
  const rng = new Rng(60);
  const a = randn(rng, 13), b = randn(rng, 70);
  const set = ParameterSet.create(gpu, [{ name: "a", shape: [13], data: a }, {
    name: "b",
    shape: [7, 10],
    data: b,
  }]);
  const ga = randn(rng, 13), gb = randn(rng, 70);
  set.get("a").grad!.write(ga);
  set.get("b").grad!.write(gb);
  const before = gpu.dispatches;
  set.sgdStep({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  if (gpu.dispatches - before !== 1) throw new Error("the SGD step should be one dispatch");
  set.sgdStep({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  const [w1a, m1a] = sgdRef(a, ga, new Float64Array(13), 0.1, 0.9, 0.01);
  const [w2a, m2a] = sgdRef(w1a, ga, m1a, 0.1, 0.9, 0.01);
  const [w1b, m1b] = sgdRef(b, gb, new Float64Array(70), 0.1, 0.9, 0.01);
  const [w2b, m2b] = sgdRef(w1b, gb, m1b, 0.1, 0.9, 0.01);
  const v = await set.read(), m = await set.read("momentum");
  assertClose(v.get("a")!, w2a, TOL, "a");
  assertClose(v.get("b")!, w2b, TOL, "b");
  assertClose(m.get("a")!, m2a, TOL, "momentum a");
  assertClose(m.get("b")!, m2b, TOL, "momentum b");
  set.zeroGrad();
  const g = await set.read("grads");
  if ([...g.values()].some((arr) => arr.some((x) => x !== 0))) {
    throw new Error("zeroGrad left values");
  }
  set.destroy();
});

gpuTest(
  "SGD matches torch.optim.SGD over two steps (weights and momentum buffers)",
  async (gpu) => {
    const fx = await fixture("sgd");
    const o = {
      lr: Number(fx.metadata.lr),
      momentum: Number(fx.metadata.momentum),
      weightDecay: Number(fx.metadata.weight_decay),
    };
    const set = ParameterSet.create(gpu, [{ name: "w", shape: [10], data: fx.get("w0") }]);
    for (const step of [1, 2]) {
      set.get("w").grad!.write(fx.get(`g${step}`));
      set.sgdStep(o);
      assertClose((await set.read()).get("w")!, fx.get(`w${step}`), TOL, `w after step ${step}`);
      assertClose(
        (await set.read("momentum")).get("w")!,
        fx.get(`buf${step}`),
        TOL,
        `buf after step ${step}`,
      );
    }
    set.destroy();
  },
);
