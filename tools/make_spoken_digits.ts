/**
 * Generates the spoken-digit clips of AV-Digits with espeak-ng (Debian: apt-get install
 * espeak-ng) and writes them, committed, to pipelines/data/av_digits/clips/{train,test}/.
 * Speakers (accent + voice variant) are split between train and test, so test speakers are
 * unseen; each speaker says every digit at two speeds, with a pitch drawn per clip. Clips are
 * resampled to 8 kHz, trimmed of leading/trailing silence and stored as 16-bit WAV.
 *
 *   deno run -A tools/make_spoken_digits.ts
 */
import { join } from "node:path";
import { Rng } from "../kernels/init/init.ts";
import { decodeWav, encodeWav16 } from "../pipelines/data/wav.ts";
import { resample } from "../pipelines/data/resample.ts";

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const SPEAKERS = {
  train: ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029"].flatMap((a) =>
    ["m1", "f2", "m3"].map((v) => `${a}+${v}`)
  ),
  test: ["en-gb-x-gbclan", "en-us-nyc", "en-gb-x-gbcwmd"].flatMap((a) =>
    ["f3", "m5"].map((v) => `${a}+${v}`)
  ),
};
const SPEEDS = [130, 190];
const RATE = 8000;
const out = new URL("../pipelines/data/av_digits/clips/", import.meta.url).pathname;

function trim(x: Float32Array): Float32Array {
  const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const thr = 0.02 * peak;
  let a = 0, b = x.length - 1;
  while (a < b && Math.abs(x[a]) < thr) a++;
  while (b > a && Math.abs(x[b]) < thr) b--;
  return x.slice(Math.max(0, a - 80), Math.min(x.length, b + 80));
}

const rng = new Rng(2025);
let count = 0, bytes = 0;
for (const [split, speakers] of Object.entries(SPEAKERS)) {
  await Deno.mkdir(join(out, split), { recursive: true });
  for (const speaker of speakers) {
    for (const speed of SPEEDS) {
      for (const [digit, word] of WORDS.entries()) {
        const pitch = 30 + rng.int(40);
        const tmp = await Deno.makeTempFile({ suffix: ".wav" });
        const r = await new Deno.Command("espeak-ng", {
          args: ["-v", speaker, "-s", String(speed), "-p", String(pitch), "-w", tmp, word],
        }).output();
        if (!r.success) {
          throw new Error(`espeak-ng -v ${speaker}: ${new TextDecoder().decode(r.stderr)}`);
        }
        const a = decodeWav(await Deno.readFile(tmp), tmp);
        await Deno.remove(tmp);
        const clip = trim(resample(a.samples, a.sampleRate, RATE));
        const wav = encodeWav16(clip, RATE);
        await Deno.writeFile(
          join(out, split, `${digit}_${speaker.replace("+", "-")}_s${speed}.wav`),
          wav,
        );
        count++;
        bytes += wav.length;
      }
    }
  }
}
console.log(`wrote ${count} clips, ${(bytes / 1e6).toFixed(2)} MB, to ${out}`);
