/**
 * The AV-Digits experiment behind the README's numbers: for each seed, each method with
 * configs/av_digits.json (default: audio alone, the strong modality; naive joint training; AUG;
 * any registered method by name), then the means.
 *   deno task bench:avdigits [--seeds 0,1,2] [--methods unimodal,naive,aug,ogm-ge] [--set key=value]...
 *                            [--json FILE]
 * Accuracy is the mean of the last three epochs (test accuracy swings between epochs; the
 * best epoch is listed too).
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "../pipelines/env.ts";
import { planRun, runPlan, timeStamp } from "../pipelines/cli.ts";
import { avDigitsEntry } from "../pipelines/data/av_digits.ts";
import type { EpochRecord } from "../pipelines/train/record.ts";
import { command } from "../pipelines/command.ts";
import { methodFor } from "../pipelines/train/methods/registry.ts";
import { provenance } from "./provenance.ts";
import { METHOD_LABELS } from "./tables.ts";

await command(import.meta.url);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seeds: { type: "string", default: "0,1,2" },
    out: { type: "string", default: `runs/av-digits-seeds-${timeStamp()}` },
    methods: { type: "string", default: "unimodal,naive,aug" },
    set: { type: "string", multiple: true, default: [] },
    json: { type: "string" },
  },
});
const config = new URL("../configs/av_digits.json", import.meta.url).pathname;
const gpu = await openGpu(envDevice(false));
const tail = (h: EpochRecord[], f: (r: EpochRecord) => number) =>
  h.slice(-3).reduce((s, r) => s + f(r), 0) / Math.min(3, h.length);
const runs = values.methods.split(",").map((m) =>
  [METHOD_LABELS[methodFor(m).name] ?? m, m] as const
);
const results: Record<
  string,
  { seed: number; fused: number; audio: number; visual: number; best: number; cls: string }[]
> = {};
const pct = (x: number) => (100 * x).toFixed(1);
console.log(`adapter: ${gpu.adapterName}`);
for (const seed of values.seeds.split(",").map(Number)) {
  for (const [label, method] of runs) {
    const plan = await planRun(avDigitsEntry, [
      "--config",
      config,
      "--out",
      join(values.out, `s${seed}-${method}`),
      `--set=method=${method}`,
      `--set=seed=${seed}`,
      `--set=data.seed=${seed}`,
      ...values.set.map((x) => `--set=${x}`),
    ]);
    const r = await runPlan(gpu, avDigitsEntry, plan, { log: () => {}, progress: false });
    const h = r.history, m = h[0].test.modalities.length;
    const row = {
      seed,
      fused: tail(h, (e) => e.test.fused.acc),
      audio: tail(h, (e) => e.test.modalities[0].acc),
      visual: m > 1 ? tail(h, (e) => e.test.modalities[1].acc) : NaN,
      best: r.best.acc,
      cls: h[h.length - 1].classifiers.join("/") || "-",
    };
    (results[label] ??= []).push(row);
    console.log(
      `seed ${seed} ${label.padEnd(12)} fused ${pct(row.fused)} audio ${pct(row.audio)} visual ${
        m > 1 ? pct(row.visual) : "-"
      } best ${pct(row.best)} classifiers ${row.cls}`,
    );
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  "\n| method | fused acc | audio acc | visual acc | best epoch acc | classifiers (per seed) |\n|---|---|---|---|---|---|",
);
for (const [label] of runs) {
  const r = results[label];
  const v = mean(r.map((x) => x.visual));
  console.log(
    `| ${label} | ${pct(mean(r.map((x) => x.fused)))} | ${pct(mean(r.map((x) => x.audio)))} | ${
      Number.isNaN(v) ? "-" : pct(v)
    } | ${pct(mean(r.map((x) => x.best)))} | ${r.map((x) => x.cls).join(", ")} |`,
  );
}
if (values.json) {
  const out = {
    ...await provenance(gpu.adapterName, "bench:avdigits"),
    config: "configs/av_digits.json",
    accuracy: "mean of the last three epochs' test accuracy; best: the best epoch's",
    methods: Object.fromEntries(
      runs.map(([label, method]) => [method, { label, seeds: results[label] }]),
    ),
  };
  await Deno.writeTextFile(values.json, JSON.stringify(out, null, 2) + "\n");
}
Deno.exit(0);
