import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { gpuTest, rejected } from "../../_helpers.ts";
import { makeKsFixture } from "../../_datasets.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope } from "../../../kernels/tensor.ts";
import { kineticsSoundsSplits } from "../../../pipelines/data/kinetics_sounds.ts";

const SMALL = { rate: 8000, seconds: 1, shortSide: 0, size: 32 };

gpuTest(
  "Kinetics-Sounds: CSV layout, class order by first appearance, >3 frames filter, 3 frames a sample",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    const { classes } = await makeKsFixture(root);
    // a clip with only 3 frames is dropped (the reference keeps those with more than 3)
    const short = join(root, "train_img", "Image-01-FPS", "yt0000_000010_000020");
    for (const f of ["00003.jpg", "00004.jpg"]) await Deno.remove(join(short, f));
    const ks = await kineticsSoundsSplits(gpu, { root, settings: SMALL, log: () => {} });
    assertEquals(ks.classes, classes);
    assertEquals([ks.train.labels.length, ks.test.labels.length], [5, 6]);
    assertEquals(Array.from(ks.test.labels), [0, 1, 2, 0, 1, 2]);
    if (!ks.train.skipped[0].includes("3 frames, fewer than 4")) {
      throw new Error(ks.train.skipped.join("; "));
    }
    using _ = new Scope(gpu);
    const [spec, frames] = await ks.train.inputs(gpu, [0, 1], true, new Rng(3));
    assertEquals([spec.shape, frames.shape], [[2, 1, 257, 23], [2, 3, 3, 32, 32]]);
    await Deno.remove(root, { recursive: true });
  },
);

gpuTest(
  "Kinetics-Sounds: OGM-GE list form and labels unknown to the training split",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    await makeKsFixture(root);
    const ann = join(root, "annotations");
    await Deno.remove(join(ann, "train.csv"));
    await Deno.remove(join(ann, "test.csv"));
    await Deno.writeTextFile(
      join(ann, "my_train.txt"),
      "yt0000_000010_000020,10,0\nyt0001_000010_000020,10,1\nyt0002_000010_000020,10,2\n",
    );
    await Deno.writeTextFile(
      join(ann, "my_test.txt"),
      "yt0006_000010_000020,10,2\nyt0007_000010_000020,10,7\n",
    );
    const msg = await rejected(kineticsSoundsSplits(gpu, { root, settings: SMALL, log: () => {} }));
    if (!msg.includes('my_test.txt:2: label "7" is not a class')) throw new Error(msg);
    await Deno.writeTextFile(join(ann, "my_test.txt"), "yt0006_000010_000020,10,2\n");
    const ks = await kineticsSoundsSplits(gpu, { root, settings: SMALL, log: () => {} });
    assertEquals([ks.train.labels.length, ks.test.labels.length, ks.classes.length], [3, 1, 3]);
    await Deno.remove(root, { recursive: true });
  },
);
