/** The log-magnitude STFT of a batch of equal-length clips (see stft_forward.wgsl). */
import src from "./stft_forward.wgsl" with { type: "text" };
import { expectShape, Tensor } from "../tensor.ts";
import type { Gpu } from "../runtime/gpu.ts";

const kernel = { name: "stft_forward", code: src };
const twiddles = new WeakMap<Gpu, Map<number, Tensor>>();

/** cos/sin of 2 pi m / N, uploaded once per device and size. */
function twiddle(gpu: Gpu, N: number): Tensor {
  let byN = twiddles.get(gpu);
  if (!byN) twiddles.set(gpu, byN = new Map());
  let t = byN.get(N);
  if (!t) {
    const d = new Float32Array(2 * N);
    for (let m = 0; m < N; m++) {
      d[2 * m] = Math.cos((2 * Math.PI * m) / N);
      d[2 * m + 1] = Math.sin((2 * Math.PI * m) / N);
    }
    t = Tensor.from(gpu, d, [N, 2]).persist();
    byN.set(N, t);
  }
  return t;
}

/** Frames of a centred STFT: 1 + floor(L / hop). */
export function stftFrames(length: number, hop: number): number {
  return 1 + Math.floor(length / hop);
}

/** log(|STFT| + 1e-7) of clips x [C, L] -> [C, nFft/2 + 1, frames] (Hann, reflect-centred). */
export function logStft(x: Tensor, nFft = 512, hop = 353): Tensor {
  expectShape(x, "stft input", 2);
  const [C, L] = x.shape;
  if (L <= nFft / 2) {
    throw new Error(
      `stft: clips of ${L} samples are too short for n_fft ${nFft} (reflect padding)`,
    );
  }
  if ((nFft & (nFft - 1)) !== 0) throw new Error(`stft: n_fft ${nFft} must be a power of two`);
  const F = stftFrames(L, hop), bins = nFft / 2 + 1;
  const out = Tensor.empty(x.gpu, [C, bins, F]);
  x.gpu.dispatch(
    kernel,
    [x.range, twiddle(x.gpu, nFft).range, out.range],
    { u: [L, nFft, hop, F] },
    [
      Math.ceil(F / 64),
      Math.ceil(bins / 8),
      C,
    ],
  );
  return out;
}
