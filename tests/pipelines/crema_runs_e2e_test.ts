import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { rejected, runEntry } from "../_helpers.ts";
import { makeCremaFixture, TINY_CREMA_ARGS } from "../_datasets.ts";
import { snapshot } from "../_files.ts";
import { exists } from "../../pipelines/io/files.ts";

Deno.test({
  name: "train:crema keeps run folders: refuses --out on a run, resumes only what fits the run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir();
    const run = (args: string[]) => runEntry("crema", args, join(root, "autotune.json"));
    const data = join(root, "crema"), out = join(root, "run");
    await makeCremaFixture(data);
    await run(["--data", data, "--set=epochs=1", ...TINY_CREMA_ARGS, "--out", out]);
    const before = await snapshot(out);
    const again = await rejected(
      run(["--data", data, "--set=epochs=1", ...TINY_CREMA_ARGS, "--out", out]),
    );
    for (const want of [`${out}: already holds a run`, `--resume ${out}`, "another --out"]) {
      if (!again.includes(want)) throw new Error(`no "${want}" in: ${again}`);
    }
    const wider = await rejected(run(["--resume", out, "--set=model.width=8"]));
    if (!wider.includes(`"model.width" was 2 in its run.json, the overrides make it 8`)) {
      throw new Error(wider);
    }
    const hop = await rejected(run(["--resume", out, "--set=data.hop=100"]));
    if (!hop.includes(`"data.hop" was 353`)) throw new Error(hop);
    // --config on a resume is an override under the same rules
    const shipped = new URL("../../configs/crema_cpu.json", import.meta.url).pathname;
    const conf = await rejected(run(["--resume", out, "--config", shipped]));
    if (!conf.includes(`"data.rate" was 8000`)) throw new Error(conf);
    const both = await rejected(run(["--resume", out, "--out", join(root, "other")]));
    if (!both.includes("--resume and --out")) throw new Error(both);
    assertEquals(await snapshot(out), before, "a refused command changed the run folder");
    const longer = join(root, "longer.json");
    await Deno.writeTextFile(longer, JSON.stringify({ train: { epochs: 2 } }));
    const resumed = await run(["--resume", out, "--config", longer]);
    if (!resumed.includes("resume: epochs: 1 -> 2") || !resumed.includes("epoch 2/2")) {
      throw new Error(resumed);
    }
    const lines = (await Deno.readTextFile(join(out, "metrics.jsonl"))).trim().split("\n");
    assertEquals(lines.map((l) => JSON.parse(l).epoch), [0, 1]);
    // a folder with a run.json but no finished epoch
    const early = join(root, "early");
    await Deno.mkdir(early);
    await Deno.copyFile(join(out, "run.json"), join(early, "run.json"));
    const none = await rejected(run(["--resume", early]));
    if (!none.includes("no checkpoint yet") || none.includes("ENOENT")) throw new Error(none);
    const empty = await rejected(run(["--resume", join(root, "nothing")]));
    if (!empty.includes("not a run folder (no run.json)")) throw new Error(empty);
    // --overwrite starts afresh in the same folder
    await run(["--data", data, "--set=epochs=1", ...TINY_CREMA_ARGS, "--out", out, "--overwrite"]);
    const fresh = (await Deno.readTextFile(join(out, "metrics.jsonl"))).trim().split("\n");
    assertEquals(fresh.length, 1);
    await Deno.remove(root, { recursive: true });
  },
});

Deno.test({
  name: "train:crema names every bad value with its key and range before any work starts",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = await Deno.makeTempDir();
    const data = join(root, "crema");
    await makeCremaFixture(data, { perClass: 1 });
    const cases: [string[], string][] = [
      [["--set=data.hop=0"], `"data.hop" must be an integer >= 1, got 0`],
      [["--set=data.nFft=0"], `"data.nFft" must be a power of two >= 2, got 0`],
      [["--set=data.nFft=300"], `"data.nFft" must be a power of two >= 2, got 300`],
      [["--set=data.seconds=0"], `"data.seconds" must be a number > 0, got 0`],
      [["--set=data.size=0"], `"data.size" must be an integer >= 1, got 0`],
      [["--set=data.frames=0"], `"data.frames" must be an integer >= 1, got 0`],
      [["--set=data.rate=0"], `"data.rate" must be an integer >= 1, got 0`],
      [["--set=data.shortSide=-5"], `"data.shortSide" must be an integer >= 0, got -5`],
      [["--set=data.seconds=0.01"], `too short for "data.nFft" 512`],
      [["--set=optimizer.momentum=-1"], `"optimizer.momentum" must be a number in [0, 1), got -1`],
      [["--set=scheduler.gamma=-5"], `"scheduler.gamma" must be a number in (0, 1], got -5`],
      [["--seed", "1.5"], `"seed" must be an integer in [0, 4294967295], got 1.5`],
    ];
    const messages = await Promise.all(cases.map(([args], i) =>
      rejected(
        runEntry(
          "crema",
          ["--data", data, ...args, "--out", join(root, `run${i}`)],
          join(root, "autotune.json"),
        ),
      )
    ));
    cases.forEach(([args, want], i) => {
      if (!messages[i].includes(want)) {
        throw new Error(`${args}: expected "${want}": ${messages[i]}`);
      }
    });
    // nothing was prepared or written
    assertEquals(await exists(join(data, ".mmboost-cache")), false);
    for (let i = 0; i < cases.length; i++) assertEquals(await exists(join(root, `run${i}`)), false);
    await Deno.remove(root, { recursive: true });
  },
});
