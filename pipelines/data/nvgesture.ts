/**
 * NVGesture (25 hand gestures; RGB, depth, optical flow).
 *
 * Split files nvgesture_{train,test}_correct_v2.lst (in the dataset root or annotations/),
 * one sample a line: `path:./Video_data/class_01/subject13_r0 depth:sk_depth:<start>:<end>
 * color:sk_color:<start>:<end> ... label:<1..25>`; videos Video_data/.../{sk_color,sk_depth}.avi.
 *
 * `prepareNvGesture` (once): frames start..end-1 of both videos are decoded with ffmpeg,
 * resized to 256x256 and stored as JPEGs under prepared/<path>/{color,depth}/; optical flow
 * between consecutive colour frames is computed with Horn-Schunck (pipelines/data/flow.ts) at
 * 128x128 and stored as 8-bit x/y images under flow_x/, flow_y/ (clipped to [-20, 20] pixels
 * at that scale). A "done" file marks a finished sample, so an interrupted prepare resumes.
 * Samples are prepared in parallel worker threads (pipelines/data/nvgesture_prepare.ts).
 *
 * Batches (modalities rgb 3 ch, flow 2 ch, depth 1 ch; frames folded into the batch):
 * training takes 64 consecutive frames from a random start in [0, 16], zero-padded past the
 * end, and ONE random 224 crop shared by all frames and modalities, no flip; testing takes the
 * frames from the start, zero-padded or cut to `testFrames` (80; the reference uses all frames of
 * each clip), centre crop. RGB: ImageNet normalisation; depth: first channel / 255; flow:
 * (q / 255) * 2 - 1.
 */
import { join } from "node:path";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import type { Rng } from "../../kernels/init/init.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import { type CropBox, resizedCrops, type RgbImage } from "../../kernels/image/image.ts";
import type { SplitData } from "./split.ts";
import { JpegPool } from "./jpeg_pool.ts";
import { runInWorkers } from "./workers.ts";
import { FLOW, PREPARED } from "./nvgesture_prepare.ts";
import { type NvSample, readLists } from "./nvgesture_lists.ts";
import { Progress } from "../io/progress.ts";
import { exists, listJpegs } from "../io/files.ts";
import { checkRanges } from "../io/ranges.ts";

/** Settings of the NVGesture batches. */
export interface NvSettings {
  /** Frames per training clip (64). */
  frames: number;
  /** Frames per test clip, from the start, zero-padded (80). */
  testFrames: number;
  /** Training clips start at a random frame in [0, maxStart] (16). */
  maxStart: number;
  /** Crop size in pixels (224). */
  size: number;
}

export const NV_SETTINGS: NvSettings = { frames: 64, testFrames: 80, maxStart: 16, size: 224 };

/** Range checks of the settings (keys named "data.<key>" in errors). */
export function checkNvSettings(s: NvSettings, source: string): void {
  checkRanges(
    s,
    {
      frames: { int: true, min: 1 },
      testFrames: { int: true, min: 1 },
      maxStart: { int: true, min: 0 },
      size: { int: true, min: 1, max: PREPARED }, // crops of the prepared 256 x 256 frames
    },
    source,
    "data.",
  );
}
/** Batch frames are decoded in parallel (about 256 JPEGs per sample). */
const decoders = new JpegPool();

/** Prepare every sample of both splits (frames and flow) in worker threads; returns counts. */
export async function prepareNvGesture(
  root: string,
  o: { log?: (l: string) => void; workers?: number } = {},
): Promise<{ prepared: number; kept: number }> {
  const log = o.log ?? ((l: string) => console.error(l));
  const lists = await readLists(root, log);
  const samples = [...lists.train, ...lists.test];
  const todo: NvSample[] = [];
  for (const s of samples) {
    if (!(await exists(join(root, "prepared", s.path, "done")))) todo.push(s);
  }
  const kept = samples.length - todo.length;
  const progress = new Progress("nvgesture prepare", todo.length);
  const size = o.workers ?? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 2));
  const url = new URL("./nvgesture_prepare_worker.ts", import.meta.url);
  await runInWorkers(url, todo.map((sample) => ({ root, sample })), size, () => progress.tick(1));
  log(
    `nvgesture prepare: ${samples.length} samples, ${todo.length} prepared, ${kept} already done`,
  );
  return { prepared: todo.length, kept };
}

/** Train and test splits of a prepared NVGesture folder. */
export async function nvGestureSplits(
  root: string,
  settings: Partial<NvSettings> = {},
  log: (line: string) => void = (l) => console.error(l),
): Promise<{ train: SplitData; test: SplitData }> {
  const s = { ...NV_SETTINGS, ...settings };
  const lists = await readLists(root, log);
  const open = async (split: "train" | "test"): Promise<SplitData> => {
    const samples = lists[split];
    const frames: { color: string[]; depth: string[]; flow: string[] }[] = [];
    for (const x of samples) {
      const dir = join(root, "prepared", x.path);
      if (!(await exists(join(dir, "done")))) {
        throw new Error(`${dir}: not prepared (run the NVGesture prepare step first)`);
      }
      frames.push({
        color: await listJpegs(join(dir, "color")),
        depth: await listJpegs(join(dir, "depth")),
        flow: await listJpegs(join(dir, "flow_x")),
      });
    }
    return nvSplit(`nvgesture/${split}`, root, samples, frames, s);
  };
  return { train: await open("train"), test: await open("test") };
}

function nvSplit(
  name: string,
  root: string,
  samples: NvSample[],
  frames: { color: string[]; depth: string[]; flow: string[] }[],
  s: NvSettings,
): SplitData {
  return {
    name,
    modalities: [{ name: "rgb", inChannels: 3, frames: s.frames }, {
      name: "flow",
      inChannels: 2,
      frames: s.frames,
    }, { name: "depth", inChannels: 1, frames: s.frames }],
    classes: 25,
    labels: Int32Array.from(samples, (x) => x.label),
    sampleShapes: [[s.testFrames, 3, s.size, s.size], [s.testFrames, 2, s.size, s.size], [
      s.testFrames,
      1,
      s.size,
      s.size,
    ]],
    // training batches hold s.frames frames per sample, test batches s.testFrames
    async inputs(gpu: Gpu, indices: number[], training: boolean, rng: Rng): Promise<Tensor[]> {
      const T = training ? s.frames : s.testFrames;
      // which files, where to crop (drawn in sample order, as before the parallel decode)
      const paths: Record<"color" | "depth" | "flowX" | "flowY", string[]> = {
        color: [],
        depth: [],
        flowX: [],
        flowY: [],
      };
      const boxes: CropBox[] = [], flowBoxes: CropBox[] = [], pads: number[] = [];
      for (const [b, i] of indices.entries()) {
        const dir = join(root, "prepared", samples[i].path), f = frames[i];
        const start = training ? rng.int(s.maxStart + 1) : 0;
        const top = training ? rng.int(PREPARED - s.size + 1) : (PREPARED - s.size) >> 1;
        const left = training ? rng.int(PREPARED - s.size + 1) : (PREPARED - s.size) >> 1;
        const k = FLOW / PREPARED;
        for (let t = 0; t < T; t++) {
          const at = Math.min(start + t, f.color.length - 1);
          if (start + t >= f.color.length) pads.push(b * T + t); // zero-padded past the end
          paths.color.push(join(dir, "color", f.color[at]));
          paths.depth.push(join(dir, "depth", f.depth[Math.min(at, f.depth.length - 1)]));
          const fi = f.flow[Math.min(at, f.flow.length - 1)];
          paths.flowX.push(join(dir, "flow_x", fi));
          paths.flowY.push(join(dir, "flow_y", fi));
          boxes.push({ top, left, height: s.size, width: s.size, flip: false });
          flowBoxes.push({
            top: Math.round(top * k),
            left: Math.round(left * k),
            height: Math.round(s.size * k),
            width: Math.round(s.size * k),
            flip: false,
          });
        }
      }
      const n = paths.color.length;
      const all = await decoders.decode([
        ...paths.color,
        ...paths.depth,
        ...paths.flowX,
        ...paths.flowY,
      ]);
      const rgb = all.slice(0, n), depth = all.slice(n, 2 * n);
      const flow: RgbImage[] = all.slice(2 * n, 3 * n).map((fx, j) => {
        const fy = all[3 * n + j], xy = new Uint8Array(fx.data.length);
        for (let p = 0; p < FLOW * FLOW; p++) {
          [xy[3 * p], xy[3 * p + 1]] = [fx.data[3 * p], fy.data[3 * p]];
        }
        return { width: FLOW, height: FLOW, data: xy };
      });
      const out = [
        resizedCrops(gpu, rgb, boxes, { height: s.size, width: s.size }),
        resizedCrops(gpu, flow, flowBoxes, {
          height: s.size,
          width: s.size,
          mean: [0.5, 0.5],
          std: [0.5, 0.5],
          channels: 2,
        }),
        resizedCrops(gpu, depth, boxes, {
          height: s.size,
          width: s.size,
          mean: [0],
          std: [1],
          channels: 1,
        }),
      ];
      const enc = gpu.encoder();
      for (const t of out) {
        const frame = t.byteSize / (indices.length * T);
        for (const p of pads) enc.clearBuffer(t.buffer, t.offset + p * frame, frame);
      }
      return out.map((t, m) => t.view([indices.length, T, [3, 2, 1][m], s.size, s.size]));
    },
  };
}
