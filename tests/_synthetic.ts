/**
 * A tiny two-modality dataset for trainer tests: "audio" [1, 1, 16, 16] and two-frame "video"
 * [2, 3, 16, 16] per sample, each carrying a noisy class-dependent pattern. Training inputs get
 * extra noise from the trainer's RNG, so resuming must restore that RNG to reproduce a run.
 */
import { Rng } from "../kernels/init/init.ts";
import type { Gpu } from "../kernels/runtime/gpu.ts";
import { Tensor } from "../kernels/tensor.ts";
import type { SplitData } from "../pipelines/data/split.ts";

export function syntheticSplit(
  name: string,
  n: number,
  classes: number,
  seed: number,
  modalities = 2,
): SplitData {
  const rng = new Rng(seed);
  const shapes = [[1, 16, 16], [2, 3, 16, 16], [2, 2, 16, 16]].slice(0, modalities);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b));
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const data = shapes.map((_, m) => {
    const out = new Float32Array(n * sizes[m]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < sizes[m]; j++) {
        const signal = m === 0
          ? (Math.floor(j / 16) % classes === labels[i] ? 1.5 : 0)
          : (Math.floor(j / 256) % 3 === labels[i] % 3 ? 0.8 / m : 0);
        out[i * sizes[m] + j] = signal + rng.normal();
      }
    }
    return out;
  });
  return {
    name,
    modalities: [
      { name: "audio", inChannels: 1, frames: 1 },
      { name: "video", inChannels: 3, frames: 2 },
      { name: "flow", inChannels: 2, frames: 2 },
    ].slice(0, modalities),
    classes,
    labels,
    sampleShapes: shapes,
    inputs(gpu: Gpu, indices: number[], training: boolean, r: Rng) {
      return shapes.map((s, m) => {
        const x = new Float32Array(indices.length * sizes[m]);
        indices.forEach((i, b) =>
          x.set(data[m].subarray(i * sizes[m], (i + 1) * sizes[m]), b * sizes[m])
        );
        if (training) { for (let j = 0; j < x.length; j++) x[j] += 0.1 * r.normal(); }
        return Tensor.from(gpu, x, [indices.length, ...s]);
      });
    },
  };
}
