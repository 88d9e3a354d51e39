import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  readSafetensors,
  type StoredTensor,
  writeSafetensors,
} from "../../../pipelines/io/safetensors.ts";
import { sweepTemp } from "../../../pipelines/io/atomic.ts";

Deno.test("a checkpoint write killed midway leaves a file that loads", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/last.safetensors`;
  const small = new Map<string, StoredTensor>([["w", {
    dtype: "F32",
    shape: [4],
    data: Float32Array.of(1, 2, 3, 4),
  }]]);
  await writeSafetensors(path, small, { epoch: "0" });
  // a second process rewrites a 32 MB checkpoint in a loop; kill it with SIGKILL mid-write
  const module = new URL("../../../pipelines/io/safetensors.ts", import.meta.url).href;
  const code = `import { writeSafetensors } from ${JSON.stringify(module)};
const big = new Map([["w", { dtype: "F32", shape: [8 << 20], data: new Float32Array(8 << 20).fill(7) }]]);
for (let i = 1; ; i++) await writeSafetensors(${JSON.stringify(path)}, big, { epoch: String(i) });`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await new Promise((r) => setTimeout(r, 1500));
  child.kill("SIGKILL");
  await child.status;
  const f = await readSafetensors(path); // throws if truncated
  // the killed writer's temporary file is swept on the next start
  const temps = async () => {
    const out = [];
    for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".tmp")) out.push(e.name);
    return out;
  };
  const left = await temps();
  const swept = await sweepTemp(dir);
  assertEquals(swept.removed.length, left.length);
  assertEquals(await temps(), []);
  const w = f.tensors.get("w")!;
  if (f.metadata.epoch === "0") assertEquals(Array.from(w.data), [1, 2, 3, 4]);
  else assertEquals([w.shape[0], w.data[w.data.length - 1]], [8 << 20, 7]);
  await Deno.remove(dir, { recursive: true });
});
