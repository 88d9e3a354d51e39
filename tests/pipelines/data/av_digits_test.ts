import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gpuTest } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope } from "../../../kernels/tensor.ts";
import { avDigitsSplits } from "../../../pipelines/data/av_digits.ts";

gpuTest(
  "AV-Digits: real MNIST digits with spoken clips, seeded, shapes and label balance",
  async (gpu) => {
    const a = await avDigitsSplits({ seed: 3, trainSize: 200, testSize: 50 });
    const b = await avDigitsSplits({ seed: 3, trainSize: 200, testSize: 50 });
    assertEquals(Array.from(a.train.labels), Array.from(b.train.labels), "same seed, same samples");
    const counts = new Array(10).fill(0);
    a.train.labels.forEach((y) => counts[y]++);
    if (counts.some((c) => c < 5)) throw new Error(`labels unbalanced: ${counts}`);
    assertEquals(a.train.sampleShapes, [[1, 65, 63], [1, 28, 28]]);
    using _ = new Scope(gpu);
    const [spec, img] = await a.test.inputs(gpu, [0, 1, 2], false, new Rng(0));
    assertEquals([spec.shape, img.shape], [[3, 1, 65, 63], [3, 1, 28, 28]]);
    // test inputs are fixed per sample: the same batch twice gives the same tensors
    const again = await a.test.inputs(gpu, [0, 1, 2], false, new Rng(9));
    const [x, y] = await gpu.read([spec.range, again[0].range]);
    assertEquals(Array.from(x), Array.from(y));
    // the spoken clips: 300 train and 120 test clips, speakers disjoint
    const names = async (split: string) => {
      const out: string[] = [];
      for await (
        const e of Deno.readDir(
          new URL(`../../../pipelines/data/av_digits/clips/${split}/`, import.meta.url),
        )
      ) out.push(e.name);
      return out;
    };
    const [tr, te] = [await names("train"), await names("test")];
    assertEquals([tr.length, te.length], [300, 120]);
    const speaker = (n: string) => n.split("_")[1];
    const shared = new Set(tr.map(speaker)).intersection(new Set(te.map(speaker)));
    assertEquals(shared.size, 0);
  },
);
