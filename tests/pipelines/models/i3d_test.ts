import {
  assertClose,
  dispatchedWith,
  fixture,
  gpuTest,
  randn,
  rejected,
  thrown,
} from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import type { Gpu } from "../../../kernels/runtime/gpu.ts";
import { backward } from "../../../kernels/autograd/node.ts";
import { I3D } from "../../../pipelines/models/i3d.ts";
import { I3DEncoder } from "../../../pipelines/models/encoder.ts";
import { loadPretrained, loadPretrainedFiles } from "../../../pipelines/models/pretrained.ts";
import { readSafetensors } from "../../../pipelines/io/safetensors.ts";

const WEIGHTS = new URL("../../fixtures/i3d_w8_weights.safetensors", import.meta.url).pathname;

/** The formula input of tools/make_i3d_fixtures.py, in our layout [B, T, C, H, W]. */
function formulaInput(B: number, C: number, T: number, H: number, W: number): Float32Array {
  const x = new Float32Array(B * C * T * H * W);
  const S = H * W;
  for (let i = 0; i < x.length; i++) {
    // i indexes [B, C, T, H, W] (PyTorch's layout); store at [B, T, C, H, W]
    const s = i % S, t = Math.floor(i / S) % T, c = Math.floor(i / (S * T)) % C;
    const b = Math.floor(i / (S * T * C));
    x[((b * T + t) * C + c) * S + s] = Math.sin(0.7 * i) * Math.cos(0.013 * i);
  }
  return x;
}

for (const variant of [null, "winograd", "winograd_f4"]) {
  gpuTest(
    "an I3D Inception block (Mixed_3b, width 16) matches PyTorch: output, gradients, BN statistics" +
      (variant ? ` (3x3x3 convolutions on ${variant})` : ""),
    async (gpu) => {
      const ran = await dispatchedWith(gpu, variant, () => checkMixedBlock(gpu));
      const transform = variant === "winograd_f4"
        ? "winograd3d_f4_input_transform"
        : "winograd3d_input_transform";
      if (variant && !ran.has(transform)) throw new Error(`${transform} did not run`);
    },
  );
}

gpuTest(
  "an I3D Inception block with its 1x1x1 convolutions on the pointwise variant equals the direct one",
  async (gpu) => {
    // 2 x 4 x 6 = 48 positions per clip (the PyTorch fixture's 90 do not allow the vec4 GEMM)
    const net = I3D.create(gpu, new Rng(3), { inChannels: 3, width: 16 });
    const x0 = randn(new Rng(4), 2 * 48 * 48), dy0 = randn(new Rng(5), 2 * 64 * 48);
    const run = async (variant: string | null) => {
      let out: Float32Array[] = [];
      const ran = await dispatchedWith(gpu, variant, async () => {
        using _ = new Scope(gpu);
        net.params.zeroGrad();
        const x = Tensor.from(gpu, x0, [2, 48, 2, 4, 6]);
        x.requiresGrad = true;
        const y = net.mixed(x, "Mixed_3b", true);
        backward(y, Tensor.from(gpu, dy0, y.shape));
        const grads = await net.params.read("grads");
        const names = net.params.names.filter((n) => n.startsWith("Mixed_3b."));
        out = [await y.read(), await x.grad!.read(), ...names.map((n) => grads.get(n)!)];
      });
      return { out, ran };
    };
    const direct = await run(null), pointwise = await run("pointwise");
    if (!pointwise.ran.has("pointwise_gemm_vec4") || direct.ran.has("pointwise_gemm_vec4")) {
      throw new Error("the pointwise GEMM should run only when preferred");
    }
    direct.out.forEach((want, i) => {
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assertClose(pointwise.out[i], want, { atol: 1e-6 * scale, rtol: 1e-6 }, `output ${i}`);
    });
    net.destroy();
  },
);

/** Mixed_3b's forward and backward against tools/make_i3d_fixtures.py's PyTorch run. */
async function checkMixedBlock(gpu: Gpu): Promise<void> {
  const fx = await fixture("i3d_mixed");
  const net = I3D.create(gpu, new Rng(0), { inChannels: 3, width: 16 });
  const block = new Map<string, Float32Array>();
  for (const name of net.params.names.filter((n) => n.startsWith("Mixed_3b."))) {
    block.set(name, fx.get(`init.${name.slice("Mixed_3b.".length)}`));
  }
  await net.params.load(block);
  for (const [bn, t] of net.running) {
    if (!bn.startsWith("Mixed_3b.")) continue;
    const k = bn.slice("Mixed_3b.".length);
    t.write([...fx.get(`init.${k}.running_mean`), ...fx.get(`init.${k}.running_var`)]);
  }
  using _ = new Scope(gpu);
  const x = Tensor.from(gpu, fx.get("x"), fx.shape("x"));
  x.requiresGrad = true;
  const y = net.mixed(x, "Mixed_3b", true);
  backward(y, Tensor.from(gpu, fx.get("dy"), fx.shape("dy")));
  const TOL = { atol: 1e-4, rtol: 1e-4 };
  assertClose(await y.read(), fx.get("y"), TOL, "y");
  assertClose(await x.grad!.read(), fx.get("dx"), TOL, "dx");
  const grads = await net.params.read("grads");
  let compared = 0;
  for (const name of block.keys()) {
    const want = fx.get(`grad.${name.slice("Mixed_3b.".length)}`);
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assertClose(grads.get(name)!, want, { atol: 1e-5 * scale + 1e-5, rtol: 1e-4 }, name);
    compared++;
  }
  if (compared !== 18) throw new Error(`compared ${compared} parameters, want 18`);
  for (const [bn, t] of net.running) {
    if (!bn.startsWith("Mixed_3b.")) continue;
    const k = bn.slice("Mixed_3b.".length), got = await t.read(), C = t.shape[1];
    assertClose(got.slice(0, C), fx.get(`final.${k}.running_mean`), TOL, `${bn} mean`);
    assertClose(got.slice(C), fx.get(`final.${k}.running_var`), TOL, `${bn} var`);
  }
  net.destroy();
}

gpuTest(
  "a whole I3D loaded through tools/convert_i3d.py gives PyTorch's features (80 frames, eval)",
  async (gpu) => {
    const fx = await fixture("i3d_features_w8");
    const [B, C, T, H, W] = fx.metadata.input.split(",").map(Number);
    const enc = new I3DEncoder(
      I3D.create(gpu, new Rng(1), { inChannels: C, width: Number(fx.metadata.width) }),
    );
    const report = await loadPretrained(enc, await readSafetensors(WEIGHTS));
    if (report.missing.length || report.mismatched.length) {
      throw new Error(`unexpected load report ${JSON.stringify(report)}`);
    }
    if (report.unexpected.sort().join() !== "logits.conv3d.bias,logits.conv3d.weight") {
      throw new Error(`unexpected keys ${report.unexpected}`);
    }
    using _ = new Scope(gpu);
    const x = Tensor.from(gpu, formulaInput(B, C, T, H, W), [B, T, C, H, W]);
    const f = enc.forward(x, false);
    if (f.shape.join() !== `${B},128`) throw new Error(`features [${f.shape}]`);
    // float32 through ~60 layers: 1e-4 of the feature scale
    const want = fx.get("features");
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assertClose(await f.read(), want, { atol: 1e-4 * scale, rtol: 1e-4 }, "features");
    enc.destroy();
  },
);

gpuTest(
  "the depth encoder loads the RGB checkpoint except its 1-channel first conv (kept random)",
  async (gpu) => {
    const enc = new I3DEncoder(I3D.create(gpu, new Rng(2), { inChannels: 1, width: 8 }));
    const before = (await enc.trunk.params.read()).get("Conv3d_1a_7x7.conv3d.weight")!;
    const lines = await loadPretrainedFiles([enc], [WEIGHTS], [{
      name: "depth",
      inChannels: 1,
      frames: 8,
    }]);
    if (!/depth: loaded \d+ tensors/.test(lines[0]) || !lines[0].includes("kept random")) {
      throw new Error(`unclear report: ${lines[0]}`);
    }
    const report = await loadPretrained(enc, await readSafetensors(WEIGHTS));
    if (
      report.mismatched.length !== 1 || !report.mismatched[0].startsWith("Conv3d_1a_7x7.conv3d")
    ) {
      throw new Error(`mismatched: ${report.mismatched}`);
    }
    const after = await enc.trunk.params.read();
    assertClose(after.get("Conv3d_1a_7x7.conv3d.weight")!, before, { atol: 0, rtol: 0 }, "stem");
    const file = await readSafetensors(WEIGHTS);
    assertClose(
      after.get("Mixed_5c.b3b.conv3d.weight")!,
      file.tensors.get("Mixed_5c.b3b.conv3d.weight")!.data,
      { atol: 0, rtol: 0 },
      "a later layer comes from the file",
    );
    enc.destroy();
  },
);

gpuTest("pretrained files that do not fit are errors naming the file", async (gpu) => {
  const enc = new I3DEncoder(I3D.create(gpu, new Rng(3), { inChannels: 3, width: 16 }));
  const spec = [{ name: "rgb", inChannels: 3, frames: 8 }];
  const msg = await rejected(loadPretrainedFiles([enc], [WEIGHTS], spec));
  if (!msg.includes("i3d_w8_weights") || !msg.includes("no tensor matches")) {
    throw new Error(`unclear: ${msg}`);
  }
  const many = await rejected(loadPretrainedFiles([enc], [WEIGHTS, WEIGHTS], spec));
  if (!many.includes("model.pretrained")) throw new Error(`unclear: ${many}`);
  const width = thrown(() => I3D.create(gpu, new Rng(0), { inChannels: 3, width: 4 }));
  if (!width.includes("width 4")) throw new Error(`unclear: ${width}`);
  enc.destroy();
});
