/**
 * CREMA-D (6 emotions; audio + face video). Reads the prepared layout the reference trains on:
 * AudioWAV/<name>.wav, Image-01-FPS/<name>/*.jpg, annotations/{train,test}.csv ("name,LABEL",
 * BOM tolerated); without annotations/ the standard OGM-GE split shipped in
 * pipelines/data/splits/cremad is used. Class indices: NEU 0, HAP 1, SAD 2, FEA 3, DIS 4, ANG 5.
 * `prepareCrema` builds Image-01-FPS from VideoFlash/*.flv with ffmpeg (1 frame per second,
 * 00000.jpg first).
 */
import { join } from "node:path";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import {
  type AvSample,
  type AvSettings,
  type AvSplit,
  checkFound,
  openAvSplit,
} from "./av_split.ts";
import { exists } from "../io/files.ts";
import { ffmpeg } from "../io/ffmpeg.ts";
import { checkSplits, readSplitFile, type SplitLine } from "./split_files.ts";

/** CREMA-D's six emotion labels, in class order. */
export const CREMA_LABELS = ["NEU", "HAP", "SAD", "FEA", "DIS", "ANG"];

/** The reference's CREMA-D features (3 s audio as earlier papers; the reference uses 20 s). */
export const CREMA_SETTINGS: AvSettings = {
  rate: 22050,
  seconds: 3,
  nFft: 512,
  hop: 353,
  shortSide: 256,
  frames: 1,
  size: 224,
};

const SHIPPED = new URL("./splits/cremad/", import.meta.url).pathname;

/** Options of `cremaSplits`. */
export interface CremaOptions {
  /** The dataset folder (layout: README, Data). */
  root: string;
  /** Feature settings over CREMA-D's defaults (sample rate, STFT, frames, sizes). */
  settings?: Partial<AvSettings>;
  /** Folder with train.csv and test.csv (default root/annotations, else the shipped split). */
  annotations?: string;
  /** Where the prepared caches go (default root/.mmboost-cache). */
  cacheDir?: string;
  /** Where progress and warnings go (default: the console). */
  log?: (line: string) => void;
}

/** The samples of split lines, with labels checked against the six emotions. */
function cremaSamples(root: string, csv: string, lines: SplitLine[]): AvSample[] {
  return lines.map((l) => {
    const label = CREMA_LABELS.indexOf(l.label);
    if (label < 0) {
      throw new Error(
        `${csv}:${l.line}: unknown label "${l.label}" (expected ${CREMA_LABELS.join(" ")})`,
      );
    }
    return {
      name: l.name,
      label,
      wav: join(root, "AudioWAV", `${l.name}.wav`),
      frameDir: join(root, "Image-01-FPS", l.name),
    };
  });
}

/**
 * The samples of both split files (both read and checked before anything is prepared: see
 * `checkSplits`), and whether they come from the shipped standard split.
 */
export async function cremaSampleLists(
  root: string,
  annotations?: string,
  log: (line: string) => void = (l) => console.error(l),
): Promise<{ train: AvSample[]; test: AvSample[]; files: string[]; shipped: boolean }> {
  const ann = annotations ??
    (await exists(join(root, "annotations", "train.csv")) ? join(root, "annotations") : SHIPPED);
  const files = [join(ann, "train.csv"), join(ann, "test.csv")];
  const [train, test] = [await readSplitFile(files[0]), await readSplitFile(files[1])];
  const checked = checkSplits(
    { path: files[0], lines: train },
    { path: files[1], lines: test },
    log,
  );
  return {
    train: cremaSamples(root, files[0], checked.train),
    test: cremaSamples(root, files[1], checked.test),
    files,
    shipped: ann === SHIPPED,
  };
}

/** Train and test splits of a CREMA-D folder, prepared into caches on first use. */
export async function cremaSplits(
  gpu: Gpu,
  o: CremaOptions,
): Promise<{ train: AvSplit; test: AvSplit }> {
  const settings = { ...CREMA_SETTINGS, ...o.settings };
  const lists = await cremaSampleLists(o.root, o.annotations, o.log);
  const given = lists.shipped
    ? `${o.root} has no annotations/train.csv, so the standard split is used`
    : "";
  for (const [i, samples] of [lists.train, lists.test].entries()) {
    await checkFound(samples, lists.files[i], join(o.root, "AudioWAV"), given);
  }
  const cacheDir = o.cacheDir ?? join(o.root, ".mmboost-cache");
  const open = (split: "train" | "test", samples: AvSample[]) =>
    openAvSplit(
      gpu,
      `crema-d/${split}`,
      samples,
      CREMA_LABELS.length,
      settings,
      join(cacheDir, `crema-${split}.mmbc`),
      o.log,
    );
  return { train: await open("train", lists.train), test: await open("test", lists.test) };
}

/** What `prepareCrema` did. */
export interface PrepareReport {
  /** Videos found in VideoFlash/. */
  videos: number;
  /** Frame folders extracted now. */
  made: number;
  /** Frame folders already present and kept. */
  kept: number;
  /** Videos ffmpeg could not decode, each with its error. */
  failed: string[];
}

/**
 * Build Image-01-FPS/<name>/%05d.jpg from VideoFlash/<name>.flv at `fps` frames per second.
 * Clips that already have frames are left alone. Returns counts; failures name the video.
 */
export async function prepareCrema(
  root: string,
  o: { fps?: number; log?: (l: string) => void } = {},
): Promise<PrepareReport> {
  const log = o.log ?? ((l: string) => console.error(l));
  const videos: string[] = [];
  try {
    for await (const e of Deno.readDir(join(root, "VideoFlash"))) {
      if (e.isFile && e.name.endsWith(".flv")) videos.push(e.name);
    }
  } catch {
    throw new Error(
      `${join(root, "VideoFlash")}: folder not found (the CREMA-D release has VideoFlash/*.flv)`,
    );
  }
  videos.sort();
  let made = 0, kept = 0;
  const failed: string[] = [];
  for (const v of videos) {
    const name = v.replace(/\.flv$/, ""), dir = join(root, "Image-01-FPS", name);
    if (await exists(join(dir, "00000.jpg"))) {
      kept++;
      continue;
    }
    await Deno.mkdir(dir, { recursive: true });
    try {
      await ffmpeg([
        "-i",
        join(root, "VideoFlash", v),
        "-vf",
        `fps=${o.fps ?? 1}`,
        "-q:v",
        "2",
        "-start_number",
        "0",
        join(dir, "%05d.jpg"),
      ]);
      made++;
    } catch (e) {
      failed.push((e as Error).message);
    }
  }
  log(
    `prepare: ${videos.length} videos, frames extracted for ${made}, ${kept} already had frames, ${failed.length} failed`,
  );
  if (failed.length) log(`first failure: ${failed[0]}`);
  return { videos: videos.length, made, kept, failed };
}
