/**
 * Check a real-size (or any width) I3D against PyTorch, beyond the committed width-8 fixture:
 *   /usr/bin/python3 tools/make_i3d_fixtures.py DIR --full     (writes 48 MB of weights)
 *   deno run -A tools/check_i3d.ts DIR [WIDTH]
 * Loads DIR/i3d_w{WIDTH}_weights.safetensors (converted by tools/convert_i3d.py), runs the
 * eval-mode encoder on the fixture's formula input and prints the error against PyTorch's
 * features (DIR/i3d_features_w{WIDTH}.safetensors); exits 1 above 1e-4 of the feature scale.
 */
import { join } from "node:path";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "../pipelines/env.ts";
import { Rng } from "../kernels/init/init.ts";
import { Tensor } from "../kernels/tensor.ts";
import { I3D } from "../pipelines/models/i3d.ts";
import { I3DEncoder } from "../pipelines/models/encoder.ts";
import { describeLoad, loadPretrained } from "../pipelines/models/pretrained.ts";
import { readSafetensors } from "../pipelines/io/safetensors.ts";

const [dir, widthArg] = Deno.args;
if (!dir) throw new Error("usage: check_i3d.ts DIR [WIDTH]");
const width = Number(widthArg ?? 64);
const weights = join(dir, `i3d_w${width}_weights.safetensors`);
const fx = await readSafetensors(join(dir, `i3d_features_w${width}.safetensors`));
const [B, C, T, H, W] = fx.metadata.input.split(",").map(Number);
const gpu = await openGpu(envDevice(false));
const enc = new I3DEncoder(I3D.create(gpu, new Rng(0), { inChannels: C, width }));
console.log(
  describeLoad("rgb", weights, await loadPretrained(enc, await readSafetensors(weights))),
);
// x[i] = sin(0.7 i) cos(0.013 i) over PyTorch's [B, C, T, H, W], stored as [B, T, C, H, W]
const x = new Float32Array(B * C * T * H * W), S = H * W;
for (let i = 0; i < x.length; i++) {
  const s = i % S, t = Math.floor(i / S) % T, c = Math.floor(i / (S * T)) % C;
  x[((Math.floor(i / (S * T * C)) * T + t) * C + c) * S + s] = Math.sin(0.7 * i) *
    Math.cos(0.013 * i);
}
const start = performance.now();
const got = await enc.forward(Tensor.from(gpu, x, [B, T, C, H, W]), false).read();
const want = fx.tensors.get("features")!.data;
let err = 0, scale = 0;
want.forEach((v, i) => {
  err = Math.max(err, Math.abs(got[i] - v));
  scale = Math.max(scale, Math.abs(v));
});
console.log(
  `I3D width ${width}, input [${B},${C},${T},${H},${W}] -> [${B},${got.length / B}]: max error ` +
    `${err.toExponential(2)} (${(err / scale).toExponential(2)} of the scale ${
      scale.toFixed(3)
    }), ${(performance.now() - start).toFixed(0)} ms on ${gpu.adapterName}`,
);
Deno.exit(err <= 1e-4 * scale ? 0 : 1);
