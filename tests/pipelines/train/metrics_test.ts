import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  accuracy,
  argmaxRows,
  averagePrecision,
  macroF1,
  meanAveragePrecision,
  scoreLogits,
} from "../../../pipelines/train/metrics.ts";

const near = (a: number, b: number, what: string) => {
  if (Math.abs(a - b) > 1e-12) throw new Error(`${what}: ${a} != ${b}`);
};

Deno.test("accuracy and argmax (first maximum on ties)", () => {
  assertEquals(Array.from(argmaxRows([1, 3, 3, 0, 5, 2], 3)), [1, 1]);
  near(accuracy([0, 1, 2, 2], [0, 1, 1, 2]), 0.75, "accuracy");
});

Deno.test("macro-F1 by hand, including a class never predicted", () => {
  // class 0: tp1 fp1 fn1 -> 0.5; class 1: tp2 fp1 fn0 -> 0.8; class 2: tp0 fp0 fn1 -> 0
  near(macroF1([0, 0, 1, 1, 2], [0, 1, 1, 1, 0]), (0.5 + 0.8 + 0) / 3, "macro-F1");
  // a class only predicted counts too (sklearn averages over labels and predictions)
  near(macroF1([0, 0], [0, 1]), (2 / 3 + 0) / 2, "macro-F1 with a predicted-only class");
});

Deno.test("average precision by hand, with and without tied scores", () => {
  // no ties: hits at ranks 1 and 3 -> 0.5 * 1 + 0.5 * 2/3
  near(averagePrecision([true, false, true, false], [0.9, 0.8, 0.5, 0.1])!, 0.5 + 1 / 3, "AP");
  // the top two tie: they enter together at precision 1/2
  near(
    averagePrecision([true, false, true, false], [0.9, 0.9, 0.5, 0.1])!,
    0.25 + 1 / 3,
    "AP ties",
  );
  assertEquals(averagePrecision([false, false], [0.3, 0.2]), null);
});

Deno.test("mAP averages the classes that have positives; scoreLogits puts it together", () => {
  // class 0 scores [0.9, 0.5, 0.6], positives 0 and 1: ranks 1 and 3 -> 1/2 + 1/2 * 2/3;
  // class 1 scores [0.1, 0.5, 0.4], positive 2 ranked 2nd -> 1/2
  const probs = [0.9, 0.1, 0.5, 0.5, 0.6, 0.4];
  near(meanAveragePrecision([0, 0, 1], probs, 2), (0.5 + 1 / 3 + 0.5) / 2, "mAP");
  near(
    meanAveragePrecision([0, 0], [0.9, 0.1, 0.8, 0.2], 2),
    1,
    "mAP skips a class without positives",
  );
  const s = scoreLogits([0, 1], [2, 1, 0, 3], 2);
  assertEquals(s, { acc: 1, f1: 1, mAP: 1 });
});

/** Run `expr` (a module body that imports metrics.ts as `m`) in a worker; its result or a timeout. */
async function inWorker(expr: string, ms = 5000): Promise<string> {
  const url = new URL("../../../pipelines/train/metrics.ts", import.meta.url).href;
  const code = `import * as m from "${url}";
    let out; try { out = JSON.stringify(${expr}); } catch (e) { out = "error: " + e.message; }
    self.postMessage(out);`;
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })), {
    type: "module",
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve("timeout"), ms);
      worker.onmessage = (e) => resolve(e.data);
    });
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}

Deno.test("metrics terminate on any input: NaN scores are named errors, infinities rank", async () => {
  const ap = await inWorker("m.averagePrecision([true, false], [NaN, 0.1])");
  assertEquals(ap, "error: averagePrecision: score 0 is NaN");
  const later = await inWorker("m.averagePrecision([true, false, true], [0.3, 0.2, NaN])");
  assertEquals(later, "error: averagePrecision: score 2 is NaN");
  // +-Infinity are ordered scores: the positive at +Infinity ranks first
  assertEquals(
    await inWorker("m.averagePrecision([true, false, false], [Infinity, -Infinity, -Infinity])"),
    "1",
  );
  const logits = await inWorker("m.scoreLogits([0, 1], [1, NaN, 0, 2], 2)");
  assertEquals(logits, "error: 1 of 4 logits are not finite (first: sample 0, class 1, NaN)");
  const inf = await inWorker("m.scoreLogits([0, 1], [1, 0, Infinity, 2], 2)");
  if (!inf.startsWith("error: 1 of 4 logits are not finite")) throw new Error(inf);
});
