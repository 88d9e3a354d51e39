import { rejected, runEntry } from "../_helpers.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { makeCremaFixture, TINY_CREMA_ARGS } from "../_datasets.ts";
import { reportRuns } from "../../pipelines/experiment/runs_table.ts";

Deno.test({
  name: "train:crema runs one epoch on the generated CREMA-D folder, then resumes for a second",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir();
    const run = (args: string[]) => runEntry("crema", args, join(root, "autotune.json"));
    const data = join(root, "crema"), out = join(root, "run");
    await makeCremaFixture(data);
    const config = new URL("../../configs/crema_cpu.json", import.meta.url).pathname;
    const first = await run([
      "--data",
      data,
      "--config",
      config,
      "--set=epochs=1",
      ...TINY_CREMA_ARGS,
      "--set=aug.aca.every=1",
      "--out",
      out,
    ]);
    if (!first.includes("epoch 1/1")) throw new Error(first);
    const second = await run(["--resume", out, "--set=epochs=2"]);
    if (!second.includes("epoch 2/2") || second.includes("epoch 1/2")) throw new Error(second);
    const files = [];
    for await (const e of Deno.readDir(out)) files.push(e.name);
    assertEquals(files.sort(), [
      "best.safetensors",
      "config.json",
      "last.safetensors",
      "metrics.jsonl",
      "plots",
      "run.json",
      "summary.md",
    ]);
    const lines = (await Deno.readTextFile(join(out, "metrics.jsonl"))).trim().split("\n").map((
      l,
    ) => JSON.parse(l));
    assertEquals(lines.map((l) => l.epoch), [0, 1]);
    const run2 = JSON.parse(await Deno.readTextFile(join(out, "run.json")));
    assertEquals([run2.dataset, run2.train.epochs, run2.data.rate], ["crema-d", 2, 8000]);
    // the report puts the run beside the paper's number for CREMA-D AUG
    const table = await reportRuns([out]);
    if (!table.includes("| crema-d | aug | 0 |") || !table.includes("| 85.15 |")) {
      throw new Error(table);
    }
    // a config typo is an error naming the key
    const msg = await rejected(
      run(["--data", data, "--set=aug.lamda=0.3", "--out", join(root, "x")]),
    );
    if (!msg.includes(`unknown key "aug.lamda"`)) throw new Error(msg);
    await Deno.remove(root, { recursive: true });
  },
});
