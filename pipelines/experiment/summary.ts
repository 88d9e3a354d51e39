/**
 * A sweep's Markdown summary (OUT/<plan>/report.md): per run of the plan, over its seeds, the mean
 * and spread of the best epoch's fused accuracy, macro-F1 and mAP, the last epoch's fused
 * accuracy, each modality's accuracy and the fused accuracy with a modality missing (each rate)
 * at the best epoch, beside the paper's number and the difference; then the per-folder table of `deno task report`.
 */
import { readHistory } from "../train/record.ts";
import { reportRuns } from "./runs_table.ts";
import type { EpochRecord } from "../train/record.ts";
import { join } from "node:path";
import type { Plan, PlanRun } from "./plan.ts";
import type { SweepTask } from "./tree.ts";

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
export function scoreCells(r: PlanRun, hs: EpochRecord[][], rates: number[]): string[] {
  if (hs.length === 0) return [...scoreHeads(rates).slice(0, -2).map(() => "-"), paperCell(r), "-"];
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
    ...bests[0].test.missing.map((_, i) =>
      meanSpread(bests.map((b) => b.test.missing[i].acc)) +
      (r.paperMissing?.[i] === undefined ? "" : ` (paper ${r.paperMissing[i].toFixed(2)})`)
    ),
    paperCell(r),
    r.paper === undefined ? "-" : (100 * mean - r.paper).toFixed(2),
  ];
}

const paperCell = (r: PlanRun) => r.paper?.toFixed(2) ?? "-";

/** The seeds' histories of each plan run, in the plan's order (finished runs only). */
export async function histories(plan: Plan, runs: SweepTask[]): Promise<EpochRecord[][][]> {
  return await Promise.all(plan.runs.map((r) =>
    Promise.all(
      runs.filter((x) => x.run.id === r.id).map((x) => readHistory(join(x.dir, "metrics.jsonl"))),
    )
  ));
}

/**
 * "" when nothing is missing; else the sentence that says the table is partial and what it lacks
 * (the runs x seeds not finished, by run).
 */
export function partialNote(plan: Plan, missing: SweepTask[]): string {
  if (missing.length === 0) return "";
  const total = plan.runs.length * plan.seeds.length;
  const lacks = plan.runs.flatMap((r) => {
    const seeds = missing.filter((t) => t.run.id === r.id).map((t) => t.seed);
    return seeds.length ? [`${r.id} seed${seeds.length > 1 ? "s" : ""} ${seeds.join(", ")}`] : [];
  });
  return `Partial: ${total - missing.length} of ${total} runs finished (not yet: ` +
    `${lacks.join("; ")}); a row averages the seeds finished.`;
}

/** The missing-modality rates the finished runs evaluated (none before any finished). */
export const missingRates = (hs: EpochRecord[][][]) =>
  hs.flat()[0]?.[0]?.test.missing.map((m) => m.rate) ?? [];

/** The summary of a sweep: `runs` the finished runs x seeds, `missing` the others. */
export async function sweepSummary(
  plan: Plan,
  runs: SweepTask[],
  missing: SweepTask[] = [],
): Promise<string> {
  const hs = await histories(plan, runs), rates = missingRates(hs);
  const heads = ["run", "method", ...scoreHeads(rates)];
  const partial = partialNote(plan, missing);
  const lines = [
    `# ${plan.table}`,
    "",
    `Plan \`${plan.name}\`: ${plan.dataset}, ${plan.config}, seeds ${plan.seeds.join(", ")}` +
    (plan.set.length ? `, ${plan.set.map((s) => `\`${s}\``).join(" ")}` : "") +
    ". Test accuracy in %, mean ± sd over seeds; best: the best epoch's, last: the last epoch's.",
    ...(partial ? ["", `**${partial}**`] : []),
    "",
    `| ${heads.join(" | ")} |`,
    `|${"---|".repeat(heads.length)}`,
    ...plan.runs.map((r, i) =>
      `| ${[r.id, r.method, ...scoreCells(r, hs[i], rates)].join(" | ")} |`
    ),
  ];
  if (runs.length) lines.push("", "## Runs", "", await reportRuns(runs.map((x) => x.dir)));
  lines.push("");
  return lines.join("\n");
}
