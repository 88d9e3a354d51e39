import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { rejected } from "../../_helpers.ts";
import {
  readSafetensors,
  type StoredTensor,
  writeSafetensors,
} from "../../../pipelines/io/safetensors.ts";
import { sweepTemp, writeAll, writeFileAtomic } from "../../../pipelines/io/atomic.ts";

const sample = () =>
  new Map<string, StoredTensor>([["w", { dtype: "F32", shape: [2], data: Float32Array.of(1, 2) }]]);

Deno.test("atomic writes replace the file whole and leave no temporary behind", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/model.safetensors`;
  await writeSafetensors(path, sample(), { v: "1" });
  await writeSafetensors(path, sample(), { v: "2" });
  assertEquals((await readSafetensors(path)).metadata, { v: "2" });
  // a write that fails midway (target is a directory) leaves the old file and no temporaries
  await Deno.mkdir(`${dir}/blocked`);
  let failed = false;
  try {
    await writeFileAtomic(`${dir}/blocked`, new Uint8Array(10));
  } catch {
    failed = true;
  }
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  await Deno.remove(dir, { recursive: true });
  if (!failed) throw new Error("writing over a directory should fail");
  assertEquals(names.sort(), ["blocked", "model.safetensors"]);
});

Deno.test("a full disk names the file being written", async () => {
  // /dev/full answers every write with ENOSPC, as a full disk does
  const f = await Deno.open("/dev/full", { write: true });
  try {
    const msg = await rejected(writeAll(f, new Uint8Array(1 << 16), "/runs/x/last.safetensors"));
    if (!msg.startsWith("/runs/x/last.safetensors: ") || !/No space left/i.test(msg)) {
      throw new Error(msg);
    }
  } finally {
    f.close();
  }
});

Deno.test("temporary files of killed writers are swept; a live writer's are kept", async () => {
  const dir = await Deno.makeTempDir();
  // a writer that is gone: a child process that exited
  const child = new Deno.Command("true").spawn();
  const gone = child.pid;
  await child.status;
  // a writer that runs: a sleeping child
  const live = new Deno.Command("sleep", { args: ["30"] }).spawn();
  const names = [
    `.last.safetensors.${gone}-0123456789ab.tmp`,
    `.crema-train.mmbc.${gone}-aaaaaaaaaaaa.tmp`,
    `.crema-train.mmbc.${live.pid}-bbbbbbbbbbbb.tmp`,
    `.config.json.${Deno.pid}-cccccccccccc.tmp`,
    "last.safetensors",
    ".hidden.tmp",
  ];
  for (const n of names) await Deno.writeFile(join(dir, n), new Uint8Array(1000));
  const cacheOnly = await sweepTemp(dir, "crema-train.mmbc");
  assertEquals(cacheOnly.removed, [join(dir, names[1])]);
  assertEquals(cacheOnly.bytes, 1000);
  const all = await sweepTemp(dir);
  assertEquals(all.removed, [join(dir, names[0])]);
  const left = [];
  for await (const e of Deno.readDir(dir)) left.push(e.name);
  assertEquals(left.sort(), [names[2], names[3], names[4], names[5]].sort());
  live.kill("SIGKILL");
  await live.status;
  assertEquals((await sweepTemp(dir)).removed, [join(dir, names[2])]);
  await Deno.remove(dir, { recursive: true });
});
