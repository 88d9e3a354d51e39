/** Run outputs people look at: SVG plots of the curves and the summary table. */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import type { TrainConfig } from "./config.ts";
import type { EpochRecord } from "./record.ts";
import { lineChart, type Series } from "./plots.ts";
import { formatSeconds } from "../io/progress.ts";

const pct = (x: number) => (100 * x).toFixed(2);

/** plots/accuracy.svg, loss.svg, and for AUG gap.svg and classifiers.svg. */
export async function writePlots(
  runDir: string,
  history: EpochRecord[],
  names: string[],
): Promise<void> {
  const x = (r: EpochRecord) => r.epoch + 1;
  const acc: Series[] = [
    { name: "fused", points: history.map((r) => [x(r), 100 * r.test.fused.acc]) },
    ...names.map((n, m) => ({
      name: n,
      points: history.map((r) => [x(r), 100 * r.test.modalities[m].acc] as [number, number]),
    })),
  ];
  const charts: [string, string][] = [
    ["accuracy.svg", lineChart("Test accuracy (%)", "epoch", acc, [0, 100])],
    [
      "loss.svg",
      lineChart(
        "Training loss",
        "epoch",
        history[0].train.loss.map((_, m) => ({
          name: history[0].train.loss.length === 1 ? "joint" : names[m],
          points: history.map((r) => [x(r), r.train.loss[m]] as [number, number]),
        })),
      ),
    ],
  ];
  if (history[0].gap !== null) {
    charts.push([
      "gap.svg",
      lineChart(`Gap G = L(${names[0]}) - L(${names[1]})`, "epoch", [{
        name: "G",
        points: history.map((r) => [x(r), r.gap ?? NaN]),
      }]),
    ]);
  }
  if (history[0].classifiers.length) {
    charts.push([
      "classifiers.svg",
      lineChart(
        "Classifiers per modality",
        "epoch",
        names.map((n, m) => ({
          name: n,
          points: history.map((r) => [x(r), r.classifiers[m]] as [number, number]),
        })),
      ),
    ]);
  }
  for (const [file, svg] of charts) {
    await writeFileAtomic(join(runDir, "plots", file), new TextEncoder().encode(svg));
  }
}

/** The Markdown table printed at the end of a run (best epoch and last epoch). */
export function summaryTable(
  c: TrainConfig,
  history: EpochRecord[],
  best: { acc: number; epoch: number },
  names: string[],
  adapter: string,
): string {
  const rows = [["best", history.find((r) => r.epoch === best.epoch)], [
    "last",
    history[history.length - 1],
  ]] as const;
  const head = [
    "",
    "epoch",
    "acc",
    "macro-F1",
    "mAP",
    ...names.map((n) => `${n} acc`),
    ...c.missingRates.map((r) => `missing ${r}`),
    "classifiers",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const [label, r] of rows) {
    if (!r) continue;
    lines.push(
      `| ${
        [
          label,
          r.epoch + 1,
          pct(r.test.fused.acc),
          pct(r.test.fused.f1),
          pct(r.test.fused.mAP),
          ...r.test.modalities.map((m) => pct(m.acc)),
          ...r.test.missing.map((m) => pct(m.acc)),
          r.classifiers.join("/") || "-",
        ].join(" | ")
      } |`,
    );
  }
  const wall = history.reduce((s, r) => s + r.seconds, 0);
  return `${c.method} (seed ${c.seed}, ${history.length} epochs logged, ${
    formatSeconds(wall)
  }, ${adapter})\n\n${lines.join("\n")}`;
}
