import { Gpu } from "../kernels/runtime/gpu.ts";
import { Tensor } from "../kernels/tensor.ts";
import { conv2dForwardInto, conv2dShape } from "../kernels/conv2d/conv2d.ts";
const gpu = await Gpu.create();
const cases = [
  [8, 3, 112, 64, 7, 2, 3],
  [8, 64, 28, 64, 3, 1, 1],
  [8, 64, 28, 128, 3, 2, 1],
  [8, 128, 14, 128, 3, 1, 1],
  [8, 128, 14, 256, 3, 2, 1],
  [8, 256, 7, 256, 3, 1, 1],
  [8, 256, 7, 512, 3, 2, 1],
  [8, 512, 4, 512, 3, 1, 1],
  [16, 512, 4, 512, 3, 1, 1],
  [16, 1, 257, 64, 7, 2, 3],
];
for (const [B, Ci, H, Co, K, st, pd] of cases) {
  const s = conv2dShape([B, Ci, H, H], [Co, Ci, K, K], { stride: st, padding: pd });
  const x = Tensor.zeros(gpu, [B, Ci, H, H]),
    w = Tensor.zeros(gpu, [Co, Ci, K, K]),
    y = Tensor.empty(gpu, [B, Co, s.OH, s.OW]);
  const row: string[] = [];
  for (const fam of ["cpu", "gpu"] as const) {
    gpu.gemm = fam;
    conv2dForwardInto(y, x, w, s);
    await gpu.sync();
    const times = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) conv2dForwardInto(y, x, w, s);
      await gpu.sync();
      times.push((performance.now() - t0) / 3);
    }
    times.sort((a, b) => a - b);
    const gf = 2 * B * Co * s.OH * s.OW * Ci * K * K / 1e9;
    row.push(`${fam} ${(gf / times[1] * 1000).toFixed(1)}`);
  }
  console.log(`${B},${Ci},${H},${Co},${K}/${st} N=${B * s.OH * s.OW}: ${row.join("  ")}`);
}
