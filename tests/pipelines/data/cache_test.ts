import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { gpuTest, rejected } from "../../_helpers.ts";
import { makeCremaFixture } from "../../_datasets.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope } from "../../../kernels/tensor.ts";
import { cremaSplits } from "../../../pipelines/data/cremad.ts";
import { encodeWav16 } from "../../../pipelines/data/wav.ts";
import { encodeJpeg } from "../../../pipelines/data/jpeg.ts";

const SMALL = { rate: 8000, seconds: 1, shortSide: 0, size: 32, frames: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Open the CREMA-D splits of `root`, collecting the log. */
async function open(gpu: Parameters<typeof cremaSplits>[0], root: string, logs: string[]) {
  return await cremaSplits(gpu, { root, settings: SMALL, log: (l) => logs.push(l) });
}
const prepared = (logs: string[]) => logs.filter((l) => l.includes("preparing")).length;

gpuTest(
  "the cache is keyed on the sources' contents: same-name fixes and cp -p replacements rebuild it",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    await makeCremaFixture(root, { perClass: 1 });
    const bad = join(root, "Image-01-FPS", "1002_DFA_HAP_XX", "00000.jpg");
    const good = await Deno.readFile(bad);
    await Deno.writeFile(bad, new Uint8Array([0xff, 0xd8, 1, 2, 3])); // corrupt JPEG
    await sleep(1100); // files older than a second: their hashes can be remembered
    const logs: string[] = [];
    assertEquals((await open(gpu, root, logs)).train.labels.length, 5);
    // unchanged sources: the remembered hashes vouch for every file, nothing is read
    await open(gpu, root, logs);
    assertEquals(prepared(logs), 2);
    if (logs.some((l) => l.includes("hashed"))) throw new Error(logs.join("\n"));
    // the corrupt frame replaced by a good one under the same name
    await Deno.writeFile(bad, good);
    assertEquals((await open(gpu, root, logs)).train.labels.length, 6);
    assertEquals(prepared(logs), 3, "the fixed JPEG did not rebuild the train cache");
    // a WAV replaced by another of the same size, its modification time restored (cp -p)
    const wav = join(root, "AudioWAV", "1001_DFA_NEU_XX.wav");
    const info = await Deno.stat(wav);
    const spec0 = async () => {
      const { train } = await open(gpu, root, logs);
      using _ = new Scope(gpu);
      const [spec] = await train.inputs(gpu, [0], false, new Rng(0));
      return Array.from(await spec.read());
    };
    const before = await spec0();
    const other = encodeWav16(
      Float32Array.from({ length: (info.size - 44) / 2 }, (_, i) => 0.5 * Math.sin(i / 3)),
      16000,
    );
    assertEquals(other.length, info.size);
    await sleep(1100); // a later second, as any real replacement is
    await Deno.writeFile(wav, other);
    await Deno.utime(wav, info.atime!, info.mtime!);
    assertEquals((await Deno.stat(wav)).mtime, info.mtime);
    const n = prepared(logs);
    const after = await spec0();
    assertEquals(prepared(logs), n + 1, "the replaced WAV did not rebuild the train cache");
    if (JSON.stringify(after) === JSON.stringify(before)) throw new Error("old samples kept");
    // a file touched but not changed is hashed again, and the cache kept
    await Deno.utime(wav, new Date(), new Date());
    await open(gpu, root, logs);
    assertEquals(prepared(logs), n + 1, "an unchanged file rebuilt the cache");
    if (!logs.some((l) => /train: hashed 1 changed source files/.test(l))) {
      throw new Error(logs.join("\n"));
    }
    await Deno.remove(root, { recursive: true });
  },
);

gpuTest("damaged cached tensors are an error naming the file and the sample", async (gpu) => {
  const root = await Deno.makeTempDir();
  await makeCremaFixture(root, { perClass: 1 });
  const { train } = await open(gpu, root, []);
  const path = train.cache.path;
  const [at, values] = train.cache.index.entries[2].spec;
  train.cache.close();
  // random bytes over sample 2's spectrogram
  const f = await Deno.open(path, { write: true });
  await f.seek(at + 10, Deno.SeekMode.Start);
  await f.write(crypto.getRandomValues(new Uint8Array(Math.min(64, values))));
  f.close();
  const again = await open(gpu, root, []);
  using _ = new Scope(gpu);
  await again.train.inputs(gpu, [0, 1], false, new Rng(0)); // undamaged samples still read
  const msg = await rejected(Promise.resolve(again.train.inputs(gpu, [2], false, new Rng(0))));
  assertEquals(
    msg,
    `${path}: the cached spectrogram of sample 1003_DFA_SAD_XX fails its checksum (the file is ` +
      "damaged); delete it and it is prepared again on the next start",
  );
  // a damaged index is not a cache: it is prepared again
  again.train.cache.close();
  const bytes = await Deno.readFile(path);
  bytes[bytes.length - 40] ^= 0xff; // inside the JSON index
  await Deno.writeFile(path, bytes);
  const logs: string[] = [];
  await open(gpu, root, logs);
  if (!logs.some((l) => l.includes("(not a complete cache: the index fails its checksum)"))) {
    throw new Error(logs.join("\n"));
  }
  await Deno.remove(root, { recursive: true });
});

gpuTest(
  "a killed build's temporary file is swept; skips are counted by reason and listed in a file",
  async (gpu) => {
    const root = await Deno.makeTempDir();
    await makeCremaFixture(root);
    const cacheDir = join(root, ".mmboost-cache");
    await Deno.mkdir(cacheDir);
    const dead = new Deno.Command("true").spawn();
    await dead.status;
    const temp = join(cacheDir, `.crema-train.mmbc.${dead.pid}-0123456789ab.tmp`);
    await Deno.writeFile(temp, new Uint8Array(1 << 20));
    const audio = join(root, "AudioWAV");
    await Deno.writeFile(join(audio, "1003_DFA_SAD_XX.wav"), new TextEncoder().encode("ID3 mp3"));
    const cut = join(audio, "1004_DFA_FEA_XX.wav");
    await Deno.writeFile(cut, (await Deno.readFile(cut)).subarray(0, 30)); // cut in its fmt chunk
    await Deno.remove(join(root, "Image-01-FPS", "1005_DFA_DIS_XX"), { recursive: true });
    const frame = join(root, "Image-01-FPS", "1006_DFA_ANG_XX", "00001.jpg");
    await Deno.writeFile(frame, encodeJpeg({ width: 4, height: 4, data: new Uint8Array(48) }));
    await Deno.writeFile(frame, (await Deno.readFile(frame)).subarray(0, 20));
    const logs: string[] = [];
    const { train } = await open(gpu, root, logs);
    assertEquals(train.labels.length, 8);
    if (!logs.some((l) => l.includes("removed 1 temporary file(s) of a killed write (1.0 MiB)"))) {
      throw new Error(logs.join("\n"));
    }
    assertEquals(await Deno.stat(temp).then(() => true, () => false), false);
    const summary = logs.find((l) => l.includes("crema-d/train: skipped 4 of 12")) ?? "";
    for (const want of ["2 audio unreadable", "1 frame folder missing", "1 frame unreadable"]) {
      if (!summary.includes(want)) throw new Error(`no "${want}" in: ${summary}`);
    }
    const list = (await Deno.readTextFile(`${train.cache.path}.skipped.txt`)).trim().split("\n");
    assertEquals(list.length, 4);
    const byName = Object.fromEntries(list.map((l) => l.split("\t")));
    assertEquals(Object.keys(byName).sort(), [
      "1003_DFA_SAD_XX",
      "1004_DFA_FEA_XX",
      "1005_DFA_DIS_XX",
      "1006_DFA_ANG_XX",
    ]);
    if (!list.find((l) => l.startsWith("1004"))!.includes(`${cut}: header truncated`)) {
      throw new Error(list.join("\n"));
    }
    await Deno.remove(root, { recursive: true });
  },
);
