import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { gpuTest, randn } from "../../_helpers.ts";
import {
  ACA_DEFAULTS,
  assignClassifiers,
  isAcaEpoch,
  stepLr,
} from "../../../pipelines/train/aca.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { oneHot } from "../../../kernels/loss/loss.ts";
import { AugModel } from "../../../pipelines/models/multimodal.ts";
import { augStep } from "../../../pipelines/train/steps.ts";

const paper = { ...ACA_DEFAULTS, rule: "paper" as const };
const ratio = { ...ACA_DEFAULTS, rule: "ratio" as const };

Deno.test("paper rule: the weaker modality by mean confidence gets the classifier", () => {
  assertEquals(assignClassifiers([90, 60], 100, paper), [1]); // audio stronger -> video
  assertEquals(assignClassifiers([60, 90], 100, paper), [0]);
  assertEquals(assignClassifiers([70, 69.5], 100, paper), []); // within tau
});

Deno.test("reference ratio rule, and a case where the two rules disagree", () => {
  assertEquals(assignClassifiers([90, 60], 100, ratio), [1]);
  assertEquals(assignClassifiers([60, 90], 100, ratio), [0]);
  assertEquals(assignClassifiers([100, 100.5], 100, ratio), []);
  // S = [2, 1] over 1000 samples: mean gap 0.001 < tau, but the ratio 2 > 1.01
  assertEquals(assignClassifiers([2, 1], 1000, paper), []);
  assertEquals(assignClassifiers([2, 1], 1000, ratio), [1]);
});

Deno.test("three modalities: every modality under the 0.4 share gets one", () => {
  assertEquals(assignClassifiers([10, 30, 30], 100, ratio), [0]);
  assertEquals(assignClassifiers([10, 10, 50], 100, ratio), [0, 1]);
  assertEquals(assignClassifiers([30, 30, 30], 100, paper), []);
});

Deno.test("ACA runs after epoch 0 and every t_N epochs; StepLR steps at epoch starts", () => {
  const epochs = Array.from({ length: 200 }, (_, e) => e).filter((e) => isAcaEpoch(e, 20));
  assertEquals(epochs, [0, 19, 39, 59, 79, 99, 119, 139, 159, 179, 199]);
  assertEquals([0, 68, 69, 138, 139].map((e) => stepLr(0.01, e, 70, 0.1)), [
    0.01,
    0.01,
    0.001,
    0.001,
    0.01 * 0.1 ** 2,
  ]);
});

gpuTest(
  "a frozen classifier never changes while a trainable one and the encoder do",
  async (gpu) => {
    const rng = new Rng(5);
    const model = AugModel.create(gpu, rng, {
      modalities: [{ name: "a", inChannels: 1, frames: 1 }, {
        name: "v",
        inChannels: 3,
        frames: 1,
      }],
      classes: 3,
      width: 2,
      hidden: 8,
    });
    model.classifiers[1].add(rng, true); // frozen, as the reference code's new classifiers
    model.classifiers[1].add(rng, false); // trainable
    const before = await Promise.all(
      model.classifiers[1].layers.map((l) => l.params.values.read()),
    );
    const encBefore = await model.encoders[1].trunk.params.values.read();
    for (let i = 0; i < 2; i++) {
      using _ = new Scope(gpu);
      const batch = {
        inputs: [
          Tensor.from(gpu, randn(rng, 2 * 32 * 32), [2, 1, 32, 32]),
          Tensor.from(gpu, randn(rng, 2 * 3 * 32 * 32), [2, 3, 32, 32]),
        ],
        labels: oneHot(gpu, [0, 2], 3),
      };
      augStep(model, batch, { lambda: 0.5, sgd: { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 } });
    }
    const after = await Promise.all(model.classifiers[1].layers.map((l) => l.params.values.read()));
    const changed = (a: Float32Array, b: Float32Array) => a.some((v, i) => v !== b[i]);
    if (!changed(before[0], after[0])) {
      throw new Error(
        "the first (trainable) classifier did not train",
      );
    }
    if (changed(before[1], after[1])) throw new Error("the frozen classifier changed");
    if (!changed(before[2], after[2])) {
      throw new Error(
        "the new trainable classifier did not train",
      );
    }
    if (!changed(encBefore, await model.encoders[1].trunk.params.values.read())) {
      throw new Error("the encoder did not train through the frozen classifier");
    }
    model.destroy();
  },
);
