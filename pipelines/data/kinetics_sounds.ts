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
import {
  type AvSample,
  type AvSettings,
  type AvSplit,
  checkFound,
  openAvSplit,
} from "./av_split.ts";
import { exists } from "../io/files.ts";
import { checkSplits, readSplitFile, type SplitLine } from "./split_files.ts";

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
  /** The dataset folder (layout: README, Data). */
  root: string;
  /** Feature settings over Kinetics-Sounds' defaults. */
  settings?: Partial<AvSettings>;
  /** Where the prepared caches go (default `<root>/.mmboost-cache`). */
  cacheDir?: string;
  /** Where progress and warnings go (default: the console). */
  log?: (line: string) => void;
}

/** What `splitLines` found. */
interface KsLines {
  train: SplitLine[];
  test: SplitLine[];
  classes: string[];
  files: [string, string];
  shipped: boolean;
}

/** Split lines and the class names (by first appearance in train; list form: indices). */
async function splitLines(root: string, log: (line: string) => void): Promise<KsLines> {
  const ann = join(root, "annotations");
  for (const [tr, te] of [["train.csv", "test.csv"], ["my_train.txt", "my_test.txt"]]) {
    if (await exists(join(ann, tr))) {
      return await load(join(ann, tr), join(ann, te), false, log);
    }
  }
  return await load(join(SHIPPED, "my_train.txt"), join(SHIPPED, "my_test.txt"), true, log);
}

async function load(
  trainPath: string,
  testPath: string,
  shipped: boolean,
  log: (line: string) => void,
): Promise<KsLines> {
  const { train, test } = checkSplits(
    { path: trainPath, lines: await readSplitFile(trainPath) },
    { path: testPath, lines: await readSplitFile(testPath) },
    log,
  );
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
  return { train, test, classes, files: [trainPath, testPath], shipped };
}

/** Train and test splits of a Kinetics-Sounds folder, prepared into caches on first use. */
export async function kineticsSoundsSplits(
  gpu: Gpu,
  o: KsOptions,
): Promise<{ train: AvSplit; test: AvSplit; classes: string[] }> {
  const settings = { ...KS_SETTINGS, ...o.settings };
  const log = o.log ?? ((l: string) => console.error(l));
  const { train, test, classes, files, shipped } = await splitLines(o.root, log);
  const samples = (lines: SplitLine[], split: string): AvSample[] =>
    lines.map((l) => ({
      name: l.name,
      label: classes.indexOf(l.label),
      wav: join(o.root, `${split}_wav`, `${l.name}.wav`),
      frameDir: join(o.root, `${split}_img`, "Image-01-FPS", l.name),
    }));
  const why = shipped ? `${o.root} has no annotations/, so OGM-GE's lists are used` : "";
  for (const [i, split] of (["train", "test"] as const).entries()) {
    const lines = split === "train" ? train : test;
    await checkFound(samples(lines, split), files[i], join(o.root, `${split}_wav`), why);
  }
  const cacheDir = o.cacheDir ?? join(o.root, ".mmboost-cache");
  const open = (split: "train" | "test", lines: SplitLine[]) =>
    openAvSplit(
      gpu,
      `kinetics-sounds/${split}`,
      samples(lines, split),
      classes.length,
      settings,
      join(cacheDir, `ks-${split}.mmbc`),
      log,
    );
  return { train: await open("train", train), test: await open("test", test), classes };
}
