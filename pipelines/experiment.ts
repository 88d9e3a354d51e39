/**
 * `deno task experiment PLAN [--data DIR] [--out DIR] [--replan]`: every run of an experiment
 * plan (configs/experiments/*.json) in a results tree OUT/<plan>/<run>/seed<N>/, skipping finished
 * runs and resuming interrupted ones, then OUT/<plan>/report.md and report.html (one
 * self-contained page with the table and the curves; pipelines/experiment/).
 *
 * options:
 *   --data DIR   the dataset folder (AV-Digits is embedded and needs none)
 *   --out DIR    the results root (default results/)
 *   --replan     continue a tree made with an earlier version of the plan (changed runs restart)
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { openGpu } from "../kernels/variants/device.ts";
import { envDevice } from "./env.ts";
import { command } from "./command.ts";
import { ENTRIES } from "./entries.ts";
import { parsePlan } from "./experiment/plan.ts";
import { sweep } from "./experiment/sweep.ts";
import { sweepSummary } from "./experiment/summary.ts";
import { sweepPage } from "./experiment/page.ts";
import { writeFileAtomic } from "./io/atomic.ts";

await command(import.meta.url);

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string" },
    out: { type: "string", default: "results" },
    replan: { type: "boolean", default: false },
  },
  allowPositionals: true,
  strict: true,
});
if (positionals.length !== 1) throw new Error("give one plan file (configs/experiments/*.json)");
const file = positionals[0];
const text = await Deno.readTextFile(file).catch(() => {
  throw new Error(`${file}: no such plan file`);
});
let json;
try {
  json = JSON.parse(text);
} catch (e) {
  throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
}
const plan = parsePlan(json, file, Object.keys(ENTRIES));
const gpu = await openGpu(envDevice(true));
console.error(
  `${plan.name}: ${plan.runs.length} runs x ${plan.seeds.length} seeds, ${gpu.adapterName}`,
);
const runs = await sweep({
  gpu,
  plan,
  entry: ENTRIES[plan.dataset],
  dataDir: values.data,
  out: values.out,
  replan: values.replan,
  log: (l) => console.error(l),
});
const report = join(values.out, plan.name, "report.md"),
  page = join(values.out, plan.name, "report.html");
await writeFileAtomic(report, new TextEncoder().encode(await sweepSummary(plan, runs)));
await writeFileAtomic(page, new TextEncoder().encode(await sweepPage(plan, runs)));
console.log(`report: ${report}, ${page}`);
await gpu.destroy();
Deno.exit(0);
