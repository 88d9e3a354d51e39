import { assertClose, dispatchedWith, fixture, gpuTest } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import type { Gpu } from "../../../kernels/runtime/gpu.ts";
import {
  AugModel,
  JointModel,
  LateFusionModel,
  type ModelOptions,
  SharedHeadModel,
} from "../../../pipelines/models/multimodal.ts";
import { loadState, readState, type StateOwner } from "../../../pipelines/models/state.ts";
import { augStep, type Batch, jointStep } from "../../../pipelines/train/steps.ts";
import { ogmStep } from "../../../pipelines/train/methods/ogm_ge.ts";
import { mmparetoStep } from "../../../pipelines/train/methods/mmpareto.ts";
import { mlaStep } from "../../../pipelines/train/methods/mla.ts";
import {
  blendFromLosses,
  blendWeightsOf,
  estimateHeadLosses,
  gblendModel,
  gblendStep,
} from "../../../pipelines/train/methods/gblend.ts";
import { lfmModel, lfmStep, setAlpha, updateAlpha } from "../../../pipelines/train/methods/lfm.ts";
import {
  reconboostPhase,
  reconboostStep,
  resetPhaseMomentum,
} from "../../../pipelines/train/methods/reconboost.ts";
import {
  pmrModel,
  pmrStep,
  prototypesOf,
  updatePrototypes,
} from "../../../pipelines/train/methods/pmr.ts";
import { DEFAULT_CONFIG, setKey } from "../../../pipelines/train/config.ts";

// Whole training iterations of a tiny two-modality model against PyTorch
// (tools/make_train_fixtures.py): two iterations through both ResNet18 trunks (64x64 inputs,
// batch 4), BN and SGD with momentum, computed there in float64 (the exact result). On this
// problem PyTorch's own float32 run stays within 2e-6 of each tensor's scale of the float64
// one; we ask for 2e-5 of the scale (max |expected|, at least 1e-6) plus 1e-4 relative for
// weights, momentum buffers and running statistics, and 1e-5 + 1e-4 relative for the losses
// and confident scores.
const SCALARS = { atol: 1e-5, rtol: 1e-4 };

function weightTolerance(want: Float32Array) {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return { atol: Math.max(1e-6, 2e-5 * scale), rtol: 1e-4 };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

function options(fx: Fixture): ModelOptions {
  return {
    modalities: [
      { name: "audio", inChannels: 1, frames: 1 },
      { name: "video", inChannels: 3, frames: Number(fx.metadata.frames) },
    ],
    classes: Number(fx.metadata.classes),
    width: Number(fx.metadata.width),
    hidden: Number(fx.metadata.hidden ?? 16),
  };
}

/** The fixture's SGD settings. */
const sgdOf = (fx: Fixture) => ({
  lr: Number(fx.metadata.lr),
  momentum: Number(fx.metadata.momentum),
  weightDecay: Number(fx.metadata.weight_decay),
});

/** The fixture's batch (`prefix` "held_": its held-out one). */
function batchOf(gpu: Gpu, fx: Fixture, prefix = ""): Batch {
  const t = (name: string) => Tensor.from(gpu, fx.get(prefix + name), fx.shape(prefix + name));
  return { inputs: [t("audio"), t("video")], labels: t("labels") };
}

async function compareState(model: StateOwner, fx: Fixture): Promise<void> {
  const state = await readState(model);
  let compared = 0;
  for (const [name, value] of state) {
    const key = `final.${name}`;
    const want = fx.find(key);
    if (!want) {
      if (name.startsWith("momentum.")) continue; // PyTorch keeps no buffer for untouched params
      throw new Error(`fixture lacks ${key}`);
    }
    assertClose(value, want, weightTolerance(want), name);
    compared++;
  }
  if (compared < 100) throw new Error(`only ${compared} tensors compared`);
}

/** Run the AUG iterations of fixture `name` and compare losses, scores and the final state. */
async function checkAugIterations(gpu: Gpu, name: string, counts: number[]): Promise<void> {
  const fx = await fixture(name);
  const model = AugModel.create(gpu, new Rng(0), options(fx), [...counts]);
  await loadState(model, (n) => fx.find(`init.${n}`));
  const sgd = sgdOf(fx);
  const stats = Tensor.zeros(gpu, [6]).persist();
  for (let it = 0; it < Number(fx.metadata.iterations); it++) {
    using _ = new Scope(gpu);
    const losses = augStep(
      model,
      batchOf(gpu, fx),
      { lambda: Number(fx.metadata.lambda), sgd },
      stats,
    );
    const got = await gpu.read(losses.map((l) => l.range));
    got.forEach((l, m) =>
      assertClose(l, fx.get(`loss.${it}.${m}`), SCALARS, `loss it ${it} modality ${m}`)
    );
  }
  const s = await stats.read();
  for (let m = 0; m < 2; m++) {
    const want = fx.get(`score.0.${m}`)[0] + fx.get(`score.1.${m}`)[0];
    assertClose([s[3 * m]], [want], SCALARS, `confident score ${m}`);
  }
  await compareState(model, fx);
  stats.dispose();
  model.destroy();
}

for (const [name, counts] of [["train_aug_1x1", [1, 1]], ["train_aug_1x2", [1, 2]]] as const) {
  gpuTest(
    `AUG iterations match PyTorch (${name}: losses, scores, weights, momentum, BN stats)`,
    (gpu) => checkAugIterations(gpu, name, [...counts]),
  );
}

for (const [variant, scheme] of [["winograd", "F(2x2, 3x3)"], ["winograd_f4", "F(4x4, 3x3)"]]) {
  gpuTest(
    `AUG iterations with every stride-1 3x3 convolution pass on Winograd ${scheme} match PyTorch (train_aug_1x2)`,
    async (gpu) => {
      const ran = await dispatchedWith(
        gpu,
        variant,
        () => checkAugIterations(gpu, "train_aug_1x2", [1, 2]),
      );
      const transform = variant === "winograd"
        ? "winograd_input_transform"
        : "winograd_f4_input_transform";
      for (const k of ["winograd_gemm", "winograd_gemm_backward", transform]) {
        // the software adapter's GEMMs read vec4 (_vec4) at these channel counts, and the weight
        // gradient's runs in 64x64 tiles (_narrow) at these 64-channel sizes
        const names = [k, `${k}_vec4`, `${k}_narrow`, `${k}_vec4_narrow`];
        if (![...ran].some((r) => names.includes(r))) {
          throw new Error(`${k} did not run: ${[...ran].join(", ")}`);
        }
      }
    },
  );
}

gpuTest(
  "a naive-joint iteration matches PyTorch (loss, weights, momentum, BN stats)",
  async (gpu) => {
    const fx = await fixture("train_naive");
    const model = JointModel.create(gpu, new Rng(0), options(fx));
    await loadState(model, (n) => fx.find(`init.${n}`));
    const sgd = sgdOf(fx);
    for (let it = 0; it < Number(fx.metadata.iterations); it++) {
      using _ = new Scope(gpu);
      const loss = jointStep(model, batchOf(gpu, fx), sgd);
      assertClose(await loss.read(), fx.get(`loss.${it}`), SCALARS, `loss it ${it}`);
    }
    await compareState(model, fx);
    model.destroy();
  },
);

gpuTest(
  "three-modality AUG iterations match PyTorch (1/2/1 classifiers, lambda 0.2, 3/2/1 channels)",
  async (gpu) => {
    const fx = await fixture("train_aug3");
    const frames = Number(fx.metadata.frames);
    const o: ModelOptions = {
      modalities: ["rgb", "flow", "depth"].map((name, m) => ({
        name,
        inChannels: 3 - m,
        frames,
      })),
      classes: Number(fx.metadata.classes),
      width: Number(fx.metadata.width),
      hidden: Number(fx.metadata.hidden),
    };
    const counts = fx.metadata.counts.split(",").map(Number);
    const model = AugModel.create(gpu, new Rng(0), o, counts);
    await loadState(model, (n) => fx.find(`init.${n}`));
    const sgd = sgdOf(fx);
    const stats = Tensor.zeros(gpu, [9]).persist();
    for (let it = 0; it < Number(fx.metadata.iterations); it++) {
      using _ = new Scope(gpu);
      const batch = {
        inputs: [0, 1, 2].map((m) => Tensor.from(gpu, fx.get(`input${m}`), fx.shape(`input${m}`))),
        labels: Tensor.from(gpu, fx.get("labels"), fx.shape("labels")),
      };
      const losses = augStep(model, batch, { lambda: Number(fx.metadata.lambda), sgd }, stats);
      const got = await gpu.read(losses.map((l) => l.range));
      got.forEach((l, m) =>
        assertClose(l, fx.get(`loss.${it}.${m}`), SCALARS, `loss it ${it} modality ${m}`)
      );
    }
    const s = await stats.read();
    for (let m = 0; m < 3; m++) {
      const want = fx.get(`score.0.${m}`)[0] + fx.get(`score.1.${m}`)[0];
      assertClose([s[3 * m]], [want], SCALARS, `confident score ${m}`);
    }
    await compareState(model, fx);
    stats.dispose();
    model.destroy();
  },
);

for (const [name, code] of [["train_ogm", false], ["train_ogm_code", true]] as const) {
  gpuTest(
    `OGM iterations match PyTorch (${
      code ? "the reference code's scores, conv weights only" : "the paper's"
    })`,
    async (gpu) => {
      const fx = await fixture(name);
      const model = JointModel.create(gpu, new Rng(0), options(fx));
      await loadState(model, (n) => fx.find(`init.${n}`));
      const sgd = sgdOf(fx);
      let config = DEFAULT_CONFIG;
      for (
        const kv of [
          `ogm.alpha=${fx.metadata.alpha}`,
          "ogm.ge=false",
          `ogm.swappedScores=${code}`,
          `ogm.convOnly=${code}`,
        ]
      ) config = setKey(config, kv);
      for (let it = 0; it < Number(fx.metadata.iterations); it++) {
        using _ = new Scope(gpu);
        const r = ogmStep(model, batchOf(gpu, fx), { config, sgd, epoch: 0, step: it });
        assertClose(await r.loss.read(), fx.get(`loss.${it}`), SCALARS, `loss it ${it}`);
        const k = (await r.coefficients.read()).subarray(0, 3);
        assertClose(k, fx.get(`coefficients.${it}`), SCALARS, `coefficients it ${it}`);
      }
      await compareState(model, fx);
      model.destroy();
    },
  );
}

gpuTest(
  "MMPareto iterations match PyTorch (losses, Pareto weights, weights, momentum, BN stats)",
  async (gpu) => {
    const fx = await fixture("train_mmpareto");
    const model = JointModel.create(gpu, new Rng(0), options(fx), true);
    await loadState(model, (n) => fx.find(`init.${n}`));
    const sgd = sgdOf(fx);
    for (let it = 0; it < Number(fx.metadata.iterations); it++) {
      using _ = new Scope(gpu);
      const r = mmparetoStep(model, batchOf(gpu, fx), { sgd, gamma: Number(fx.metadata.gamma) });
      const losses = await Promise.all(r.losses.map((l) => l.read()));
      assertClose(losses.map((l) => l[0]), fx.get(`loss.${it}`), SCALARS, `losses it ${it}`);
      for (const [m, k] of r.weights.entries()) {
        assertClose(
          (await k.read()).subarray(0, 2),
          fx.get(`weights.${it}.${m}`),
          SCALARS,
          `k ${it}.${m}`,
        );
      }
    }
    await compareState(model, fx);
    model.destroy();
  },
);

gpuTest(
  "MLA iterations match PyTorch (losses, projector, weights, momentum, BN stats)",
  async (gpu) => {
    const fx = await fixture("train_mla");
    const model = SharedHeadModel.create(gpu, new Rng(0), options(fx));
    await loadState(model, (n) => fx.find(`init.${n}`));
    const iterations = Number(fx.metadata.iterations);
    for (let it = 0; it < iterations; it++) {
      using _ = new Scope(gpu);
      const losses = mlaStep(model, batchOf(gpu, fx), {
        sgd: sgdOf(fx),
        first: it === 0,
        batch: it,
        batches: iterations,
      });
      for (const [m, l] of losses.entries()) {
        assertClose(await l.read(), fx.get(`loss.${it}.${m}`), SCALARS, `loss ${it}.${m}`);
      }
    }
    await compareState(model, fx);
    model.destroy();
  },
);

for (
  const [name, fresh] of [["train_reconboost", false], ["train_reconboost_fresh", true]] as const
) {
  gpuTest(
    `ReconBoost steps match PyTorch (both phases, with and without others; ${
      fresh ? "a fresh SGD per phase" : "one SGD"
    }): weights, momentum, BN`,
    async (gpu) => {
      const fx = await fixture(name);
      const model = LateFusionModel.create(gpu, new Rng(0), options(fx));
      await loadState(model, (n) => fx.find(`init.${n}`));
      let c = setKey(DEFAULT_CONFIG, "reconboost.stageEpochs=1");
      c = setKey(setKey(c, "reconboost.rectifyEpochs=1"), `reconboost.keepMomentum=${!fresh}`);
      const [w1, w2, K] = ["w1", "w2", "classes"].map((k) => Number(fx.metadata[k]));
      for (let i = 0; i < Number(fx.metadata.steps); i++) {
        using _ = new Scope(gpu);
        const phase = reconboostPhase(c, i, 2);
        resetPhaseMomentum(model, c, i); // every step starts a phase here
        const loss = reconboostStep(model, batchOf(gpu, fx), { sgd: sgdOf(fx), phase, w1, w2 });
        const value = (await loss.read())[0] * (phase.rectify ? 1 : w1 / K);
        assertClose([value], fx.get(`loss.${i}`), SCALARS, `loss ${i}`);
      }
      await compareState(model, fx);
      model.destroy();
    },
  );
}

gpuTest(
  "PMR matches PyTorch: prototypes, two steps (losses, weights, momentum, BN), the next prototypes",
  async (gpu) => {
    const fx = await fixture("train_pmr");
    const model = pmrModel(JointModel.create(gpu, new Rng(0), options(fx)));
    await loadState(model, (n) => fx.find(`init.${n}`));
    const K = Number(fx.metadata.classes), y = fx.get("labels");
    const labels = Array.from({ length: y.length / K }, (_, i) => y.indexOf(1, i * K) - i * K);
    const epoch = (e: number) => ({
      epoch: e,
      batches: [[0, 1, 2, 3]],
      labels,
      load: () => Promise.resolve(batchOf(gpu, fx)),
    });
    const momentum = Number(fx.metadata.proto_momentum);
    const protoTol = { atol: 1e-5, rtol: 1e-4 };
    const checkPrototypes = async (e: number) => {
      for (const [m, c] of prototypesOf(model).entries()) {
        assertClose(
          await c.read(),
          fx.get(`prototypes.${e}.${m}`),
          protoTol,
          `prototypes ${e}.${m}`,
        );
      }
    };
    await updatePrototypes(model, epoch(0), momentum);
    await checkPrototypes(0);
    const weights = { alpha: Number(fx.metadata.alpha), mu: Number(fx.metadata.mu), entropy: true };
    for (let it = 0; it < Number(fx.metadata.iterations); it++) {
      using _ = new Scope(gpu);
      const r = pmrStep(model, batchOf(gpu, fx), { sgd: sgdOf(fx), weights });
      assertClose(await r.loss.read(), fx.get(`loss.${it}`), SCALARS, `loss ${it}`);
      assertClose(await r.coefficients.read(), fx.get(`coefficients.${it}`), SCALARS, `k ${it}`);
    }
    await updatePrototypes(model, epoch(1), momentum);
    await checkPrototypes(1);
    await compareState(model, fx);
    model.destroy();
  },
);

gpuTest(
  "G-Blending matches PyTorch: each head's copy's losses, the blend weights, two blended steps",
  async (gpu) => {
    const fx = await fixture("train_gblend");
    const model = gblendModel(JointModel.create(gpu, new Rng(0), options(fx)));
    await loadState(model, (n) => fx.find(`init.${n}`));
    const held = () => batchOf(gpu, fx, "held_");
    const A = [0, 1, 2, 3], V = [4, 5, 6, 7];
    const losses = await estimateHeadLosses(model, {
      train: Array.from({ length: Number(fx.metadata.super_epochs) }, () => [A]),
      held: [V],
      load: (idx) => Promise.resolve(idx[0] === 0 ? batchOf(gpu, fx) : held()),
      sgd: sgdOf(fx),
    });
    for (const [k, l] of losses.entries()) {
      const got = [l.trainFirst, l.heldFirst, l.trainLast, l.heldLast];
      assertClose(got, fx.get(`head_losses.${k}`), SCALARS, `head ${k} losses`);
    }
    const w = blendFromLosses(losses);
    assertClose(w, fx.get("weights"), { atol: 1e-4, rtol: 1e-3 }, "blend weights");
    blendWeightsOf(model).write(fx.get("weights")); // the steps from the reference's weights
    for (let it = 0; it < Number(fx.metadata.iterations); it++) {
      using _ = new Scope(gpu);
      const loss = gblendStep(model, batchOf(gpu, fx), { sgd: sgdOf(fx) });
      assertClose(await loss.read(), fx.get(`loss.${it}`), SCALARS, `loss ${it}`);
    }
    await compareState(model, fx); // the copies left the model as it was
    model.destroy();
  },
);

gpuTest(
  "LFM matches PyTorch: the weight's hypergradient (double backward there), its step, two steps",
  async (gpu) => {
    const fx = await fixture("train_lfm");
    const model = lfmModel(JointModel.create(gpu, new Rng(0), options(fx)), Number(fx.metadata.a1));
    await loadState(model, (n) => fx.find(`init.${n}`));
    const held = () => batchOf(gpu, fx, "held_");
    // the central difference against the exact H v (within 1 % here), and a1 = 0.3 - 0.01 g
    const r = await updateAlpha(model, held(), { epoch: 1, lrAlpha: Number(fx.metadata.lr_alpha) });
    assertClose([r.gradient], fx.get("alpha_gradient"), { atol: 0, rtol: 1e-2 }, "mean(H v)");
    assertClose(r.alpha, fx.get("alpha"), { atol: 2e-3, rtol: 0 }, "a after its step");
    const want = fx.get("alpha");
    setAlpha(model, [want[0], want[1]]); // the steps from the reference's weights
    for (let it = 0; it < Number(fx.metadata.iterations); it++) {
      using _ = new Scope(gpu);
      const r = lfmStep(model, batchOf(gpu, fx), { sgd: sgdOf(fx) });
      const got = [(await r.ce.read())[0], (await r.alignment.read())[0]];
      assertClose(got, fx.get(`loss.${it}`), SCALARS, `losses ${it}`);
    }
    await compareState(model, fx);
    model.destroy();
  },
);
