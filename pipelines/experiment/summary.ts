/**
 * A sweep's Markdown summary (OUT/<plan>/report.md): per run of the plan, over its seeds, the mean
 * and spread of the best epoch's fused accuracy, macro-F1 and mAP, the last epoch's fused
 * accuracy, each modality's accuracy and the fused accuracy with a modality missing (each rate)
 * at the best epoch, beside the paper's number and the difference; then the per-folder table of `deno task report`.
 */
import { readHistory } from "../train/record.ts";
import { reportRuns } from "../report.ts";
import type { EpochRecord } from "../train/record.ts";
import { join } from "node:path";
import type { Plan, PlanRun } from "./plan.ts";
import type { SweepRun } from "./sweep.ts";

/** "mean ± sd" in % of values in [0, 1] (sd over seeds, n - 1; none for one seed). */
export function meanSpread(xs: number[]): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return (100 * m).toFixed(2);
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return `${(100 * m).toFixed(2)} ± ${(100 * sd).toFixed(2)}`;
}

/** The best epoch of a run (by fused test accuracy; the later of equals). */
export const bestEpoch = (h: EpochRecord[]) =>
  h.reduce((b, r) => (r.test.fused.acc >= b.test.fused.acc ? r : b));

/** The table's column heads (after run and method), `rates` the missing-modality rates. */
export function scoreHeads(rates: number[]): string[] {
  return [
    "best acc",
    "macro-F1",
    "mAP",
    "last acc",
    "per-modality acc (best)",
    ...rates.map((r) => `missing ${100 * r} % (best)`),
    "paper",
    "diff",
  ];
}

/** One plan run's cells under `scoreHeads`, from its seeds' histories. */
export function scoreCells(r: PlanRun, hs: EpochRecord[][]): string[] {
  const bests = hs.map(bestEpoch), lasts = hs.map((h) => h[h.length - 1]);
  const M = bests[0].test.modalities.length;
  const mean = bests.reduce((a, b) => a + b.test.fused.acc, 0) / bests.length;
  return [
    meanSpread(bests.map((b) => b.test.fused.acc)),
    meanSpread(bests.map((b) => b.test.fused.f1)),
    meanSpread(bests.map((b) => b.test.fused.mAP)),
    meanSpread(lasts.map((b) => b.test.fused.acc)),
    Array.from({ length: M }, (_, m) => meanSpread(bests.map((b) => b.test.modalities[m].acc)))
      .join(" / "),
    ...bests[0].test.missing.map((_, i) => meanSpread(bests.map((b) => b.test.missing[i].acc))),
    r.paper?.toFixed(2) ?? "-",
    r.paper === undefined ? "-" : (100 * mean - r.paper).toFixed(2),
  ];
}

/** The seeds' histories of each plan run, in the plan's order. */
export async function histories(plan: Plan, runs: SweepRun[]): Promise<EpochRecord[][][]> {
  return await Promise.all(plan.runs.map((r) =>
    Promise.all(
      runs.filter((x) => x.run.id === r.id).map((x) => readHistory(join(x.dir, "metrics.jsonl"))),
    )
  ));
}

/** The summary of a finished sweep. */
export async function sweepSummary(plan: Plan, runs: SweepRun[]): Promise<string> {
  const hs = await histories(plan, runs);
  const heads = ["run", "method", ...scoreHeads(hs[0][0][0].test.missing.map((m) => m.rate))];
  const lines = [
    `# ${plan.table}`,
    "",
    `Plan \`${plan.name}\`: ${plan.dataset}, ${plan.config}, seeds ${plan.seeds.join(", ")}` +
    (plan.set.length ? `, ${plan.set.map((s) => `\`${s}\``).join(" ")}` : "") +
    ". Test accuracy in %, mean ± sd over seeds; best: the best epoch's, last: the last epoch's.",
    "",
    `| ${heads.join(" | ")} |`,
    `|${"---|".repeat(heads.length)}`,
    ...plan.runs.map((r, i) => `| ${[r.id, r.method, ...scoreCells(r, hs[i])].join(" | ")} |`),
  ];
  lines.push("", "## Runs", "", await reportRuns(runs.map((x) => x.dir)), "");
  return lines.join("\n");
}
