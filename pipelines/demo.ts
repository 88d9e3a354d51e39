/**
 * The demo: naive joint training and AUG on AV-Digits (embedded data: real MNIST digits paired
 * with spoken digits), on whatever WebGPU adapter is present, then a side-by-side table.
 *   deno task demo [--seed N] [--set key=value]... [--out DIR]
 * Settings: configs/av_digits.json. Under 15 minutes on a 2-core CPU with the software adapter.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { planRun, runPlan, timeStamp } from "./cli.ts";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "./env.ts";
import { avDigitsEntry } from "./data/av_digits.ts";
import type { RunSummary } from "./train/trainer.ts";
import { formatSeconds } from "./io/progress.ts";
import { command } from "./command.ts";

await command(import.meta.url);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "0" },
    set: { type: "string", multiple: true, default: [] },
    out: { type: "string" },
  },
});
const config = new URL("../configs/av_digits.json", import.meta.url).pathname;
const out = values.out ?? join("runs", `demo-s${values.seed}-${timeStamp()}`);
const gpu = await openGpu(envDevice(false));
console.error(`AV-Digits demo on ${gpu.adapterName}: naive joint training, then AUG -> ${out}`);
const runs: [string, RunSummary][] = [];
for (const method of ["naive", "aug"]) {
  const plan = await planRun(avDigitsEntry, [
    "--config",
    config,
    "--out",
    join(out, method),
    `--set=method=${method}`,
    `--set=seed=${values.seed}`,
    `--set=data.seed=${values.seed}`,
    ...values.set.map((s) => `--set=${s}`),
  ]);
  runs.push([
    method,
    await runPlan(gpu, avDigitsEntry, plan, { log: (l) => console.error(`${method}: ${l}`) }),
  ]);
}
const pct = (x: number) => (100 * x).toFixed(1).padStart(5);
const lines = [
  "| method | fused acc (last 3 epochs) | audio acc | visual acc | best fused (epoch) | classifiers | time |",
  "|---|---|---|---|---|---|---|",
];
for (const [method, r] of runs) {
  const tail = r.history.slice(-3),
    mean = (f: (e: (typeof tail)[0]) => number) => tail.reduce((s, e) => s + f(e), 0) / tail.length;
  const last = r.history[r.history.length - 1];
  lines.push(
    `| ${method} | ${pct(mean((e) => e.test.fused.acc))} | ${
      pct(mean((e) => e.test.modalities[0].acc))
    } | ${pct(mean((e) => e.test.modalities[1].acc))} | ` +
      `${pct(r.best.acc)} (${r.best.epoch + 1}) | ${last.classifiers.join("/") || "1 joint"} | ${
        formatSeconds(r.history.reduce((s, e) => s + e.seconds, 0))
      } |`,
  );
}
console.log(`\nAV-Digits, seed ${values.seed}, ${gpu.adapterName}\n\n${lines.join("\n")}\n`);
console.log(`plots: ${join(out, "naive", "plots")}/*.svg and ${join(out, "aug", "plots")}/*.svg`);
await gpu.destroy(); // shut the adapter down before the process exits
Deno.exit(0);
