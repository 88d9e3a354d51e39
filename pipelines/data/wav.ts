/**
 * WAV (RIFF/WAVE) decoding to mono float32: PCM 8 (unsigned), 16, 24 and 32-bit integers,
 * IEEE float 32/64, also inside WAVE_FORMAT_EXTENSIBLE; multi-channel audio is averaged to
 * mono. Errors name the file and what is wrong (not RIFF, a header cut short, no fmt/data
 * chunk, an unsupported encoding, a data chunk shorter than declared). A data chunk of size
 * 0xFFFFFFFF (written to a pipe: the size was never filled in) runs to the end of the file.
 */

/** Decoded audio. */
export interface Audio {
  /** Samples per second. */
  sampleRate: number;
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
  /** Channels in the file (the samples are averaged to mono). */
  channels: number;
}

const PCM = 1, FLOAT = 3, EXTENSIBLE = 0xfffe;
/** The data size a writer that cannot seek back leaves: read to the end of the file. */
const STREAMING = 0xffffffff;

/** Decode WAV bytes; `source` names the file in errors. */
export function decodeWav(bytes: Uint8Array, source = "<bytes>"): Audio {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") fail("not a RIFF/WAVE file");
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  let data: Uint8Array | null = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at), size = view.getUint32(at + 4, true), body = at + 8;
    if (id === "fmt ") {
      if (size < 16) fail(`fmt chunk of ${size} bytes is too short`);
      if (body + 16 > bytes.length) {
        fail(`header truncated inside the fmt chunk (${bytes.length} bytes in all)`);
      }
      let format = view.getUint16(body, true);
      if (format === EXTENSIBLE && size >= 26) {
        if (body + 26 > bytes.length) fail("header truncated inside the fmt chunk's extension");
        format = view.getUint16(body + 24, true); // sub-format GUID
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      if (size === STREAMING && body + size > bytes.length) {
        // written to a pipe (ffmpeg, streaming recorders): the size was never filled in
        data = bytes.subarray(body);
        break;
      }
      if (body + size > bytes.length) {
        fail(
          `data chunk declares ${size} bytes but only ${
            bytes.length - body
          } follow (truncated file)`,
        );
      }
      data = bytes.subarray(body, body + size);
    }
    at = body + size + (size & 1);
  }
  if (!fmt) return fail("no fmt chunk");
  if (!data) return fail("no data chunk");
  const { format, channels, rate, bits } = fmt;
  if (channels < 1) fail("0 channels");
  if (rate < 1) fail("sample rate 0");
  const ok = (format === PCM && [8, 16, 24, 32].includes(bits)) ||
    (format === FLOAT && [32, 64].includes(bits));
  if (!ok) {
    fail(
      `unsupported encoding (format ${format}, ${bits} bits); expected PCM 8/16/24/32 or float 32/64`,
    );
  }
  const width = bits / 8, frame = width * channels;
  const frames = Math.floor(data.length / frame);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = (o: number): number => {
    if (format === FLOAT) return bits === 32 ? dv.getFloat32(o, true) : dv.getFloat64(o, true);
    switch (bits) {
      case 8:
        return (dv.getUint8(o) - 128) / 128;
      case 16:
        return dv.getInt16(o, true) / 32768;
      case 24:
        return (dv.getUint8(o) | (dv.getUint8(o + 1) << 8) | (dv.getInt8(o + 2) << 16)) / 8388608;
      default:
        return dv.getInt32(o, true) / 2147483648;
    }
  };
  const samples = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += read(i * frame + c * width);
    samples[i] = s / channels;
  }
  return { sampleRate: rate, samples, channels };
}

/** Encode mono float samples as 16-bit PCM WAV (used by fixture generators). */
export function encodeWav16(samples: Float32Array, sampleRate: number): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) =>
    [...s].forEach((ch, i) => v.setUint8(at + i, ch.charCodeAt(0)));
  put(0, "RIFF");
  v.setUint32(4, 36 + samples.length * 2, true);
  put(8, "WAVE");
  put(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, PCM, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  put(36, "data");
  v.setUint32(40, samples.length * 2, true);
  samples.forEach((s, i) =>
    v.setInt16(44 + 2 * i, Math.max(-32768, Math.min(32767, Math.round(s * 32768))), true)
  );
  return out;
}
