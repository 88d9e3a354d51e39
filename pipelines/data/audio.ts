/**
 * Audio preprocessing before the STFT, as the reference's datasets do it: resample to the
 * target rate, repeat (tile) the clip until it reaches the fixed length, cut to it, and clip
 * to [-1, 1].
 */
import { resample } from "./resample.ts";
import type { Audio } from "./wav.ts";

/** Samples at `rate`, tiled and cut to `seconds`, clipped to [-1, 1]. */
export function fixedLength(
  audio: Audio,
  rate: number,
  seconds: number,
  source = "<audio>",
): Float32Array {
  if (audio.samples.length === 0) throw new Error(`${source}: no samples`);
  const x = resample(audio.samples, audio.sampleRate, rate);
  if (x.length === 0) throw new Error(`${source}: too short to resample`);
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(-1, Math.min(1, x[i % x.length]));
  return out;
}
