import { assertClose, gpuTest, randn, thrown } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { concatChannels, swapAxes12 } from "../../../kernels/layout/layout.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { add } from "../../../kernels/elementwise/elementwise.ts";
import { ParameterSet } from "../../../kernels/optim/parameters.ts";

gpuTest("swapAxes12 permutes [A,T,C,S] to [A,C,T,S]; its gradient is the inverse", async (gpu) => {
  using _ = new Scope(gpu);
  const rng = new Rng(50);
  const [A, T, C, H, W] = [2, 3, 4, 2, 3], S = H * W;
  const x = randn(rng, A * T * C * S), dy = randn(rng, x.length);
  const X = Tensor.from(gpu, x, [A, T, C, H, W]);
  X.requiresGrad = true;
  const y = swapAxes12(X);
  // used twice: the gradient accumulates to 2 * swap^-1(dy)
  backward(add(y, y), Tensor.from(gpu, dy, y.shape));
  const want = new Float64Array(x.length), grad = new Float64Array(x.length);
  for (let a = 0; a < A; a++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        for (let s = 0; s < S; s++) {
          const xi = ((a * T + t) * C + c) * S + s, yi = ((a * C + c) * T + t) * S + s;
          want[yi] = x[xi];
          grad[xi] = 2 * dy[yi];
        }
      }
    }
  }
  if (y.shape.join() !== [A, C, T, H, W].join()) throw new Error(`shape [${y.shape}]`);
  const [got, dx] = await gpu.read([y.range, X.grad!.range]);
  assertClose(got, want, { atol: 0, rtol: 0 }, "swap");
  assertClose(dx, grad, { atol: 1e-6, rtol: 1e-6 }, "swap gradient");
});

gpuTest("concatChannels stacks parts along axis 1 and splits the gradient back", async (gpu) => {
  using _ = new Scope(gpu);
  const rng = new Rng(51);
  const [B, S] = [2, 5], Cs = [3, 1, 4];
  const xs = Cs.map((c) => randn(rng, B * c * S));
  const X = xs.map((x, i) => {
    const t = Tensor.from(gpu, x, [B, Cs[i], 1, S]);
    t.requiresGrad = true;
    return t;
  });
  const y = concatChannels(X);
  const dy = randn(rng, y.size);
  backward(y, Tensor.from(gpu, dy, y.shape));
  const out = await gpu.read([y.range, ...X.map((t) => t.grad!.range)]);
  const Ct = 8;
  let off = 0;
  Cs.forEach((c, i) => {
    const want = new Float64Array(B * c * S), grad = new Float64Array(B * c * S);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < c; k++) {
        for (let s = 0; s < S; s++) {
          want[(b * c + k) * S + s] = out[0][(b * Ct + off + k) * S + s];
          grad[(b * c + k) * S + s] = dy[(b * Ct + off + k) * S + s];
        }
      }
    }
    assertClose(want, xs[i], { atol: 0, rtol: 0 }, `part ${i}`);
    assertClose(out[1 + i], grad, { atol: 0, rtol: 0 }, `gradient of part ${i}`);
    off += c;
  });
  const msg = thrown(() => concatChannels([X[0], Tensor.from(gpu, [1, 2], [1, 1, 1, 2])]));
  if (!msg.includes("[1,1,1,2]")) throw new Error(`unclear: ${msg}`);
});

gpuTest(
  "concatChannels copies blocks at any buffer offset and accumulates a part used twice",
  async (gpu) => {
    using _ = new Scope(gpu);
    const rng = new Rng(52);
    const [B, S] = [3, 4];
    // parameters live in one arena at offsets, and so do their gradients
    const a = randn(rng, B * 2 * S), b = randn(rng, B * 1 * S), c = randn(rng, B * 3 * S);
    const set = ParameterSet.create(gpu, [
      { name: "a", shape: [B, 2, S], data: a },
      { name: "b", shape: [B, 1, S], data: b },
    ]);
    const C = Tensor.from(gpu, c, [B, 3, S]);
    C.requiresGrad = true;
    // C twice: its second gradient adds onto the first
    const parts = [set.get("a"), C, set.get("b"), C];
    const y = concatChannels(parts);
    const dy = randn(rng, y.size);
    backward(y, Tensor.from(gpu, dy, y.shape));
    const [got, gc] = await gpu.read([y.range, C.grad!.range]);
    const grads = await set.read("grads");
    const Cs = [2, 3, 1, 3], data = [a, c, b, c], Ct = 9;
    const want = new Float64Array(y.size);
    const wantGrad = [
      new Float64Array(B * 2 * S),
      new Float64Array(B * 3 * S),
      new Float64Array(B * S),
    ];
    let off = 0;
    Cs.forEach((ch, i) => {
      const g = wantGrad[[0, 1, 2, 1][i]];
      for (let n = 0; n < B; n++) {
        for (let k = 0; k < ch * S; k++) {
          want[(n * Ct + off) * S + k] = data[i][n * ch * S + k];
          g[n * ch * S + k] += dy[(n * Ct + off) * S + k];
        }
      }
      off += ch;
    });
    assertClose(got, want, { atol: 0, rtol: 0 }, "concatenation");
    assertClose(grads.get("a")!, wantGrad[0], { atol: 0, rtol: 0 }, "gradient of a (arena)");
    assertClose(grads.get("b")!, wantGrad[2], { atol: 0, rtol: 0 }, "gradient of b (arena)");
    assertClose(gc, wantGrad[1], { atol: 1e-6, rtol: 1e-6 }, "gradient of the part used twice");
    set.destroy();
  },
);
