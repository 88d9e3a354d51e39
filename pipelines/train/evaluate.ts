/**
 * Test-set evaluation: every modality's logits for every sample, read back once, then the
 * fused prediction (sum_m w_m z_m), each modality alone, and missing-modality runs.
 *
 * Missing modality at rate p: a seeded p of the test samples each lose one modality (chosen
 * at random), whose input is replaced by zeros. In eval mode batch norm uses its running
 * statistics, so an all-zero input gives the same logits for every sample: they are computed
 * once per modality and substituted, with no second pass over the data.
 */
import { Rng } from "../../kernels/init/init.ts";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { Scope, Tensor } from "../../kernels/tensor.ts";
import { noGrad } from "../../kernels/autograd/node.ts";
import { JointModel } from "../models/multimodal.ts";
import type { Model, SampleFusion } from "./methods/method.ts";
import { batches } from "./dataset.ts";
import type { SplitData } from "../data/split.ts";
import { scoreLogits, type Scores } from "./metrics.ts";

/** Results of one evaluation. */
export interface EvalResult {
  /** Scores of the fused logits. */
  fused: Scores;
  /** Scores of each modality's logits. */
  modalities: Scores[];
  /** Fused scores when that fraction of test samples loses one modality. */
  missing: ({ rate: number } & Scores)[];
}

/** Per-modality eval logits of a batch (AUG: z_all; joint: x_m w_m^T + b/M; shared head). */
function modalityLogits(model: Model, inputs: Tensor[]): Tensor[] {
  return model instanceof JointModel
    ? model.logits(inputs, false).perModality
    : model.logits(inputs, false);
}

/** Options of `evaluate`. */
export interface EvalOptions {
  /** Samples per evaluation batch. */
  batchSize: number;
  /** Fusion weights per modality (joint models use ones: their per-modality logits sum to the fused ones). */
  weights: number[];
  /** Fractions of samples that lose one modality (its input zeroed). */
  missingRates: number[];
  /** Seed of which samples lose which modality. */
  seed: number;
  /** Weights per sample instead of `weights` (MLA), over chunks of `batchSize` samples. */
  fusion?: SampleFusion;
}

/**
 * Scores `model` on `data`: accuracy, macro-F1 and mAP, fused, per modality and with missing
 * modalities.
 */
export async function evaluate(
  gpu: Gpu,
  model: Model,
  data: SplitData,
  o: EvalOptions,
): Promise<EvalResult> {
  const M = data.modalities.length, K = data.classes, N = data.labels.length;
  const rng = new Rng(o.seed); // eval randomness never touches the training stream
  using _ = new Scope(gpu);
  const all = Array.from({ length: M }, () => Tensor.empty(gpu, [N, K]));
  let row = 0;
  for (const idx of batches(Array.from({ length: N }, (_, i) => i), o.batchSize)) {
    using _b = new Scope(gpu);
    const inputs = await data.inputs(gpu, idx, false, rng);
    const z = noGrad(() => modalityLogits(model, inputs));
    const enc = gpu.encoder();
    z.forEach((t, m) =>
      enc.copyBufferToBuffer(t.buffer, t.offset, all[m].buffer, row * K * 4, t.byteSize)
    );
    row += idx.length;
  }
  const zeros = data.sampleShapes.map((s) => Tensor.zeros(gpu, [1, ...s]));
  const zeroLogits = noGrad(() => modalityLogits(model, zeros));
  const read = await gpu.read([...all.map((t) => t.range), ...zeroLogits.map((t) => t.range)]);
  const logits = read.slice(0, M), blank = read.slice(M);
  const fuse = (drop: Int32Array | null) => {
    const out = new Float64Array(N * K);
    const row = (m: number, i: number) =>
      drop && drop[i] === m ? blank[m].subarray(0, K) : logits[m].subarray(i * K, i * K + K);
    for (let i0 = 0; i0 < N; i0 += o.batchSize) {
      const n = Math.min(o.batchSize, N - i0);
      const w = o.fusion
        ? o.fusion(
          Array.from({ length: M }, (_, m) => {
            const z = new Float32Array(n * K);
            for (let i = 0; i < n; i++) z.set(row(m, i0 + i), i * K);
            return z;
          }),
          n,
          K,
        )
        : null;
      for (let i = i0; i < i0 + n; i++) {
        for (let m = 0; m < M; m++) {
          const src = row(m, i), wm = w ? w[i - i0][m] : o.weights[m];
          for (let k = 0; k < K; k++) out[i * K + k] += wm * src[k];
        }
      }
    }
    return out;
  };
  const missing = o.missingRates.map((rate) => {
    const drop = new Int32Array(N).fill(-1);
    for (let i = 0; i < N; i++) if (rng.uniform() < rate) drop[i] = rng.int(M);
    return { rate, ...scoreLogits(data.labels, fuse(drop), K) };
  });
  return {
    fused: scoreLogits(data.labels, fuse(null), K),
    modalities: logits.map((z) => scoreLogits(data.labels, z, K)),
    missing,
  };
}
