/**
 * Data bench: how fast the CREMA-D reader serves samples from raw files (WAV decode, resample,
 * JPEG decode, resize) and from the prepared cache, and whether a training epoch waits on data.
 * It writes a synthetic CREMA-D folder of realistic sizes (2.5 s 16 kHz WAVs, 3 JPEG frames of
 * 480x360 per clip) to a temporary folder.
 *
 *   deno task bench:data [--clips 96] [--width 8] [--json FILE]
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "../pipelines/env.ts";
import { Rng } from "../kernels/init/init.ts";
import { Scope } from "../kernels/tensor.ts";
import { encodeWav16 } from "../pipelines/data/wav.ts";
import { encodeJpeg } from "../pipelines/data/jpeg.ts";
import { CREMA_LABELS, CREMA_SETTINGS, cremaSplits } from "../pipelines/data/cremad.ts";
import { DEFAULT_CONFIG, mergeConfig } from "../pipelines/train/config.ts";
import { train } from "../pipelines/train/trainer.ts";
import type { SplitData } from "../pipelines/data/split.ts";
import { command } from "../pipelines/command.ts";
import { provenance } from "./provenance.ts";

await command(import.meta.url);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clips: { type: "string", default: "96" },
    width: { type: "string", default: "8" },
    json: { type: "string" },
  },
});
const clips = Number(values.clips);
const root = await Deno.makeTempDir({ prefix: "mmboost-data-bench-" });
const rng = new Rng(1);
await Deno.mkdir(join(root, "AudioWAV"));
await Deno.mkdir(join(root, "annotations"));
const lines: string[] = [];
for (let i = 0; i < clips + 12; i++) {
  const name = `${1001 + i}_DFA_${CREMA_LABELS[i % 6]}_XX`;
  lines.push(`${name},${CREMA_LABELS[i % 6]}`);
  const wav = Float32Array.from(
    { length: 40000 },
    (_, t) => 0.3 * Math.sin(t * (0.05 + 0.01 * (i % 6))) + 0.05 * rng.normal(),
  );
  await Deno.writeFile(join(root, "AudioWAV", `${name}.wav`), encodeWav16(wav, 16000));
  const dir = join(root, "Image-01-FPS", name);
  await Deno.mkdir(dir, { recursive: true });
  for (let f = 0; f < 3; f++) {
    const data = Uint8Array.from(
      { length: 480 * 360 * 3 },
      (_, k) => ((k >> 6) + i * 17 + f * 5 + rng.int(20)) & 255,
    );
    await Deno.writeFile(join(dir, `0000${f}.jpg`), encodeJpeg({ width: 480, height: 360, data }));
  }
}
// 12 more clips are the test split (a name in both splits is an error: test leakage)
await Deno.writeTextFile(join(root, "annotations", "train.csv"), lines.slice(0, clips).join("\n"));
await Deno.writeTextFile(join(root, "annotations", "test.csv"), lines.slice(-12).join("\n"));

const gpu = await openGpu(envDevice(false));
const settings = { ...CREMA_SETTINGS, size: 112, shortSide: 128 };
console.log(
  `adapter: ${gpu.adapterName}; ${clips} clips, audio 3 s -> 257x188, 1 of 3 frames 480x360 -> ${settings.size} crops`,
);
let t0 = performance.now();
const { train: split, test } = await cremaSplits(gpu, { root, settings, log: () => {} });
const rawSecs = (performance.now() - t0) / 1000;
console.log(
  `from raw files (decode + resample + STFT + resize, cache written): ${
    (clips / rawSecs).toFixed(1)
  } samples/s`,
);

const order = Array.from({ length: clips }, (_, i) => i);
t0 = performance.now();
for (let i = 0; i < clips; i += 16) {
  using _ = new Scope(gpu);
  split.prefetch(order.slice(i + 16, i + 32));
  await split.inputs(gpu, order.slice(i, i + 16), true, rng);
  gpu.flush();
}
await gpu.sync();
const cacheSecs = (performance.now() - t0) / 1000;
console.log(
  `from the cache (read, augment on the GPU): ${(clips / cacheSecs).toFixed(1)} samples/s, ${
    (rawSecs / cacheSecs).toFixed(1)
  }x the raw path`,
);

// one training epoch: time spent waiting for batches vs the whole epoch
let waiting = 0;
const timed: SplitData = {
  ...split,
  async inputs(...a) {
    const s = performance.now();
    const r = await split.inputs(...a);
    waiting += performance.now() - s;
    return r;
  },
};
const config = mergeConfig(DEFAULT_CONFIG, {
  epochs: 1,
  batchSize: 16,
  model: { width: Number(values.width), hidden: 64 },
});
t0 = performance.now();
await train({
  gpu,
  config,
  train: timed,
  test,
  runDir: join(root, "run"),
  log: () => {},
  progress: false,
});
const epoch = performance.now() - t0;
console.log(
  `training epoch (width ${values.width}): ${(epoch / 1000).toFixed(1)} s, of which ${
    (waiting / 1000).toFixed(2)
  } s (${((100 * waiting) / epoch).toFixed(1)} %) building batches from the cache`,
);
await Deno.remove(root, { recursive: true });
if (values.json) {
  const out = {
    ...await provenance(gpu.adapterName, "bench:data"),
    clips,
    width: Number(values.width),
    rawPerSecond: clips / rawSecs,
    cachePerSecond: clips / cacheSecs,
    epochSeconds: epoch / 1000,
    waitingSeconds: waiting / 1000,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(out, null, 2) + "\n");
}
Deno.exit(0);
