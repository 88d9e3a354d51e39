/**
 * The README's AV-Digits method table from a swept results tree: each run of the plan, each seed,
 * the mean of its last three epochs' fused and per-modality test accuracy, its best epoch's and
 * its final classifier counts, in the file `avDigitsTable` renders (bench/results/).
 *   deno run -A bench/experiment_table.ts results/table1_avdigits --json FILE [--commit C]
 * --commit names the commit the tree was trained at (default: this checkout's HEAD). Only a tree
 * whose every run x seed finished is taken.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { command } from "../pipelines/command.ts";
import { readHistory } from "../pipelines/train/record.ts";
import type { EpochRecord } from "../pipelines/train/record.ts";
import { readSafetensorsMetadata } from "../pipelines/io/safetensors.ts";
import { savedPlan, treeStates } from "../pipelines/experiment/tree.ts";
import { provenance } from "./provenance.ts";
import { type AvDigitsResults, METHOD_LABELS } from "./tables.ts";

await command(import.meta.url);
const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { json: { type: "string" }, commit: { type: "string" } },
  allowPositionals: true,
});
if (positionals.length !== 1 || !values.json) {
  throw new Error("give one results tree and --json FILE");
}
const root = positionals[0], plan = await savedPlan(root);
if (!plan) throw new Error(`${root}: not a results tree (no plan.json)`);
const tasks = await treeStates(plan, root);
for (const t of tasks) {
  const state = t.state;
  if (state !== "finished") {
    throw new Error(`${t.dir}: ${state}, not finished; finish the sweep first`);
  }
}
const tail = (h: EpochRecord[], f: (r: EpochRecord) => number) =>
  h.slice(-3).reduce((s, r) => s + f(r), 0) / Math.min(3, h.length);
const methods: AvDigitsResults["methods"] = {};
let adapter = "?";
for (const t of tasks) {
  const h = await readHistory(join(t.dir, "metrics.jsonl"));
  const meta = await readSafetensorsMetadata(join(t.dir, "last.safetensors"));
  adapter = JSON.parse(meta.mmboost).adapter;
  const M = h[0].test.modalities.length;
  const row = {
    seed: t.seed,
    fused: tail(h, (e) => e.test.fused.acc),
    audio: tail(h, (e) => e.test.modalities[0].acc),
    visual: M > 1 ? tail(h, (e) => e.test.modalities[1].acc) : null,
    best: Math.max(...h.map((e) => e.test.fused.acc)),
    cls: h[h.length - 1].classifiers.join("/") || "-",
  };
  (methods[t.run.id] ??= { label: METHOD_LABELS[t.run.method] ?? t.run.id, seeds: [] }).seeds.push(
    row,
  );
}
const made = await provenance(adapter, "experiment");
const out: AvDigitsResults = {
  ...made,
  commit: values.commit ?? made.commit,
  adapter,
  command: `deno task experiment configs/experiments/${plan.name}.json`,
  config: plan.config,
  methods,
};
await Deno.writeTextFile(values.json, JSON.stringify(out, null, 2) + "\n");
console.log(`${values.json}: ${tasks.length} runs x seeds of ${plan.name}`);
