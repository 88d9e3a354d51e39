import { thrown } from "../../_helpers.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { decodeWav, encodeWav16 } from "../../../pipelines/data/wav.ts";
import { resample } from "../../../pipelines/data/resample.ts";
import { fixedLength } from "../../../pipelines/data/audio.ts";

/** A WAV header + data for any format (for decoder tests). */
function wav(
  format: number,
  channels: number,
  rate: number,
  bits: number,
  data: Uint8Array,
  extensible = false,
): Uint8Array {
  const fmtSize = extensible ? 40 : 16;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + data.length);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) =>
    [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  put(0, "RIFF");
  v.setUint32(4, out.length - 8, true);
  put(8, "WAVE");
  put(12, "fmt ");
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, extensible ? 0xfffe : format, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint16(34, bits, true);
  if (extensible) v.setUint16(44, format, true); // the sub-format GUID (at fmt body + 24) starts with the format
  const d = 20 + fmtSize;
  put(d, "data");
  v.setUint32(d + 4, data.length, true);
  out.set(data, d + 8);
  return out;
}

Deno.test("WAV: 16-bit, 24-bit, 32-bit float, stereo to mono, extensible", () => {
  const i16 = new Uint8Array(new Int16Array([16384, -32768]).buffer);
  assertEquals(Array.from(decodeWav(wav(1, 1, 8000, 16, i16)).samples), [0.5, -1]);
  const i24 = Uint8Array.of(0x00, 0x00, 0x40, 0x00, 0x00, 0xc0); // 0.5, -0.5
  assertEquals(Array.from(decodeWav(wav(1, 1, 8000, 24, i24)).samples), [0.5, -0.5]);
  const f32 = new Uint8Array(new Float32Array([0.25, -0.75]).buffer);
  assertEquals(Array.from(decodeWav(wav(3, 1, 8000, 32, f32)).samples), [0.25, -0.75]);
  const stereo = new Uint8Array(new Int16Array([16384, 0, -16384, -16384]).buffer);
  const s = decodeWav(wav(1, 2, 8000, 16, stereo));
  assertEquals([s.channels, Array.from(s.samples)], [2, [0.25, -0.5]]);
  assertEquals(Array.from(decodeWav(wav(1, 1, 8000, 16, i16, true)).samples), [0.5, -1]);
  const round = decodeWav(encodeWav16(Float32Array.of(0.5, -0.25), 22050));
  assertEquals([round.sampleRate, Array.from(round.samples)], [22050, [0.5, -0.25]]);
});

Deno.test("WAV: errors name the file and the problem", () => {
  const good = encodeWav16(new Float32Array(100), 16000);
  const cases: [Uint8Array, string][] = [
    [new TextEncoder().encode("ID3 this is an mp3"), "not a RIFF/WAVE file"],
    [good.subarray(0, 60), "truncated"],
    [wav(2, 1, 8000, 4, new Uint8Array(8)), "unsupported encoding (format 2"],
    [wav(1, 1, 8000, 12, new Uint8Array(8)), "unsupported encoding"],
  ];
  for (const [bytes, want] of cases) {
    const msg = thrown(() => decodeWav(bytes, "AudioWAV/1001_DFA_ANG_XX.wav"));
    if (!msg.startsWith("AudioWAV/1001_DFA_ANG_XX.wav: ") || !msg.includes(want)) {
      throw new Error(`got "${msg}"`);
    }
  }
});

Deno.test("WAV: a header cut inside the fmt chunk names the file and says so", () => {
  const good = encodeWav16(new Float32Array(100), 16000);
  for (const cut of [24, 30, 35]) {
    const msg = thrown(() => decodeWav(good.subarray(0, cut), "AudioWAV/a.wav"));
    if (!msg.startsWith("AudioWAV/a.wav: header truncated inside the fmt chunk")) {
      throw new Error(`cut at ${cut}: "${msg}"`);
    }
  }
  const ext = wav(1, 1, 8000, 16, new Uint8Array(4), true);
  const msg = thrown(() => decodeWav(ext.subarray(0, 40), "b.wav"));
  if (!msg.startsWith("b.wav: header truncated inside the fmt chunk")) throw new Error(msg);
});

Deno.test("WAV: a data size of 0xFFFFFFFF (written to a pipe) reads to the end of the file", () => {
  const i16 = new Uint8Array(new Int16Array([16384, -32768, 8192]).buffer);
  const piped = wav(1, 1, 8000, 16, i16);
  const v = new DataView(piped.buffer);
  v.setUint32(4, 0xffffffff, true); // RIFF size too, as ffmpeg leaves it
  v.setUint32(40, 0xffffffff, true);
  assertEquals(Array.from(decodeWav(piped).samples), [0.5, -1, 0.25]);
  // an odd trailing byte is not half a sample
  const odd = new Uint8Array(piped.length + 1);
  odd.set(piped);
  assertEquals(decodeWav(odd).samples.length, 3);
  // any other size beyond the end is still a truncated file
  v.setUint32(40, 1000, true);
  if (!thrown(() => decodeWav(piped, "c.wav")).includes("truncated file")) {
    throw new Error("a short data chunk was accepted");
  }
});

Deno.test("resampling 16 kHz -> 22.05 kHz keeps a band-limited signal to 2e-5 of full scale", () => {
  const from = 16000, to = 22050, secs = 1;
  const tones = [[220, 0.3], [1000, 0.2], [3500, 0.2], [7000, 0.1]]; // up to 0.875 of 8 kHz
  const sig = (t: number) =>
    tones.reduce((s, [f, a]) => s + a * Math.sin(2 * Math.PI * f * t + f), 0);
  const x = Float32Array.from({ length: from * secs }, (_, i) => sig(i / from));
  const y = resample(x, from, to);
  assertEquals(y.length, to * secs);
  let worst = 0;
  const margin = Math.round(0.05 * to); // zero-extended edges are not band-limited
  for (let i = margin; i < y.length - margin; i++) {
    worst = Math.max(worst, Math.abs(y[i] - sig(i / to)));
  }
  if (!(worst < 2e-5)) throw new Error(`max abs error ${worst}`);
  console.log(`resample 16k->22.05k: max abs error ${worst.toExponential(2)} (full scale 1)`);
  // downsampling removes what the new rate cannot hold: a 10 kHz tone at 44.1k -> 16k vanishes
  const hi = Float32Array.from(
    { length: 44100 },
    (_, i) => Math.sin((2 * Math.PI * 10000 * i) / 44100),
  );
  const down = resample(hi, 44100, 16000);
  const rms = Math.sqrt(
    down.slice(800, -800).reduce((s, v) => s + v * v, 0) / (down.length - 1600),
  );
  if (!(rms < 1e-3)) throw new Error(`aliasing: rms ${rms}`);
});

Deno.test("fixed length: resample, tile to the length, cut, clip to [-1, 1]", () => {
  const audio = { sampleRate: 4, samples: Float32Array.of(0.5, 2, -3, 0.25), channels: 1 };
  assertEquals(Array.from(fixedLength(audio, 4, 2.5)), [
    0.5,
    1,
    -1,
    0.25,
    0.5,
    1,
    -1,
    0.25,
    0.5,
    1,
  ]);
});
