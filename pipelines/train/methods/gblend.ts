/**
 * G-Blending (Wang et al., "What Makes Training Multi-modal Classification Networks Hard?",
 * CVPR 2020; read in GeWu-Lab/BalanceBenchmark's GBlending_trainer.py and its configs): joint
 * training with concatenation fusion on a blend of per-head losses,
 *   L = sum_m w_m CE(z_m, y) + w_f CE(z, y),
 * z_m = x_m W_m^T + b / M each modality's share of the fused logits z (its unimodal head, as
 * BalanceBenchmark reads one off the fused classifier), the weights kept on the GPU.
 *
 * Every `gblend.superEpochs` epochs (from epoch 0: the authors' online mode; a value of at least
 * `epochs` is their offline mode) the weights are re-estimated. For each head a copy of the model
 * (fresh momentum) trains that head's loss alone for `gblend.superEpochs` epochs on the training
 * split minus a held-out part V (`gblend.holdout` of it, drawn once from the seed and written to
 * the run folder as gblend_heldout.json); after its first and its last epoch the mean training
 * loss L_T (over that epoch's batches, as trained) and the mean loss on V, L_V, are taken. With
 * G = L_V(last) - L_V(first) and O = (L_V - L_T)(last) - (L_V - L_T)(first), the head's weight
 * is |G| / O^2, normalised over the heads: generalisation gained per squared overfitting.
 *
 * Against BalanceBenchmark: losses are means (it sums batch losses, so O mixes the two splits'
 * batch counts), the copy trains only the head's own encoder (it zeroes the other modalities'
 * inputs and trains through them), V is held out of the training split (it uses its validation
 * set), and the main run trains on the whole training split, as every method here does.
 */
import { join } from "node:path";
import { backward, noGrad } from "../../../kernels/autograd/node.ts";
import { crossEntropy } from "../../../kernels/loss/loss.ts";
import { accumulateTrainStats } from "../../../kernels/boosting/boosting.ts";
import { add, scaleBy } from "../../../kernels/elementwise/elementwise.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import type { ParameterSet, SgdOptions } from "../../../kernels/optim/parameters.ts";
import { JointModel } from "../../models/multimodal.ts";
import { loadState, readState } from "../../models/state.ts";
import { writeFileAtomic } from "../../io/atomic.ts";
import { batches, shuffled } from "../dataset.ts";
import { type Batch, stepSets } from "../steps.ts";
import type { Method, StartContext } from "./method.ts";

/** The blend weights [w_0 .. w_{M-1}, w_fused] the model holds. */
export function blendWeightsOf(model: JointModel): Tensor {
  const entry = model.methodState.find(([name]) => name === "gblend.weights");
  if (!entry) throw new Error("G-Blending: the model holds no blend weights");
  return entry[1];
}

/** A joint model holding equal blend weights (until the first estimate). */
export function gblendModel(model: JointModel): JointModel {
  const n = model.encoders.length + 1, gpu = model.fc.get("bias").gpu;
  const w = Tensor.from(gpu, new Array(n).fill(1 / n), [n]).persist();
  model.methodState.push(["gblend.weights", w]);
  return model;
}

/** Head k's logits (k < M: modality k's share of the fused logits; k = M: the fused ones). */
function headLogits(model: JointModel, batch: Batch, k: number, training: boolean): Tensor {
  const M = model.encoders.length;
  if (k === M) {
    return model.fused(model.encoders.map((e, m) => e.forward(batch.inputs[m], training)));
  }
  return model.share(model.encoders[k].forward(batch.inputs[k], training), k);
}

/** The parameter sets head k's loss trains. */
function headSets(model: JointModel, k: number): ParameterSet[] {
  return k === model.encoders.length ? model.allSets() : [model.encoders[k].trunk.params, model.fc];
}

/** Mean losses of one head's copy after its first and its last epoch. */
export interface HeadLosses {
  /** Mean training loss over the first epoch's batches, as trained. */
  trainFirst: number;
  /** Mean held-out loss after the first epoch. */
  heldFirst: number;
  /** Mean training loss over the last epoch's batches. */
  trainLast: number;
  /** Mean held-out loss after the last epoch. */
  heldLast: number;
}

/** |G| / O^2 of each head, normalised to sum 1. */
export function blendFromLosses(losses: HeadLosses[]): number[] {
  const raw = losses.map((l) => {
    const g = l.heldLast - l.heldFirst;
    const o = (l.heldLast - l.trainLast) - (l.heldFirst - l.trainFirst);
    return Math.abs(g) / Math.max(o * o, 1e-12);
  });
  const sum = raw.reduce((a, b) => a + b, 0);
  if (!(sum > 0) || !Number.isFinite(sum)) {
    throw new Error(
      `G-Blending: no usable weight from the heads' losses ${JSON.stringify(losses)}`,
    );
  }
  return raw.map((w) => w / sum);
}

/** What one estimate of the blend weights trains and measures on. */
export interface BlendEstimateOptions {
  /** Per epoch of the copies' training, its batches (of the training part). */
  train: number[][][];
  /** The held-out batches. */
  held: number[][];
  /** A batch's inputs and one-hot labels. */
  load(indices: number[]): Promise<Batch>;
  /** The copies' SGD settings (their momentum starts at zero). */
  sgd: SgdOptions;
}

/** Train a copy of `model` per head and return each head's losses (one readback per epoch). */
export async function estimateHeadLosses(
  model: JointModel,
  o: BlendEstimateOptions,
): Promise<HeadLosses[]> {
  const gpu = model.fc.get("bias").gpu, M = model.encoders.length;
  const state = await readState(model, false);
  const copy = JointModel.create(gpu, new Rng(0), model.options);
  const out: HeadLosses[] = [];
  try {
    for (let k = 0; k <= M; k++) {
      await loadState(copy, (n) => state.get(n), true);
      const measured: { train: number; held: number }[] = [];
      for (const [e, epochBatches] of o.train.entries()) {
        const sums = Tensor.zeros(gpu, [6]).persist();
        let trained = 0, held = 0;
        for (const idx of epochBatches) {
          using _ = new Scope(gpu);
          const batch = await o.load(idx);
          const z = headLogits(copy, batch, k, true);
          const loss = crossEntropy(z, batch.labels);
          backward(loss);
          stepSets(headSets(copy, k), o.sgd);
          accumulateTrainStats(sums, 0, z, batch.labels, loss);
          trained += idx.length;
          gpu.flush();
        }
        if (e === 0 || e === o.train.length - 1) {
          for (const idx of o.held) {
            using _ = new Scope(gpu);
            const batch = await o.load(idx);
            noGrad(() => {
              const z = headLogits(copy, batch, k, false);
              accumulateTrainStats(sums, 1, z, batch.labels, crossEntropy(z, batch.labels));
            });
            held += idx.length;
            gpu.flush();
          }
          const s = await sums.read();
          measured.push({ train: s[1] / trained, held: s[4] / held });
        }
        sums.dispose();
      }
      const [first, last] = [measured[0], measured[measured.length - 1]];
      out.push({
        trainFirst: first.train,
        heldFirst: first.held,
        trainLast: last.train,
        heldLast: last.held,
      });
    }
  } finally {
    copy.destroy();
  }
  return out;
}

/** The held-out part of n training samples: sorted indices, drawn from the seed alone. */
export function heldOut(n: number, fraction: number, seed: number): number[] {
  const count = Math.max(1, Math.round(n * fraction));
  if (count >= n) throw new Error(`gblend.holdout ${fraction} leaves no training sample of ${n}`);
  return shuffled(n, new Rng(seed * 7919 + 17)).slice(0, count).sort((a, b) => a - b);
}

/** At the epochs of an estimate: hold out V, train the copies, set the model's weights. */
async function startEpoch(model: JointModel, s: StartContext): Promise<void> {
  const c = s.config.gblend;
  if (s.epoch % c.superEpochs !== 0) return;
  const n = s.labels.length, held = heldOut(n, c.holdout, s.config.seed);
  const file = join(s.runDir, "gblend_heldout.json");
  const text = JSON.stringify({ seed: s.config.seed, holdout: c.holdout, samples: n, held });
  const before = await Deno.readTextFile(file).catch(() => null);
  if (before !== null && before !== text) {
    throw new Error(
      `${file}: the held-out part differs from this run's (changed data, seed or gblend.holdout?)`,
    );
  }
  if (before === null) await writeFileAtomic(file, new TextEncoder().encode(text));
  const isHeld = new Set(held), train = [...Array(n).keys()].filter((i) => !isHeld.has(i));
  const size = s.config.batchSize;
  const epochs = Array.from({ length: c.superEpochs }, () => {
    const order = shuffled(train.length, s.rng).map((i) => train[i]);
    return batches(order, size).filter((b) => b.length > 1);
  });
  const losses = await estimateHeadLosses(model, {
    train: epochs,
    held: batches(held, size),
    load: s.load,
    sgd: s.sgd,
  });
  blendWeightsOf(model).write(blendFromLosses(losses));
}

/** One G-Blending step; returns the fused loss. */
export function gblendStep(
  model: JointModel,
  batch: Batch,
  o: { sgd: SgdOptions; stats?: Tensor },
): Tensor {
  const y = batch.labels, M = model.encoders.length, w = blendWeightsOf(model);
  const features = model.encoders.map((e, m) => e.forward(batch.inputs[m], true));
  const z = model.fused(features);
  const loss = crossEntropy(z, y);
  let total = scaleBy(loss, w, M);
  model.shares(features).forEach((zm, m) => {
    total = add(total, scaleBy(crossEntropy(zm, y), w, m));
  });
  backward(total);
  stepSets(model.allSets(), o.sgd);
  if (o.stats) accumulateTrainStats(o.stats, 0, z, y, loss);
  return loss;
}

/** G-Blending on the joint (concatenation) model. */
export const GBLEND: Method = {
  name: "gblend",
  summary:
    "per-head losses blended by generalisation over overfitting on held-out data (Wang 2020)",
  create: (gpu, rng, o) => gblendModel(JointModel.create(gpu, rng, o)),
  startEpoch: (model, s) => startEpoch(model as JointModel, s),
  step(model, batch, s) {
    gblendStep(model as JointModel, batch, { sgd: s.sgd, stats: s.stats });
  },
  statRows: () => 1,
  fusionWeights: (_c, M) => new Array(M).fill(1),
};
