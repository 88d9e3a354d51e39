/**
 * Band-limited resampling by windowed sinc (the method of soxr/resampy-class resamplers,
 * evaluated directly): y[n] = sum_k x[k] h(n * in/out - k), h(t) = fc sinc(fc t) w(t), with
 * cutoff fc = 0.96 * min(1, out/in) of the input Nyquist and a Kaiser window (beta 10) over 64
 * zero crossings of the cutoff on each side, tabulated (512 points per crossing, linear
 * interpolation). Edges are zero-extended.
 * Measured against exact sines, 16 kHz -> 22.05 kHz (tests/pipelines/data/audio_test.ts and
 * the figures in README): max abs error about 1e-6 of full scale for tones up to 7 kHz
 * (0.875 of the input Nyquist); a 7.5 kHz tone is attenuated 6.5 % (transition band), as in
 * soxr's high-quality setting, whose passband ends at 0.91. About 0.2 s for a 20 s clip.
 */

const ROLLOFF = 0.96, ZEROS = 64, BETA = 10;

function besselI0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

const STEPS = 512; // table entries per zero crossing (linear interpolation between them)
let table: Float64Array | null = null;

/** sinc(u) * kaiser(u / ZEROS) for u = |t| * fc in [0, ZEROS], tabulated. */
function kernelTable(): Float64Array {
  if (table) return table;
  table = new Float64Array(ZEROS * STEPS + 2);
  const i0b = besselI0(BETA);
  for (let j = 0; j < table.length; j++) {
    const u = j / STEPS, r = u / ZEROS;
    const w = r >= 1 ? 0 : besselI0(BETA * Math.sqrt(1 - r * r)) / i0b;
    table[j] = (u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u)) * w;
  }
  return table;
}

/** Resample mono `x` from rate `from` to rate `to`. */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (!(from > 0 && to > 0)) throw new Error(`resample: bad rates ${from} -> ${to}`);
  if (from === to) return x.slice();
  const h = kernelTable();
  const ratio = from / to; // input samples per output sample
  const fc = ROLLOFF * Math.min(1, to / from); // cutoff relative to the input Nyquist
  const half = ZEROS / fc; // half-width in input samples
  const n = Math.floor((x.length * to) / from);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i * ratio;
    const k0 = Math.max(0, Math.ceil(t - half)), k1 = Math.min(x.length - 1, Math.floor(t + half));
    let s = 0;
    for (let k = k0; k <= k1; k++) {
      const p = Math.abs(t - k) * fc * STEPS, j = Math.floor(p), f = p - j;
      s += x[k] * (h[j] + f * (h[j + 1] - h[j]));
    }
    y[i] = s * fc;
  }
  return y;
}
