import { assertClose, fixture, gpuTest } from "../_helpers.ts";
import { basicBlock, BLOCK_BNS, BLOCK_CONVS, type RunningStats } from "../_block.ts";
import { ParameterSet, type ParameterSpec } from "../../kernels/optim/parameters.ts";
import { Scope, Tensor } from "../../kernels/tensor.ts";
import { backward } from "../../kernels/autograd/node.ts";

// A whole BasicBlock (conv-bn-relu-conv-bn + 1x1 conv/bn downsample, stride 2) forward and
// backward against PyTorch. Errors compound through two convs and three batch norms, so the
// tolerance is looser than per kernel: 2e-4 absolute + 2e-4 relative.
const TOL = { atol: 2e-4, rtol: 2e-4 };

gpuTest("a ResNet BasicBlock with downsample matches PyTorch forward and backward", async (gpu) => {
  const fx = await fixture("basic_block");
  const names = [
    ...BLOCK_CONVS.map((c) => `${c}.weight`),
    ...BLOCK_BNS.flatMap((b) => [`${b}.weight`, `${b}.bias`]),
  ];
  const specs: ParameterSpec[] = names.map((name) => ({
    name,
    shape: fx.shape(name),
    data: fx.get(name),
  }));
  const set = ParameterSet.create(gpu, specs);
  using _ = new Scope(gpu);
  const running = Object.fromEntries(BLOCK_BNS.map((b) => {
    const C = fx.shape(`${b}.weight`)[0];
    return [b, Tensor.from(gpu, [...new Float32Array(C), ...new Float32Array(C).fill(1)], [2, C])];
  })) as RunningStats;
  const x = Tensor.from(gpu, fx.get("x"), fx.shape("x"));
  x.requiresGrad = true;
  const y = basicBlock(x, set, running, 2);
  backward(y, Tensor.from(gpu, fx.get("dy"), fx.shape("dy")));
  assertClose(await y.read(), fx.get("y"), TOL, "y");
  assertClose(await x.grad!.read(), fx.get("dx"), TOL, "dx");
  const grads = await set.read("grads");
  for (const n of names) assertClose(grads.get(n)!, fx.get(`grad.${n}`), TOL, `grad ${n}`);
  for (const b of BLOCK_BNS) {
    const r = await running[b].read(), C = r.length / 2;
    assertClose(r.slice(0, C), fx.get(`${b}.running_mean`), TOL, `${b} running_mean`);
    assertClose(r.slice(C), fx.get(`${b}.running_var`), TOL, `${b} running_var`);
  }
  set.destroy();
});
