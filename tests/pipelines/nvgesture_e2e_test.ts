import { rejected, runEntry } from "../_helpers.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { makeNvFixture } from "../_datasets.ts";

const WEIGHTS = new URL("../fixtures/i3d_w8_weights.safetensors", import.meta.url).pathname;

Deno.test({
  name: "train:nvgesture prepares the generated NVGesture folder and trains one epoch (3 x I3D)",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir();
    const run = (args: string[]) => runEntry("nvgesture", args, join(root, "autotune.json"));
    const data = join(root, "nvgesture"), out = join(root, "run");
    await makeNvFixture(data);
    const config = new URL("../../configs/nvgesture.json", import.meta.url).pathname;
    // the paper's config at a tiny size: I3D channels / 8, 8 frames, 64-pixel crops; RGB and
    // depth from the (width 8) test checkpoint as the reference does, flow from scratch
    const tiny = [
      "--set=epochs=1",
      "--set=data.frames=8",
      "--set=data.testFrames=24",
      "--set=data.size=64",
      "--set=model.width=8",
      "--set=model.hidden=8",
      `--set=model.pretrained=${JSON.stringify([WEIGHTS, "", WEIGHTS])}`,
      "--set=aug.aca.every=1",
    ];
    const text = await run([
      "--data",
      data,
      "--prepare",
      "--config",
      config,
      ...tiny,
      "--out",
      out,
    ]);
    if (!text.includes("epoch 1/1") || !/autotune: measured \d+ kernel shapes/.test(text)) {
      throw new Error(text);
    }
    if (!/rgb: loaded \d+ tensors/.test(text) || !/depth: loaded .*kept random/.test(text)) {
      throw new Error(`no pretrained report:\n${text}`);
    }
    const record = JSON.parse((await Deno.readTextFile(join(out, "metrics.jsonl"))).trim());
    assertEquals(record.epoch, 0);
    assertEquals(record.test.modalities.length, 3);
    const summary = await Deno.readTextFile(join(out, "summary.md"));
    for (const m of ["rgb", "flow", "depth"]) {
      if (!summary.includes(m)) throw new Error(`summary lacks ${m}:\n${summary}`);
    }
    // a missing checkpoint is an error that says how to get one
    const msg = await rejected(run([
      "--data",
      data,
      "--config",
      config,
      ...tiny.filter((a) => !a.includes("pretrained")),
      "--out",
      join(root, "x"),
    ]));
    if (!msg.includes("weights/rgb_imagenet.safetensors") || !msg.includes("convert_i3d.py")) {
      throw new Error(msg);
    }
    await Deno.remove(root, { recursive: true });
  },
});
