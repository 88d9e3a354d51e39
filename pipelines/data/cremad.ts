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
import { type AvSample, type AvSettings, type AvSplit, openAvSplit } from "./av_split.ts";
import { exists } from "../io/files.ts";
import { readSplitFile } from "./split_files.ts";

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
  root: string;
  settings?: Partial<AvSettings>;
  /** Folder with train.csv and test.csv (default root/annotations, else the shipped split). */
  annotations?: string;
  /** Where the prepared caches go (default root/.mmboost-cache). */
  cacheDir?: string;
  log?: (line: string) => void;
}

/** The samples a split file lists, with labels checked against the six emotions. */
export async function cremaSamples(root: string, csv: string): Promise<AvSample[]> {
  return (await readSplitFile(csv)).map((l) => {
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

/** Train and test splits of a CREMA-D folder, prepared into caches on first use. */
export async function cremaSplits(
  gpu: Gpu,
  o: CremaOptions,
): Promise<{ train: AvSplit; test: AvSplit }> {
  const settings = { ...CREMA_SETTINGS, ...o.settings };
  const ann = o.annotations ??
    (await exists(join(o.root, "annotations", "train.csv"))
      ? join(o.root, "annotations")
      : SHIPPED);
  const cacheDir = o.cacheDir ?? join(o.root, ".mmboost-cache");
  const open = async (split: "train" | "test") =>
    openAvSplit(
      gpu,
      `crema-d/${split}`,
      await cremaSamples(o.root, join(ann, `${split}.csv`)),
      CREMA_LABELS.length,
      settings,
      join(cacheDir, `crema-${split}.mmbc`),
      o.log,
    );
  return { train: await open("train"), test: await open("test") };
}

/** Run ffmpeg; a clear error when it is not installed. */
export async function ffmpeg(args: string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("ffmpeg", {
      args: ["-hide_banner", "-loglevel", "error", "-y", ...args],
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch {
    throw new Error("ffmpeg not found: install it (Debian: apt-get install ffmpeg)");
  }
  if (!out.success) {
    throw new Error(
      `ffmpeg ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim().split("\n").pop()}`,
    );
  }
}

/** What `prepareCrema` did. */
export interface PrepareReport {
  videos: number;
  made: number;
  kept: number;
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
