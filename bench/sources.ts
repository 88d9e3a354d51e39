/**
 * Sources bench: what keying the prepared cache on the sources' contents costs on a folder of
 * CREMA-D's size (7442 clips: a 2.5 s 16 kHz WAV of 80 KB and three 35 KB JPEG frames each,
 * 1.4 GB; random bytes, as only reading and hashing are timed). Rounds, medians of `--rounds`:
 * - stat only: what a key of names, sizes and modification times costs (stat every WAV, list
 *   every frame folder; the key before contents were hashed);
 * - remembered: the key from the memo beside the cache (stat every file, read none);
 * - read + hash: every file read and hashed (no memo, or every file changed: a folder copied);
 * - hash only: xxHash64 over the same bytes in memory (the extra cost while preparing, where
 *   the files are read anyway for decoding).
 * Files are in the page cache after the first round (a cold disk adds its read time).
 *
 *   deno task bench:sources [--clips 7442] [--rounds 3] [--json FILE]
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { type AvSample, sourcesKey } from "../pipelines/data/av_split.ts";
import { CREMA_SETTINGS } from "../pipelines/data/cremad.ts";
import { SourceHashes } from "../pipelines/data/sources.ts";
import { contentHash, hashesReady } from "../pipelines/io/hash.ts";
import { listJpegs } from "../pipelines/io/files.ts";
import { command } from "../pipelines/command.ts";
import { provenance } from "./provenance.ts";

await command(import.meta.url);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clips: { type: "string", default: "7442" },
    rounds: { type: "string", default: "3" },
    json: { type: "string" },
  },
});
await hashesReady();
const clips = Number(values.clips), rounds = Number(values.rounds);
const root = await Deno.makeTempDir({ prefix: "mmboost-sources-bench-" });
const wavBytes = 80_044, jpegBytes = 35_000;
const samples: AvSample[] = [];
let total = 0;
await Deno.mkdir(join(root, "AudioWAV"));
const random = (n: number) => {
  const bytes = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(bytes.subarray(o, o + 65536));
  return bytes;
};
for (let i = 0; i < clips; i++) {
  const name = `${1001 + (i % 91)}_S${i}_NEU_XX`;
  const wav = join(root, "AudioWAV", `${name}.wav`), frameDir = join(root, "Image-01-FPS", name);
  await Deno.writeFile(wav, random(wavBytes));
  await Deno.mkdir(frameDir, { recursive: true });
  for (let f = 0; f < 3; f++) {
    await Deno.writeFile(join(frameDir, `0000${f}.jpg`), random(jpegBytes));
  }
  samples.push({ name, label: 0, wav, frameDir });
  total += wavBytes + 3 * jpegBytes;
}
await new Promise((r) => setTimeout(r, 1100)); // older than a second: hashes can be remembered

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(f: () => unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}
const memo = join(root, "memo.json");
const rows: Record<string, number[]> = {
  "stat only": [],
  remembered: [],
  "read + hash": [],
  "hash only": [],
};
for (let r = 0; r < rounds; r++) {
  rows["stat only"].push(
    await time(async () => {
      for (const x of samples) {
        await Deno.stat(x.wav);
        await listJpegs(x.frameDir);
      }
    }),
  );
  await Deno.remove(memo).catch(() => {});
  const cold = await SourceHashes.open(memo);
  rows["read + hash"].push(await time(() => sourcesKey(samples, CREMA_SETTINGS, cold)));
  await cold.save();
  const warm = await SourceHashes.open(memo);
  rows.remembered.push(await time(() => sourcesKey(samples, CREMA_SETTINGS, warm)));
  if (warm.read.files !== 0) throw new Error(`the memo vouched for too little: ${warm.read.files}`);
  const bytes = random(total);
  rows["hash only"].push(
    await time(() => {
      for (let o = 0; o < total; o += wavBytes) contentHash(bytes.subarray(o, o + wavBytes));
    }),
  );
}
await Deno.remove(root, { recursive: true });

const gb = total / 1e9;
console.log(`${clips} clips, ${4 * clips} files, ${gb.toFixed(2)} GB; medians of ${rounds}`);
console.log("| key from | seconds | GB/s |\n|---|---|---|");
const result: Record<string, number> = {};
for (const [k, xs] of Object.entries(rows)) {
  result[k] = median(xs);
  const rate = k === "stat only" || k === "remembered" ? "-" : (gb / median(xs)).toFixed(2);
  console.log(`| ${k} | ${median(xs).toFixed(2)} | ${rate} |`);
}
if (values.json) {
  const out = {
    ...await provenance("none (the CPU only)", "bench:sources"),
    clips,
    bytes: total,
    seconds: result,
  };
  await Deno.writeTextFile(values.json, JSON.stringify(out, null, 2) + "\n");
}
