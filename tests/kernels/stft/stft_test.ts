import { assertClose, fixture, gpuTest, randn, thrown } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope, Tensor } from "../../../kernels/tensor.ts";
import { logStft, stftFrames } from "../../../kernels/stft/stft.ts";

/** float64 direct DFT of the librosa-style centred, Hann-windowed STFT: log(|S| + 1e-7). */
function stftRef(x: Float32Array, N: number, hop: number): Float64Array {
  const L = x.length, F = stftFrames(L, hop), bins = N / 2 + 1;
  const out = new Float64Array(bins * F);
  for (let f = 0; f < F; f++) {
    for (let k = 0; k < bins; k++) {
      let re = 0, im = 0;
      for (let n = 0; n < N; n++) {
        let j = f * hop + n - N / 2;
        if (j < 0) j = -j;
        if (j > L - 1) j = 2 * (L - 1) - j;
        const v = (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N)) * x[j];
        re += v * Math.cos((2 * Math.PI * k * n) / N);
        im -= v * Math.sin((2 * Math.PI * k * n) / N);
      }
      out[k * F + f] = Math.log(Math.hypot(re, im) + 1e-7);
    }
  }
  return out;
}

gpuTest(
  "log-STFT matches a float64 direct DFT on random clips (two clips, odd length, small n_fft)",
  async (gpu) => {
    const rng = new Rng(90);
    using _ = new Scope(gpu);
    for (const [C, L, N, hop] of [[2, 301, 64, 23], [3, 500, 128, 100], [1, 1000, 512, 353]]) {
      const x = randn(rng, C * L, 0.3);
      const s = await logStft(Tensor.from(gpu, x, [C, L]), N, hop).read();
      const F = stftFrames(L, hop), per = (N / 2 + 1) * F;
      for (let c = 0; c < C; c++) {
        assertClose(
          s.subarray(c * per, (c + 1) * per),
          stftRef(x.subarray(c * L, (c + 1) * L), N, hop),
          { atol: 2e-4, rtol: 1e-4 },
          `clip ${c} of [${C},${L}] N ${N}`,
        );
      }
    }
  },
);

gpuTest(
  "log-STFT of real speech matches torch.stft (librosa-style): max abs log error 1e-3 where |S| > 1e-3",
  async (gpu) => {
    const fx = await fixture("stft_speech");
    using _ = new Scope(gpu);
    const x = fx.get("x");
    const got = await logStft(Tensor.from(gpu, x, [1, x.length])).read();
    const want = fx.get("logmag"), mag = fx.get("magnitude");
    if (got.length !== want.length) {
      throw new Error(`shape: ${got.length} vs ${want.length} (${fx.shape("logmag")})`);
    }
    let worst = 0;
    for (let i = 0; i < got.length; i++) {
      if (mag[i] > 1e-3) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    if (!(worst < 1e-3)) throw new Error(`max abs error of the log magnitude ${worst}`);
    console.log(
      `speech STFT [${fx.shape("logmag")}]: max abs log-magnitude error ${
        worst.toExponential(2)
      } where |S| > 1e-3`,
    );
  },
);

gpuTest("log-STFT refuses clips too short for reflect padding", (gpu) => {
  const msg = thrown(() => logStft(Tensor.zeros(gpu, [1, 100]), 512, 353));
  if (!msg.includes("too short")) throw new Error(`unclear: ${msg}`);
});
