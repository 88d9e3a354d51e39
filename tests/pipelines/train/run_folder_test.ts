import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { gpuTest, rejected } from "../../_helpers.ts";
import { syntheticSplit } from "../../_synthetic.ts";
import { DEFAULT_CONFIG, type Json, mergeConfig } from "../../../pipelines/train/config.ts";
import { train, trainBatches } from "../../../pipelines/train/trainer.ts";
import { snapshot } from "../../_files.ts";

const tiny = (o: Record<string, Json> = {}) =>
  mergeConfig(
    mergeConfig(DEFAULT_CONFIG, {
      epochs: 2,
      batchSize: 8,
      model: { width: 2, hidden: 8 },
      aug: { aca: { every: 1 } },
    }),
    o,
  );
const data = () => ({
  train: syntheticSplit("synthetic/train", 24, 3, 1),
  test: syntheticSplit("synthetic/test", 12, 3, 2),
});
const quiet = { log: () => {}, progress: false };

gpuTest(
  "a folder holding a run is refused without overwrite, left byte-identical, replaced with it",
  async (gpu) => {
    const dir = await Deno.makeTempDir();
    await train({ gpu, config: tiny(), ...data(), runDir: dir, ...quiet });
    const before = await snapshot(dir);
    const msg = await rejected(
      train({ gpu, config: tiny({ epochs: 1 }), ...data(), runDir: dir, ...quiet }),
    );
    if (!msg.includes(`${dir}: already holds a run`) || !msg.includes(`--resume ${dir}`)) {
      throw new Error(msg);
    }
    assertEquals(await snapshot(dir), before, "the refused run changed the folder");
    // a resume whose model does not fit the checkpoint fails before writing anything
    const wide = await rejected(
      train({
        gpu,
        config: tiny({ epochs: 3, model: { width: 4 } }),
        ...data(),
        runDir: dir,
        resume: true,
        files: { "run.json": "{}" },
        ...quiet,
      }),
    );
    if (!wide.includes("last.safetensors")) throw new Error(wide);
    assertEquals(await snapshot(dir), before, "the failed resume changed the folder");
    // --overwrite: the old run's files go, the new run's come
    await Deno.writeFile(join(dir, "plots", "stale.svg"), new Uint8Array(3));
    const run = await train({
      gpu,
      config: tiny({ epochs: 1, method: "naive" }),
      ...data(),
      runDir: dir,
      overwrite: true,
      ...quiet,
    });
    assertEquals(run.history.length, 1);
    const lines = (await Deno.readTextFile(join(dir, "metrics.jsonl"))).trim().split("\n");
    assertEquals(lines.length, 1);
    const plots = [];
    for await (const e of Deno.readDir(join(dir, "plots"))) plots.push(e.name);
    assertEquals(plots.sort(), ["accuracy.svg", "loss.svg"]);
    await Deno.remove(dir, { recursive: true });
  },
);

gpuTest("resuming a folder without a checkpoint is a clear error", async (gpu) => {
  const dir = await Deno.makeTempDir();
  const msg = await rejected(
    train({ gpu, config: tiny(), ...data(), runDir: dir, resume: true, ...quiet }),
  );
  if (!msg.includes("no checkpoint yet") || msg.includes("ENOENT")) throw new Error(msg);
  await Deno.remove(dir, { recursive: true });
});

gpuTest(
  "a diverged run stops naming the epoch as logged and a checkpoint that exists",
  async (gpu) => {
    const dir = await Deno.makeTempDir();
    const diverged = /^epoch (\d+): (training loss became|test logits diverged: \d+ of \d+ logits)/;
    // one good epoch, then resumed with a learning rate that blows the weights up
    await train({ gpu, config: tiny({ epochs: 1 }), ...data(), runDir: dir, ...quiet });
    const msg = await rejected(
      train({
        gpu,
        config: tiny({ epochs: 3, optimizer: { lr: 1e4 } }),
        ...data(),
        runDir: dir,
        resume: true,
        ...quiet,
      }),
    );
    if (diverged.exec(msg)?.[1] !== "2") throw new Error(msg);
    if (!msg.includes(`last good state: ${join(dir, "last.safetensors")} (the end of epoch 1`)) {
      throw new Error(msg);
    }
    // diverging in the first epoch: no checkpoint to name (NaN logits; NaN loss)
    for (const lr of [1e4, 1e20]) {
      const first = await rejected(
        train({
          gpu,
          config: tiny({ epochs: 3, optimizer: { lr } }),
          ...data(),
          runDir: join(dir, `lr${lr}`),
          ...quiet,
        }),
      );
      if (diverged.exec(first)?.[1] !== "1" || !first.includes("no checkpoint yet")) {
        throw new Error(first);
      }
    }
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test("an epoch's last batch of one sample is left out, no other", () => {
  const order = Array.from({ length: 18 }, (_, i) => i);
  assertEquals(trainBatches(order.slice(0, 17), 8).map((b) => b.length), [8, 8]);
  assertEquals(trainBatches(order.slice(0, 18), 8).map((b) => b.length), [8, 8, 2]);
  assertEquals(trainBatches(order.slice(0, 16), 8).map((b) => b.length), [8, 8]);
  assertEquals(trainBatches(order.slice(0, 3), 8).map((b) => b.length), [3]);
});

gpuTest("a split whose last batch would hold one sample trains, saying so once", async (gpu) => {
  const dir = await Deno.makeTempDir();
  const lines: string[] = [];
  const run = await train({
    gpu,
    config: tiny({ epochs: 2 }),
    train: syntheticSplit("synthetic/train", 17, 3, 1),
    test: syntheticSplit("synthetic/test", 12, 3, 2),
    runDir: dir,
    log: (l) => lines.push(l),
    progress: false,
  });
  assertEquals(run.history.length, 2);
  const said = lines.filter((l) => l.includes("leave a last batch of 1 sample"));
  assertEquals(said.length, 1);
  await Deno.remove(dir, { recursive: true });
});
