import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { gpuTest, thrown } from "../../_helpers.ts";
import { makeNvFixture } from "../../_datasets.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope } from "../../../kernels/tensor.ts";
import { nvGestureSplits, prepareNvGesture } from "../../../pipelines/data/nvgesture.ts";
import { parseLst } from "../../../pipelines/data/nvgesture_lists.ts";

Deno.test("NVGesture .lst: fields parsed, labels 1..25 -> 0..24, a bad field names file and line", () => {
  const ok = parseLst(
    "path:./Video_data/class_03/subject13_r0 depth:sk_depth:10:90 color:sk_color:11:91 duo_left:duo_left:0:0 label:3\n",
    "a.lst",
  );
  assertEquals(ok, [{
    path: "Video_data/class_03/subject13_r0",
    depth: [10, 90],
    color: [11, 91],
    label: 2,
    line: 1,
  }]);
  const cases: [string, string][] = [
    [
      "path:./x depth:sk_depth:10 color:sk_color:1:9 label:1",
      `a.lst:2: bad "depth:" field "sk_depth:10"`,
    ],
    ["path:./x depth:sk_depth:1:9 color:sk_color:9:1 label:1", `a.lst:2: bad "color:" field`],
    ["path:./x depth:sk_depth:1:9 color:sk_color:1:9 label:26", `a.lst:2: bad "label:" field "26"`],
    ["depth:sk_depth:1:9 color:sk_color:1:9 label:2", `a.lst:2: no "path:" field`],
  ];
  for (const [line, want] of cases) {
    const msg = thrown(() =>
      parseLst(`path:./ok depth:sk_depth:1:9 color:sk_color:1:9 label:1\n${line}\n`, "a.lst")
    );
    if (!msg.startsWith(want)) throw new Error(`expected "${want}", got "${msg}"`);
  }
});

gpuTest(
  "NVGesture: prepare (ffmpeg frames + Horn-Schunck flow) and batches of rgb/flow/depth",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    const counts = await makeNvFixture(root);
    const r = await prepareNvGesture(root, { log: () => {} });
    assertEquals(r, { prepared: counts.train + counts.test, kept: 0 });
    const dir = join(root, "prepared", "Video_data", "class_01", "subject1_r0");
    const n = async (d: string) => {
      let c = 0;
      for await (const _ of Deno.readDir(join(dir, d))) c++;
      return c;
    };
    assertEquals([await n("color"), await n("depth"), await n("flow_x"), await n("flow_y")], [
      20,
      20,
      19,
      19,
    ]);
    assertEquals(
      (await prepareNvGesture(root, { log: () => {} })).kept,
      counts.train + counts.test,
    );
    const { train, test } = await nvGestureSplits(root, { frames: 8, testFrames: 24 });
    assertEquals([Array.from(train.labels), Array.from(test.labels)], [[0, 1, 2, 0, 1, 2], [
      0,
      1,
      2,
    ]]);
    using _ = new Scope(gpu);
    const [rgb, flow, depth] = await train.inputs(gpu, [0, 4], true, new Rng(2));
    assertEquals([rgb.shape, flow.shape, depth.shape], [[2, 8, 3, 224, 224], [2, 8, 2, 224, 224], [
      2,
      8,
      1,
      224,
      224,
    ]]);
    const [, , d] = await test.inputs(gpu, [1], false, new Rng(0));
    const values = await d.read(), frame = 224 * 224;
    // 20 frames, then zero padding up to 24; depth is in [0, 1]
    if (values.subarray(20 * frame).some((v) => v !== 0)) {
      throw new Error(
        "padded frames are not zero",
      );
    }
    if (values.subarray(0, 20 * frame).some((v) => v < 0 || v > 1)) {
      throw new Error(
        "depth outside [0, 1]",
      );
    }
    await Deno.remove(root, { recursive: true });
  },
);

Deno.test("NVGesture: a clip in both lists is an error naming both lines; repeats are used once", async () => {
  const root = await Deno.makeTempDir();
  const line = (c: number, s: number) =>
    `path:./Video_data/class_0${c}/subject${s}_r0 depth:sk_depth:1:9 color:sk_color:1:9 label:${c}`;
  const train = join(root, "nvgesture_train_correct_v2.lst");
  const test = join(root, "nvgesture_test_correct_v2.lst");
  await Deno.writeTextFile(train, [line(1, 1), line(2, 2), line(1, 1)].join("\n"));
  await Deno.writeTextFile(test, [line(3, 3), line(2, 2)].join("\n"));
  const logs: string[] = [];
  const msg = await nvGestureSplits(root, {}, (l) => logs.push(l)).then(() => "", (e) => e.message);
  assertEquals(
    msg,
    `${train}:2 and ${test}:2: "Video_data/class_02/subject2_r0" is in both the training and ` +
      "the test split (test leakage)",
  );
  if (!logs.some((l) => l.includes(`${train}: 1 repeated line(s)`))) throw new Error(logs.join());
  await Deno.remove(root, { recursive: true });
});
