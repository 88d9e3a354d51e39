/**
 * An audio + frames split (CREMA-D, Kinetics-Sounds, AV-Digits) served from the prepared
 * cache. The first use decodes every sample (WAV -> fixed-length audio -> log-STFT on the GPU
 * -> float16; every JPEG frame -> 8-bit RGB, shorter side resized to `shortSide`) into one
 * cache file; later uses read it directly. A sample whose files are missing or corrupt is
 * skipped with a counted warning naming the file; an empty result is an error.
 *
 * Batches: spectrograms [B, 1, 257, F]; `frames` frames per sample, [B, T, 3, size, size]:
 * training draws distinct frames at random (seeded) with an independent RandomResizedCrop and
 * flip per frame, testing takes evenly spaced frames resized whole. (The reference code draws
 * frames at random at test time too; here testing is deterministic.)
 */
import { join } from "node:path";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import type { Rng } from "../../kernels/init/init.ts";
import { Tensor } from "../../kernels/tensor.ts";
import { logStft, stftFrames } from "../../kernels/stft/stft.ts";
import {
  type CropBox,
  fullBox,
  randomResizedCropBox,
  resizedCrops,
  type RgbImage,
} from "../../kernels/image/image.ts";
import type { SplitData } from "../train/dataset.ts";
import { decodeWav } from "./wav.ts";
import { fixedLength } from "./audio.ts";
import { decodeJpeg, resizeShortSide } from "./jpeg.ts";
import { CacheReader, CacheWriter } from "./cache.ts";
import { listJpegs } from "../io/files.ts";
import { checkRanges, type Range } from "../io/ranges.ts";

/** Where one sample's files are. */
export interface AvSample {
  name: string;
  label: number;
  wav: string;
  frameDir: string;
}

/** Feature settings (the ones that shape the cache are in its key). */
export interface AvSettings {
  rate: number;
  seconds: number;
  nFft: number;
  hop: number;
  /** Shorter side of cached frames (0: keep the decoded size). */
  shortSide: number;
  /** Frames per sample in a batch. */
  frames: number;
  /** Side of the square crops fed to the encoder. */
  size: number;
  /** Samples with fewer frames are skipped (Kinetics-Sounds keeps those with more than 3). */
  minFrames?: number;
}

/** The allowed range of each setting. */
export const AV_RANGES: Record<string, Range> = {
  rate: { int: true, min: 1 },
  seconds: { above: 0 },
  nFft: { pow2: true, min: 2 },
  hop: { int: true, min: 1 },
  shortSide: { int: true, min: 0 },
  frames: { int: true, min: 1 },
  size: { int: true, min: 1 },
  minFrames: { int: true, min: 0 },
};

/** Range checks of `s` (keys named "data.<key>" in errors), and that clips are long enough. */
export function checkAvSettings(s: AvSettings, source: string): void {
  checkRanges(s, AV_RANGES, source, "data.");
  const L = Math.round(s.rate * s.seconds);
  if (L <= s.nFft / 2) {
    throw new Error(
      `${source}: "data.rate" x "data.seconds" gives clips of ${L} samples, too short for ` +
        `"data.nFft" ${s.nFft} (more than ${s.nFft / 2} needed)`,
    );
  }
}

/**
 * Stop before preparing when a split's audio is (almost) all absent: fewer than a tenth of the
 * listed WAVs exist in `folder`. That is a wrong --data folder or split file, not a dataset
 * with a few clips missing (those are skipped and counted). `why` says where the list came
 * from when the user did not give it (the shipped standard split).
 */
export async function checkFound(
  samples: AvSample[],
  listFile: string,
  folder: string,
  why = "",
): Promise<void> {
  let found = 0;
  for (const x of samples) if (await Deno.stat(x.wav).then((i) => i.isFile, () => false)) found++;
  if (samples.length === 0 || found >= samples.length / 10) return;
  throw new Error(
    `${folder}: only ${found} of the ${samples.length} clips listed in ${listFile} are there` +
      (why ? ` (${why}; list your clips in annotations/train.csv and test.csv)` : "") +
      "; is --data the dataset's folder?",
  );
}

/** A split plus what happened while preparing it. */
export interface AvSplit extends SplitData {
  cache: CacheReader;
  /** Samples left out, each with its reason. */
  skipped: string[];
  prefetch(indices: number[]): void;
}

async function cacheKey(samples: AvSample[], s: AvSettings): Promise<string> {
  const parts: string[] = [
    JSON.stringify([s.rate, s.seconds, s.nFft, s.hop, s.shortSide, s.minFrames ?? 0]),
  ];
  for (const x of samples) {
    const st = await Deno.stat(x.wav).catch(() => null);
    const frames = await listJpegs(x.frameDir).catch(() => []);
    parts.push(`${x.name}|${x.label}|${st?.size}|${st?.mtime?.getTime()}|${frames.join(",")}`);
  }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\n")));
  return Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Decode one sample's audio and frames, or say why it cannot be used. */
async function decodeSample(
  x: AvSample,
  s: AvSettings,
): Promise<{ audio: Float32Array; frames: RgbImage[] } | string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(x.wav);
  } catch {
    return `${x.wav}: missing`;
  }
  let audio: Float32Array;
  try {
    audio = fixedLength(decodeWav(bytes, x.wav), s.rate, s.seconds, x.wav);
  } catch (e) {
    return (e as Error).message;
  }
  let names: string[];
  try {
    names = await listJpegs(x.frameDir);
  } catch {
    return `${x.frameDir}: frame folder missing`;
  }
  if (names.length === 0) return `${x.frameDir}: no JPEG frames`;
  if (s.minFrames && names.length < s.minFrames) {
    return `${x.frameDir}: ${names.length} frames, fewer than ${s.minFrames}`;
  }
  const frames: RgbImage[] = [];
  for (const n of names) {
    const path = join(x.frameDir, n);
    try {
      frames.push(resizeShortSide(decodeJpeg(await Deno.readFile(path), path), s.shortSide));
    } catch (e) {
      return (e as Error).message;
    }
  }
  return { audio, frames };
}

/** Build the cache at `cachePath` (unless a current one is there) and serve the split. */
export async function openAvSplit(
  gpu: Gpu,
  name: string,
  samples: AvSample[],
  classes: number,
  settings: AvSettings,
  cachePath: string,
  log: (line: string) => void = (l) => console.error(l),
): Promise<AvSplit> {
  const key = await cacheKey(samples, settings);
  let cache = await CacheReader.open(cachePath);
  if (!cache || cache.index.key !== key) {
    cache?.close();
    log(`${name}: preparing ${samples.length} samples into ${cachePath}`);
    const t0 = performance.now();
    const writer = await CacheWriter.create(cachePath);
    const skipped: string[] = [];
    const L = Math.round(settings.rate * settings.seconds);
    const specShape = [settings.nFft / 2 + 1, stftFrames(L, settings.hop)];
    try {
      for (let i = 0; i < samples.length; i += 32) {
        const chunk = samples.slice(i, i + 32);
        const decoded = await Promise.all(chunk.map((x) => decodeSample(x, settings)));
        const ok = chunk.map((x, j) => ({ x, d: decoded[j] })).filter(({ x, d }) => {
          if (typeof d === "string") skipped.push(`${x.name}: ${d}`);
          return typeof d !== "string";
        }) as { x: AvSample; d: { audio: Float32Array; frames: RgbImage[] } }[];
        if (ok.length === 0) continue;
        const clips = new Float32Array(ok.length * L);
        ok.forEach(({ d }, j) => clips.set(d.audio, j * L));
        const x = Tensor.from(gpu, clips, [ok.length, L]);
        const spec = logStft(x, settings.nFft, settings.hop);
        const all = await spec.read();
        x.dispose();
        spec.dispose();
        const per = specShape[0] * specShape[1];
        for (let j = 0; j < ok.length; j++) {
          await writer.add(
            ok[j].x.name,
            ok[j].x.label,
            all.subarray(j * per, (j + 1) * per),
            ok[j].d.frames,
          );
        }
      }
      await writer.finish(key, specShape, skipped);
    } catch (e) {
      await writer.abort();
      throw e;
    }
    cache = (await CacheReader.open(cachePath))!;
    log(
      `${name}: prepared ${cache.size} samples in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
    );
  }
  const skipped = cache.index.skipped;
  if (skipped.length) {
    log(
      `${name}: skipped ${skipped.length} of ${skipped.length + cache.size} samples (first: ${
        skipped[0]
      })`,
    );
  }
  if (cache.size === 0) {
    throw new Error(
      `${name}: no usable samples (${skipped.length} skipped; first: ${
        skipped[0] ?? "none listed"
      })`,
    );
  }
  return avSplitFromCache(name, cache, classes, settings);
}

function pickFrames(n: number, T: number, training: boolean, rng: Rng): number[] {
  if (!training) {
    return Array.from({ length: T }, (_, j) => Math.min(n - 1, Math.floor(((j + 0.5) * n) / T)));
  }
  if (n < T) return Array.from({ length: T }, () => rng.int(n)).sort((a, b) => a - b);
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let j = 0; j < T; j++) {
    const k = j + rng.int(n - j);
    [pool[j], pool[k]] = [pool[k], pool[j]];
  }
  return pool.slice(0, T).sort((a, b) => a - b);
}

function avSplitFromCache(
  name: string,
  cache: CacheReader,
  classes: number,
  s: AvSettings,
): AvSplit {
  const [bins, F] = cache.index.specShape;
  const ahead = new Map<number, Promise<Float32Array>>();
  const specOf = (i: number) => {
    const p = ahead.get(i) ?? cache.spec(i);
    ahead.delete(i);
    return p;
  };
  return {
    name,
    cache,
    skipped: cache.index.skipped,
    modalities: [{ name: "audio", inChannels: 1, frames: 1 }, {
      name: "visual",
      inChannels: 3,
      frames: s.frames,
    }],
    classes,
    labels: Int32Array.from(cache.index.labels),
    sampleShapes: [[1, bins, F], [s.frames, 3, s.size, s.size]],
    prefetch(indices: number[]) {
      for (const i of indices) if (!ahead.has(i)) ahead.set(i, cache.spec(i));
    },
    async inputs(gpu: Gpu, indices: number[], training: boolean, rng: Rng): Promise<Tensor[]> {
      const specs = await Promise.all(indices.map(specOf));
      const spec = new Float32Array(indices.length * bins * F);
      specs.forEach((x, b) => spec.set(x, b * bins * F));
      const images: RgbImage[] = [], boxes: CropBox[] = [];
      for (const i of indices) {
        for (const j of pickFrames(cache.frameCount(i), s.frames, training, rng)) {
          const img = await cache.frame(i, j);
          images.push(img);
          boxes.push(
            training
              ? { ...randomResizedCropBox(rng, img.height, img.width), flip: rng.uniform() < 0.5 }
              : fullBox(img),
          );
        }
      }
      return [
        Tensor.from(gpu, spec, [indices.length, 1, bins, F]),
        resizedCrops(gpu, images, boxes, { height: s.size, width: s.size }).view([
          indices.length,
          s.frames,
          3,
          s.size,
          s.size,
        ]),
      ];
    },
  };
}
