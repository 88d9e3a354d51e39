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
import { basename, dirname, join } from "node:path";
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
import type { SplitData } from "./split.ts";
import { decodeWav } from "./wav.ts";
import { fixedLength } from "./audio.ts";
import { decodeJpeg, resizeShortSide } from "./jpeg.ts";
import { CacheReader, CacheWriter, type Skip } from "./cache.ts";
import { SourceHashes } from "./sources.ts";
import { sweepTemp, sweptLine, writeFileAtomic } from "../io/atomic.ts";
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
  /** Audio sample rate in Hz after resampling. */
  rate: number;
  /** Seconds of audio per sample (tiled when shorter, cut when longer). */
  seconds: number;
  /** STFT window length (n_fft). */
  nFft: number;
  /** STFT hop in samples. */
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
  /** The prepared cache the split reads. */
  cache: CacheReader;
  /** Samples left out, each with its reason. */
  skipped: string[];
  /** Starts reading these samples' bytes ahead of the batch that needs them. */
  prefetch(indices: number[]): void;
}

/** The settings that shape a cache. */
function settingsKey(s: AvSettings): string {
  return JSON.stringify([s.rate, s.seconds, s.nFft, s.hop, s.shortSide, s.minFrames ?? 0]);
}

/** A sample's part of the cache key: its name, label and every source file's content hash. */
function sampleKey(x: AvSample, wav: string, frames: string[] | null): string {
  return `${x.name}|${x.label}|${wav}|${frames === null ? "no frames" : frames.join(",")}`;
}

/** The cache key: the settings and the sources' contents, as a short SHA-256. */
async function digestKey(settings: AvSettings, parts: string[]): Promise<string> {
  const text = [settingsKey(settings), ...parts].join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).slice(0, 12), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** A sample's key part from the memo (files read only where the memo cannot vouch for them). */
async function currentKey(x: AvSample, hashes: SourceHashes): Promise<string> {
  const names = await listJpegs(x.frameDir).catch(() => null);
  const frames = names === null
    ? null
    : await Promise.all(names.map(async (n) => `${n}:${await hashes.hashOf(join(x.frameDir, n))}`));
  return sampleKey(x, await hashes.hashOf(x.wav), frames);
}

/**
 * The key a cache of `samples` must have now (settings and source contents; hashes from the
 * memo where it can vouch for a file, else read).
 */
export async function sourcesKey(
  samples: AvSample[],
  settings: AvSettings,
  hashes: SourceHashes,
): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < samples.length; i += 64) { // 64 samples' files stat'd (or read) at once
    parts.push(...await Promise.all(samples.slice(i, i + 64).map((x) => currentKey(x, hashes))));
  }
  return await digestKey(settings, parts);
}

/** A decoded sample, or why it cannot be used; `key` is its key part from the bytes read. */
type Decoded =
  | { audio: Float32Array; frames: RgbImage[]; key: string }
  | { skip: Omit<Skip, "name">; key: string };

/** Decode one sample's audio and frames, hashing every file from the bytes read. */
async function decodeSample(x: AvSample, s: AvSettings, hashes: SourceHashes): Promise<Decoded> {
  const wavFile = await hashes.readFile(x.wav);
  const names = await listJpegs(x.frameDir).catch(() => null);
  const frameFiles = await Promise.all(
    (names ?? []).map((n) => hashes.readFile(join(x.frameDir, n))),
  );
  const key = sampleKey(
    x,
    wavFile?.hash ?? "missing",
    names === null ? null : names.map((n, j) => `${n}:${frameFiles[j]?.hash ?? "missing"}`),
  );
  const skip = (reason: string, detail: string): Decoded => ({ skip: { reason, detail }, key });
  if (!wavFile) return skip("audio missing", `${x.wav}: missing`);
  let audio: Float32Array;
  try {
    audio = fixedLength(decodeWav(wavFile.bytes, x.wav), s.rate, s.seconds, x.wav);
  } catch (e) {
    return skip("audio unreadable", (e as Error).message);
  }
  if (names === null) return skip("frame folder missing", `${x.frameDir}: frame folder missing`);
  if (names.length === 0) return skip("no frames", `${x.frameDir}: no JPEG frames`);
  if (s.minFrames && names.length < s.minFrames) {
    return skip(
      `fewer than ${s.minFrames} frames`,
      `${x.frameDir}: ${names.length} frames, fewer than ${s.minFrames}`,
    );
  }
  const frames: RgbImage[] = [];
  for (const [j, n] of names.entries()) {
    const path = join(x.frameDir, n), file = frameFiles[j];
    if (!file) return skip("frame unreadable", `${path}: cannot be read`);
    try {
      frames.push(resizeShortSide(decodeJpeg(file.bytes, path), s.shortSide));
    } catch (e) {
      return skip("frame unreadable", (e as Error).message);
    }
  }
  return { audio, frames, key };
}

/** "2 audio unreadable, 1 frame folder missing" */
function countReasons(skipped: Skip[]): string {
  const counts = new Map<string, number>();
  for (const x of skipped) counts.set(x.reason, (counts.get(x.reason) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`).join(", ");
}

/** Every skipped sample with its reason, one a line, for the text file beside the cache. */
function skippedText(skipped: Skip[]): string {
  return skipped.map((x) => `${x.name}\t${x.reason}\t${x.detail}\n`).join("");
}

/** Decode every sample into a new cache at `cachePath`; returns it opened. */
async function buildCache(
  gpu: Gpu,
  samples: AvSample[],
  settings: AvSettings,
  cachePath: string,
  hashes: SourceHashes,
): Promise<CacheReader> {
  const writer = await CacheWriter.create(cachePath);
  const skipped: Skip[] = [], parts: string[] = [];
  const L = Math.round(settings.rate * settings.seconds);
  const specShape = [settings.nFft / 2 + 1, stftFrames(L, settings.hop)];
  try {
    for (let i = 0; i < samples.length; i += 32) {
      const chunk = samples.slice(i, i + 32);
      const decoded = await Promise.all(chunk.map((x) => decodeSample(x, settings, hashes)));
      const ok: { x: AvSample; audio: Float32Array; frames: RgbImage[] }[] = [];
      decoded.forEach((d, j) => {
        parts.push(d.key);
        if ("skip" in d) skipped.push({ name: chunk[j].name, ...d.skip });
        else ok.push({ x: chunk[j], audio: d.audio, frames: d.frames });
      });
      if (ok.length === 0) continue;
      const clips = new Float32Array(ok.length * L);
      ok.forEach((d, j) => clips.set(d.audio, j * L));
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
          ok[j].frames,
        );
      }
    }
    if (skipped.length === samples.length) {
      throw new Error(`no usable samples (${countReasons(skipped)}; first: ${skipped[0].detail})`);
    }
    await writer.finish(await digestKey(settings, parts), specShape, skipped);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writeFileAtomic(`${cachePath}.skipped.txt`, new TextEncoder().encode(skippedText(skipped)));
  await hashes.save();
  const cache = await CacheReader.open(cachePath);
  if (typeof cache === "string") throw new Error(`${cachePath}: just written, yet ${cache}`);
  return cache;
}

/**
 * Serve the split from the cache at `cachePath`, building it first unless a current one is
 * there: one whose key matches the settings and the sources' contents now. The temporary file
 * of a killed build is swept first. Skipped samples are counted by reason in the log and
 * listed one a line in `<cache>.skipped.txt`.
 */
export async function openAvSplit(
  gpu: Gpu,
  name: string,
  samples: AvSample[],
  classes: number,
  settings: AvSettings,
  cachePath: string,
  log: (line: string) => void = (l) => console.error(l),
): Promise<AvSplit> {
  const swept = sweptLine(await sweepTemp(dirname(cachePath), basename(cachePath)), name);
  if (swept) log(swept);
  const hashes = await SourceHashes.open(`${cachePath}.sources.json`);
  let cache: CacheReader | string = await CacheReader.open(cachePath);
  let why = typeof cache === "string" ? cache : "";
  if (typeof cache !== "string") {
    const t0 = performance.now();
    const key = await sourcesKey(samples, settings, hashes);
    if (hashes.read.files > 0) {
      log(
        `${name}: hashed ${hashes.read.files} changed source files (${
          (hashes.read.bytes / 2 ** 20).toFixed(1)
        } MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      await hashes.save();
    }
    if (cache.index.key !== key) {
      cache.close();
      why = "the sources or settings changed";
      cache = why;
    }
  }
  if (typeof cache === "string") {
    log(
      `${name}: preparing ${samples.length} samples into ${cachePath}${
        why === "missing" ? "" : ` (${why})`
      }`,
    );
    const t0 = performance.now();
    cache = await buildCache(gpu, samples, settings, cachePath, hashes).catch((e) => {
      throw new Error(`${name}: ${(e as Error).message}`);
    });
    log(
      `${name}: prepared ${cache.size} samples in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
    );
  }
  const skipped = cache.index.skipped;
  if (skipped.length) {
    log(
      `${name}: skipped ${skipped.length} of ${skipped.length + cache.size} samples: ${
        countReasons(skipped)
      } (first: ${skipped[0].detail}); all listed in ${cachePath}.skipped.txt`,
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
    skipped: cache.index.skipped.map((x) => `${x.name}: ${x.detail}`),
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
