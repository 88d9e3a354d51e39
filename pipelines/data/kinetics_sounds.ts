/**
 * Kinetics-Sounds (31 classes). Layout: annotations/{train,test}.csv ("youtube_id,label" with
 * class names; class index by first appearance in train.csv) or OGM-GE's lists
 * annotations/my_{train,test}.txt ("<id>,10,<index>", shipped in pipelines/data/splits);
 * train_img/Image-01-FPS/<id>/*.jpg, test_img/..., train_wav/<id>.wav, test_wav/<id>.wav.
 * As the reference, a sample is kept only if both modalities exist and it has more than 3
 * frames; the others are counted in the skipped list.
 */
import { join } from "node:path";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { type AvSample, type AvSettings, type AvSplit, openAvSplit } from "./av_split.ts";
import { exists } from "../io/files.ts";
import { readSplitFile, type SplitLine } from "./split_files.ts";

/** The reference's Kinetics-Sounds features: 35.4 kHz, 10 s (257 x 1003), 3 frames. */
export const KS_SETTINGS: AvSettings = {
  rate: 35400,
  seconds: 10,
  nFft: 512,
  hop: 353,
  shortSide: 256,
  frames: 3,
  size: 224,
  minFrames: 4,
};

const SHIPPED = new URL("./splits/kinetics_sounds/", import.meta.url).pathname;

/** Options of `kineticsSoundsSplits`. */
export interface KsOptions {
  root: string;
  settings?: Partial<AvSettings>;
  cacheDir?: string;
  log?: (line: string) => void;
}

/** Split lines and the class names (by first appearance in train; list form: indices). */
async function splitLines(
  root: string,
): Promise<{ train: SplitLine[]; test: SplitLine[]; classes: string[]; source: string }> {
  const ann = join(root, "annotations");
  for (const [tr, te] of [["train.csv", "test.csv"], ["my_train.txt", "my_test.txt"]]) {
    if (await exists(join(ann, tr))) {
      return await load(join(ann, tr), join(ann, te));
    }
  }
  return await load(join(SHIPPED, "my_train.txt"), join(SHIPPED, "my_test.txt"));
}

async function load(trainPath: string, testPath: string) {
  const train = await readSplitFile(trainPath), test = await readSplitFile(testPath);
  const listForm = train.every((l) => /^\d+$/.test(l.label));
  const classes = listForm
    ? Array.from(
      { length: Math.max(...train.map((l) => Number(l.label))) + 1 },
      (_, i) => String(i),
    )
    : [...new Set(train.map((l) => l.label))];
  for (const [path, lines] of [[trainPath, train], [testPath, test]] as const) {
    for (const l of lines) {
      if (!classes.includes(l.label)) {
        throw new Error(`${path}:${l.line}: label "${l.label}" is not a class of ${trainPath}`);
      }
    }
  }
  return { train, test, classes, source: trainPath };
}

/** Train and test splits of a Kinetics-Sounds folder, prepared into caches on first use. */
export async function kineticsSoundsSplits(
  gpu: Gpu,
  o: KsOptions,
): Promise<{ train: AvSplit; test: AvSplit; classes: string[] }> {
  const settings = { ...KS_SETTINGS, ...o.settings };
  const { train, test, classes } = await splitLines(o.root);
  const samples = (lines: SplitLine[], split: string): AvSample[] =>
    lines.map((l) => ({
      name: l.name,
      label: classes.indexOf(l.label),
      wav: join(o.root, `${split}_wav`, `${l.name}.wav`),
      frameDir: join(o.root, `${split}_img`, "Image-01-FPS", l.name),
    }));
  const cacheDir = o.cacheDir ?? join(o.root, ".mmboost-cache");
  const open = (split: "train" | "test", lines: SplitLine[]) =>
    openAvSplit(
      gpu,
      `kinetics-sounds/${split}`,
      samples(lines, split),
      classes.length,
      settings,
      join(cacheDir, `ks-${split}.mmbc`),
      o.log,
    );
  return { train: await open("train", train), test: await open("test", test), classes };
}
