import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { gpuTest, rejected } from "../../_helpers.ts";
import { makeCremaFixture } from "../../_datasets.ts";
import { exists } from "../../../pipelines/io/files.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope } from "../../../kernels/tensor.ts";
import {
  CREMA_LABELS,
  cremaSampleLists,
  cremaSplits,
  prepareCrema,
} from "../../../pipelines/data/cremad.ts";

const SMALL = { rate: 8000, seconds: 1, shortSide: 0, size: 32, frames: 1 };

gpuTest(
  "CREMA-D: the prepared layout reads end to end (BOM, labels, shapes, cache reuse)",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    const counts = await makeCremaFixture(root);
    const logs: string[] = [];
    const { train, test } = await cremaSplits(gpu, {
      root,
      settings: SMALL,
      log: (l) => logs.push(l),
    });
    assertEquals([train.labels.length, test.labels.length], [counts.train, counts.test]);
    assertEquals(train.classes, 6);
    // class map: NEU 0 ... ANG 5, in file order
    assertEquals(Array.from(train.labels.slice(0, 6)), [0, 1, 2, 3, 4, 5]);
    assertEquals(train.cache.index.names[0], "1001_DFA_NEU_XX");
    assertEquals(train.sampleShapes, [[1, 257, 23], [1, 3, 32, 32]]);
    {
      using _ = new Scope(gpu);
      const [spec, frames] = await train.inputs(gpu, [0, 5, 7], true, new Rng(1));
      assertEquals([spec.shape, frames.shape], [[3, 1, 257, 23], [3, 1, 3, 32, 32]]);
      const s = await spec.read();
      if (!s.every(Number.isFinite) || Math.max(...s) < 0) {
        throw new Error(
          "spectrogram values look wrong",
        );
      }
    }
    // a second open reads the cache instead of preparing again
    const before = logs.filter((l) => l.includes("preparing")).length;
    await cremaSplits(gpu, { root, settings: SMALL, log: (l) => logs.push(l) });
    assertEquals(logs.filter((l) => l.includes("preparing")).length, before);
    // new settings rebuild it
    await cremaSplits(gpu, { root, settings: { ...SMALL, rate: 11025 }, log: (l) => logs.push(l) });
    assertEquals(logs.filter((l) => l.includes("preparing")).length, before + 2);
    await Deno.remove(root, { recursive: true });
  },
);

gpuTest("CREMA-D: prepare extracts 1 fps frames from VideoFlash/*.flv with ffmpeg", async (gpu) => {
  const root = await Deno.makeTempDir();
  await makeCremaFixture(root, { perClass: 1, videos: true });
  const r = await prepareCrema(root, { log: () => {} });
  assertEquals([r.videos, r.made, r.failed.length], [12, 12, 0]);
  const frames = [];
  for await (const e of Deno.readDir(join(root, "Image-01-FPS", "1001_DFA_NEU_XX"))) {
    frames.push(e.name);
  }
  assertEquals(frames.sort(), ["00000.jpg", "00001.jpg", "00002.jpg"]); // 2.5 s at 1 fps
  assertEquals((await prepareCrema(root, { log: () => {} })).kept, 12);
  const { train } = await cremaSplits(gpu, { root, settings: SMALL, log: () => {} });
  assertEquals(train.labels.length, 6);
  await Deno.remove(root, { recursive: true });
});

gpuTest(
  "CREMA-D: broken samples are skipped with counted warnings naming the files",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    await makeCremaFixture(root);
    await Deno.remove(join(root, "Image-01-FPS", "1002_DFA_HAP_XX"), { recursive: true }); // missing frame folder
    const wav = join(root, "AudioWAV", "1003_DFA_SAD_XX.wav");
    await Deno.writeFile(wav, (await Deno.readFile(wav)).subarray(0, 100)); // truncated WAV
    await Deno.writeFile(
      join(root, "AudioWAV", "1004_DFA_FEA_XX.wav"),
      new TextEncoder().encode("ID3 an mp3"),
    ); // not a WAV
    await Deno.writeFile(
      join(root, "Image-01-FPS", "1005_DFA_DIS_XX", "00000.jpg"),
      new Uint8Array([0xff, 0xd8, 1, 2, 3]),
    ); // corrupt JPEG
    const logs: string[] = [];
    const { train } = await cremaSplits(gpu, { root, settings: SMALL, log: (l) => logs.push(l) });
    assertEquals(train.labels.length, 12 - 4);
    const why = train.skipped.join("\n");
    for (
      const want of [
        "1002_DFA_HAP_XX: ",
        "frame folder missing",
        "1003_DFA_SAD_XX.wav: data chunk",
        "truncated",
        "1004_DFA_FEA_XX.wav: not a RIFF/WAVE",
        "1005_DFA_DIS_XX/00000.jpg: not a decodable JPEG",
      ]
    ) {
      if (!why.includes(want)) throw new Error(`skipped list lacks "${want}":\n${why}`);
    }
    if (!logs.some((l) => l.includes("skipped 4 of 12"))) {
      throw new Error(
        `no counted warning: ${logs.join("\n")}`,
      );
    }
    await Deno.remove(root, { recursive: true });
  },
);

gpuTest(
  "CREMA-D: a CSV line with an unknown label or a bad field is an error naming file and line",
  async () => {
    const root = await Deno.makeTempDir();
    const csv = join(root, "train.csv");
    await Deno.writeTextFile(join(root, "test.csv"), "1003_DFA_NEU_XX,NEU\n");
    await Deno.writeTextFile(csv, "1001_DFA_NEU_XX,NEU\n1002_DFA_XXX_XX,JOY\n");
    assertEquals(
      await rejected(cremaSampleLists(root, root)),
      `${csv}:2: unknown label "JOY" (expected ${CREMA_LABELS.join(" ")})`,
    );
    await Deno.writeTextFile(csv, "1001_DFA_NEU_XX;NEU\n");
    if (
      !(await rejected(cremaSampleLists(root, root))).startsWith(`${csv}:1: expected`)
    ) throw new Error("bad field not reported");
    await Deno.remove(root, { recursive: true });
  },
);

gpuTest(
  "CREMA-D: an empty dataset is an error; the shipped standard split has 6698/744 lines",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    await Deno.mkdir(join(root, "annotations"));
    await Deno.writeTextFile(join(root, "annotations", "train.csv"), "1001_DFA_NEU_XX,NEU\n");
    await Deno.writeTextFile(join(root, "annotations", "test.csv"), "1002_DFA_NEU_XX,NEU\n");
    const msg = await rejected(cremaSplits(gpu, { root, settings: SMALL, log: () => {} }));
    const list = join(root, "annotations", "train.csv");
    if (!msg.startsWith(`${join(root, "AudioWAV")}: only 0 of the 1 clips listed in ${list}`)) {
      throw new Error(msg);
    }
    assertEquals(await exists(join(root, ".mmboost-cache")), false, "an empty cache was left");
    const shipped = await cremaSampleLists(await Deno.makeTempDir());
    assertEquals([shipped.train.length, shipped.test.length, shipped.shipped], [6698, 744, true]);
    await Deno.remove(root, { recursive: true });
  },
);

gpuTest(
  "CREMA-D: repeated names warn with their count; two labels and train/test overlap are errors",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    await makeCremaFixture(root, { perClass: 1 });
    const ann = join(root, "annotations");
    const train = (await Deno.readTextFile(join(ann, "train.csv"))).replace(/^\uFEFF/, "")
      .trim().split(/\r?\n/);
    const test = (await Deno.readTextFile(join(ann, "test.csv"))).trim().split("\n");
    const write = (tr: string[], te: string[]) =>
      Promise.all([
        Deno.writeTextFile(join(ann, "train.csv"), tr.join("\n") + "\n"),
        Deno.writeTextFile(join(ann, "test.csv"), te.join("\n") + "\n"),
      ]);
    const logs: string[] = [];
    await write([...train, train[0], train[1], train[0]], test);
    const lists = await cremaSampleLists(root, undefined, (l) => logs.push(l));
    assertEquals(lists.train.length, train.length, "each name once");
    const warning = logs.find((l) => l.startsWith("warning:")) ?? "";
    if (!warning.includes("3 repeated line(s)") || !warning.includes("lines 1 and 7")) {
      throw new Error(logs.join("\n"));
    }
    const [name] = train[2].split(",");
    await write([...train, `${name},ANG`], test);
    const two = await rejected(cremaSampleLists(root, undefined, () => {}));
    const csv = join(ann, "train.csv");
    assertEquals(two, `${csv}:3 and ${csv}:7: "${name}" is labelled both "SAD" and "ANG"`);
    await write(train, [...test, train[4], train[5]]);
    const leak = await rejected(cremaSplits(gpu, { root, settings: SMALL, log: () => {} }));
    const [leaked] = train[4].split(",");
    if (
      !leak.startsWith(`${csv}:5 and ${join(ann, "test.csv")}:7: "${leaked}" is in both`) ||
      !leak.includes("(test leakage); 1 more name(s)")
    ) throw new Error(leak);
    assertEquals(await exists(join(root, ".mmboost-cache")), false, "a cache was built");
    await Deno.remove(root, { recursive: true });
  },
);

gpuTest(
  "CREMA-D: a folder that matches almost none of the standard split, or lacks test.csv, stops early",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    await makeCremaFixture(root, { perClass: 1 });
    await Deno.remove(join(root, "annotations"), { recursive: true });
    const msg = await rejected(cremaSplits(gpu, { root, settings: SMALL, log: () => {} }));
    const shipped = new URL("../../../pipelines/data/splits/cremad/train.csv", import.meta.url)
      .pathname;
    // the fixture's names are names of the release: 11 of its 12 training clips are listed
    const want = `${join(root, "AudioWAV")}: only 11 of the 6698 clips listed in ${shipped} ` +
      `are there (${root} has no annotations/train.csv, so the standard split is used`;
    if (!msg.startsWith(want)) throw new Error(msg);
    assertEquals(await exists(join(root, ".mmboost-cache")), false, "an empty cache was left");
    // a missing test split is found before the training split is prepared
    await Deno.mkdir(join(root, "annotations"));
    await Deno.writeTextFile(join(root, "annotations", "train.csv"), "1001_DFA_NEU_XX,NEU\n");
    const noTest = await rejected(cremaSplits(gpu, { root, settings: SMALL, log: () => {} }));
    assertEquals(noTest, `${join(root, "annotations", "test.csv")}: split file not found`);
    assertEquals(await exists(join(root, ".mmboost-cache")), false, "the train cache was built");
    await Deno.remove(root, { recursive: true });
  },
);
