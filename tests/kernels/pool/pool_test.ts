import { assertClose, fixture, gpuTest, numericGrad, randn } from "../../_helpers.ts";
import { avgpoolRef, maxpoolRef } from "../../_reference.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { globalAvgPool, maxpool2d } from "../../../kernels/pool/pool.ts";
import { backward } from "../../../kernels/autograd/node.ts";

const TOL = { atol: 1e-6, rtol: 1e-5 };
const FD = { atol: 1e-4, rtol: 1e-3 };

gpuTest("maxpool2d matches the CPU reference and a finite-difference check", async (gpu) => {
  const rng = new Rng(40);
  using _ = new Scope(gpu);
  for (
    const [B, C, H, W, k, s, p] of [[2, 3, 9, 8, 3, 2, 1], [1, 2, 5, 7, 2, 2, 0], [
      1,
      1,
      4,
      4,
      3,
      1,
      1,
    ]]
  ) {
    const x = randn(rng, B * C * H * W), ref = maxpoolRef(x, B, C, H, W, k, s, p);
    const r = randn(rng, ref.y.length);
    const X = Tensor.from(gpu, x, [B, C, H, W]);
    X.requiresGrad = true;
    const y = maxpool2d(X, { kernel: k, stride: s, padding: p });
    backward(y, Tensor.from(gpu, r, y.shape));
    assertClose(await y.read(), ref.y, TOL, `maxpool y ${[B, C, H, W, k, s, p]}`);
    const num = numericGrad((v) => maxpoolRef(v, B, C, H, W, k, s, p).y, x, r);
    assertClose(await X.grad!.read(), num, FD, `maxpool dx ${[B, C, H, W, k, s, p]}`);
  }
});

gpuTest("maxpool2d takes the first maximum on ties (PyTorch's rule)", async (gpu) => {
  using _ = new Scope(gpu);
  const X = Tensor.from(gpu, [1, 1, 1, 1], [1, 1, 2, 2]);
  X.requiresGrad = true;
  const y = maxpool2d(X, { kernel: 2, stride: 2, padding: 0 });
  backward(y, Tensor.from(gpu, [1], [1, 1, 1, 1]));
  assertClose(await X.grad!.read(), [1, 0, 0, 0], { atol: 0, rtol: 0 }, "tie gradient");
});

gpuTest(
  "global average pool over (H,W) and over (T,H,W) matches the reference and FD",
  async (gpu) => {
    const rng = new Rng(41);
    using _ = new Scope(gpu);
    for (const [B, T, C, H, W] of [[3, 1, 5, 4, 3], [2, 3, 4, 3, 5]]) {
      const x = randn(rng, B * T * C * H * W), r = randn(rng, B * C);
      const X = Tensor.from(gpu, x, [B * T, C, H, W]);
      X.requiresGrad = true;
      const y = globalAvgPool(X, T);
      backward(y, Tensor.from(gpu, r, [B, C]));
      assertClose(await y.read(), avgpoolRef(x, B, T, C, H * W), TOL, "avgpool y");
      const num = numericGrad((v) => avgpoolRef(v, B, T, C, H * W), x, r);
      assertClose(await X.grad!.read(), num, FD, "avgpool dx");
    }
  },
);

gpuTest(
  "pooling matches the PyTorch fixture (maxpool 3/2/1; video mean over T,H,W)",
  async (gpu) => {
    const fx = await fixture("pool");
    using _ = new Scope(gpu);
    const x = Tensor.from(gpu, fx.get("x"), fx.shape("x"));
    x.requiresGrad = true;
    const y = maxpool2d(x, { kernel: 3, stride: 2, padding: 1 });
    backward(y, Tensor.from(gpu, fx.get("dy"), fx.shape("dy")));
    assertClose(await y.read(), fx.get("y"), TOL, "maxpool y");
    assertClose(await x.grad!.read(), fx.get("dx"), TOL, "maxpool dx");
    const xv = Tensor.from(gpu, fx.get("xv"), fx.shape("xv"));
    xv.requiresGrad = true;
    const yv = globalAvgPool(xv, 3);
    backward(yv, Tensor.from(gpu, fx.get("dyv"), fx.shape("dyv")));
    assertClose(await yv.read(), fx.get("yv"), TOL, "video mean y");
    assertClose(await xv.grad!.read(), fx.get("dxv"), TOL, "video mean dx");
  },
);
