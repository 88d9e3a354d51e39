/**
 * A sweep's Markdown summary (OUT/<plan>/report.md): per run of the plan, over its seeds, the mean
 * and spread of the best epoch's fused accuracy, macro-F1 and mAP, the last epoch's fused
 * accuracy and each modality's accuracy at the best epoch, beside the paper's number and the
 * difference; then the per-folder table of `deno task report`.
 */
import { readHistory } from "../train/record.ts";
import { reportRuns } from "../report.ts";
import type { EpochRecord } from "../train/record.ts";
import { join } from "node:path";
import type { Plan } from "./plan.ts";
import type { SweepRun } from "./sweep.ts";

/** "mean ± sd" in % of values in [0, 1] (sd over seeds, n - 1; none for one seed). */
export function meanSpread(xs: number[]): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return (100 * m).toFixed(2);
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return `${(100 * m).toFixed(2)} ± ${(100 * sd).toFixed(2)}`;
}

const best = (h: EpochRecord[]) =>
  h.reduce((b, r) => (r.test.fused.acc >= b.test.fused.acc ? r : b));

/** The summary of a finished sweep. */
export async function sweepSummary(plan: Plan, runs: SweepRun[]): Promise<string> {
  const lines = [
    `# ${plan.table}`,
    "",
    `Plan \`${plan.name}\`: ${plan.dataset}, ${plan.config}, seeds ${plan.seeds.join(", ")}` +
    (plan.set.length ? `, ${plan.set.map((s) => `\`${s}\``).join(" ")}` : "") +
    ". Test accuracy in %, mean ± sd over seeds; best: the best epoch's, last: the last epoch's.",
    "",
    "| run | method | best acc | macro-F1 | mAP | last acc | per-modality acc (best) | paper | diff |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of plan.runs) {
    const hs = await Promise.all(
      runs.filter((x) => x.run.id === r.id).map((x) => readHistory(join(x.dir, "metrics.jsonl"))),
    );
    const bests = hs.map(best), lasts = hs.map((h) => h[h.length - 1]);
    const M = bests[0].test.modalities.length;
    const perModality = Array.from(
      { length: M },
      (_, m) => meanSpread(bests.map((b) => b.test.modalities[m].acc)),
    );
    const mean = bests.reduce((a, b) => a + b.test.fused.acc, 0) / bests.length;
    lines.push(`| ${
      [
        r.id,
        r.method,
        meanSpread(bests.map((b) => b.test.fused.acc)),
        meanSpread(bests.map((b) => b.test.fused.f1)),
        meanSpread(bests.map((b) => b.test.fused.mAP)),
        meanSpread(lasts.map((b) => b.test.fused.acc)),
        perModality.join(" / "),
        r.paper?.toFixed(2) ?? "-",
        r.paper === undefined ? "-" : (100 * mean - r.paper).toFixed(2),
      ].join(" | ")
    } |`);
  }
  lines.push("", "## Runs", "", await reportRuns(runs.map((x) => x.dir)), "");
  return lines.join("\n");
}
