/**
 * A sweep's page (OUT/<plan>/report.html): one self-contained HTML file (inline SVG, inline CSS,
 * no script, nothing fetched) with the plan's table (summary.ts's columns: mean and spread over
 * seeds of the best epoch's fused accuracy, macro-F1 and mAP, the last epoch's accuracy, each
 * modality's accuracy, the fused accuracy with a modality missing, the paper's number and the
 * difference; then parameters and wall time) and, side by side, the per-epoch curves averaged
 * over seeds: fused and per-modality test accuracy, the gap G between the first two modalities'
 * training losses where a method has per-modality losses, and the classifier counts where a
 * method grows them. Every plot gives a run the same colour, in the plan's order; the page prints
 * on A4.
 */
import { join } from "node:path";
import { readHistory } from "../train/record.ts";
import type { EpochRecord } from "../train/record.ts";
import { lineChart, type Series } from "../train/plots.ts";
import { readSafetensors } from "../io/safetensors.ts";
import { formatSeconds } from "../io/progress.ts";
import { partialNote, scoreCells, scoreHeads } from "./summary.ts";
import type { Plan, PlanRun } from "./plan.ts";
import type { SweepTask } from "./tree.ts";

/** Distinct colours, one per run in the plan's order (then repeated). */
export const RUN_COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#393b79",
  "#637939",
];

/** The audio-visual datasets' modality names, in their readers' order. */
const MODALITIES: Record<string, string[]> = {
  "crema-d": ["audio", "visual"],
  "kinetics-sounds": ["audio", "visual"],
  "av-digits": ["audio", "visual"],
};

/** What the page reads of one run folder. */
interface Folder {
  history: EpochRecord[];
  params: number;
  adapter: string;
  modalities: string[];
  /** The dataset's index of each of the run's modalities (a unimodal run has one). */
  slots: number[];
}

async function readFolder(dir: string): Promise<Folder> {
  const history = await readHistory(join(dir, "metrics.jsonl"));
  if (history.length === 0) throw new Error(`${dir}: no epochs in metrics.jsonl`);
  const ckpt = await readSafetensors(join(dir, "last.safetensors"));
  const names = new Set(ckpt.tensors.keys());
  let params = 0; // a parameter is what has a momentum buffer
  for (const [name, t] of ckpt.tensors) {
    if (names.has(`momentum.${name}`)) params += t.shape.reduce((a, b) => a * b, 1);
  }
  const meta = JSON.parse(ckpt.metadata.mmboost ?? "{}");
  const run = JSON.parse(await Deno.readTextFile(join(dir, "run.json")).catch(() => "{}"));
  const M = history[0].test.modalities.length;
  const unimodal = run.train?.method === "unimodal";
  const slots = unimodal ? [run.train.unimodal.modality as number] : [...Array(M).keys()];
  const known = MODALITIES[run.dataset as string];
  const modalities = known ??
    Array.from({ length: Math.max(...slots) + 1 }, (_, m) => `modality ${m}`);
  return { history, params, adapter: meta.adapter ?? "?", modalities, slots };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Per epoch, the mean over seeds of `f` (epochs every seed reached; none without seeds). */
function meanCurve(
  fs: Folder[],
  f: (r: EpochRecord, run: Folder) => number | null | undefined,
): [number, number][] {
  if (fs.length === 0) return [];
  const n = Math.min(...fs.map((x) => x.history.length));
  const out: [number, number][] = [];
  for (let e = 0; e < n; e++) {
    const v = fs.map((x) => f(x.history[e], x));
    if (v.every((x) => typeof x === "number" && Number.isFinite(x))) {
      out.push([e + 1, (v as number[]).reduce((a, b) => a + b, 0) / v.length]);
    }
  }
  return out;
}

const CSS = `body{font-family:sans-serif;margin:24px;color:#111;max-width:1340px}
table{border-collapse:collapse;margin:12px 0;font-size:13px}
th,td{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}
td:first-child,td:nth-child(2){text-align:left}
.swatch{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle}
.plots{display:flex;flex-wrap:wrap;gap:8px}.plots svg{border:1px solid #ddd}
figure{margin:0;break-inside:avoid}p.note{font-size:13px;color:#444}
p.partial{font-weight:bold;color:#8a4b00}
@media print{body{margin:0;max-width:none}.plots svg{width:48%;height:auto}
@page{size:A4;margin:12mm}}`;

/** The page of a sweep: `runs` the finished runs x seeds (one at least), `missing` the others. */
export async function sweepPage(
  plan: Plan,
  runs: SweepTask[],
  missing: SweepTask[] = [],
): Promise<string> {
  const byRun = new Map<string, Folder[]>();
  for (const r of plan.runs) {
    const dirs = runs.filter((x) => x.run.id === r.id).map((x) => x.dir);
    byRun.set(r.id, await Promise.all(dirs.map(readFolder)));
  }
  const color = (i: number) => RUN_COLORS[i % RUN_COLORS.length];
  const done = [...byRun.values()].filter((fs) => fs.length > 0);
  if (done.length === 0) throw new Error(`${plan.name}: no run has finished yet`);
  const rates = done[0][0].history[0].test.missing.map((m) => m.rate);
  const rows = plan.runs.map((r, i) => row(r, byRun.get(r.id)!, color(i), rates));
  const pct = (x: number) => 100 * x;
  // the run with the most modalities names them (a unimodal run has one)
  const first = done.map((fs) => fs[0])
    .reduce((a, b) => (b.slots.length > a.slots.length ? b : a));
  const M = first.slots.length;
  const accOf = (m: number) => (e: EpochRecord, run: Folder) => {
    const j = run.slots.indexOf(m); // modality m's place in this run (none: not trained)
    return j < 0 ? null : pct(e.test.modalities[j].acc);
  };
  const curves = (
    f: (r: EpochRecord, run: Folder) => number | null | undefined,
    only?: (fs: Folder[]) => boolean,
  ) =>
    plan.runs.flatMap((r, i): Series[] => {
      const fs = byRun.get(r.id)!;
      if (only && !only(fs)) return [];
      const points = meanCurve(fs, f);
      return points.length ? [{ name: r.id, color: color(i), points }] : []; // none: no legend
    });
  const charts = [
    lineChart("fused test accuracy (%)", "epoch", curves((e) => pct(e.test.fused.acc)), [0, 100]),
    ...Array.from({ length: M }, (_, m) =>
      lineChart(
        `${first.modalities[m]} test accuracy (%)`,
        "epoch",
        curves(accOf(m)),
        [0, 100],
      )),
  ];
  const gaps = curves((e) => e.gap); // per-modality losses only (AUG, MLA): none for joint runs
  if (gaps.length > 0) {
    charts.push(lineChart("gap G = L_0 - L_1 (training losses)", "epoch", gaps));
  }
  const grows = (fs: Folder[]) => fs.some((f) => f.history.some((e) => e.classifiers.length > 0));
  if (plan.runs.some((r) => grows(byRun.get(r.id)!))) {
    for (let m = 0; m < M; m++) {
      charts.push(lineChart(
        `${first.modalities[m]} classifiers`,
        "epoch",
        curves((e, run) => e.classifiers[run.slots.indexOf(m)], grows),
      ));
    }
  }
  const partial = partialNote(plan, missing);
  const heads = ["run", "method", ...scoreHeads(rates), "parameters", "wall per run"];
  const adapters = [...new Set([...byRun.values()].flat().map((f) => f.adapter))].join("; ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(plan.table)}</title>
<style>${CSS}</style></head><body>
<h1>${esc(plan.table)}</h1>
<p class="note">Plan <code>${esc(plan.name)}</code>: ${esc(plan.dataset)}, ${esc(plan.config)},
seeds ${plan.seeds.join(", ")}${
    plan.set.length ? `, ${plan.set.map((s) => `<code>${esc(s)}</code>`).join(" ")}` : ""
  }.
Test accuracy in %, mean ± sd over seeds; best: the best epoch's, last: the last epoch's.
Adapter: ${esc(adapters)}.</p>${partial ? `\n<p class="partial">${esc(partial)}</p>` : ""}
<table id="summary"><thead><tr>${
    heads.map((h) => `<th>${esc(h)}</th>`).join("")
  }</tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
<h2>Curves (mean over seeds)</h2>
<div class="plots">
${charts.map((c) => `<figure>${c}</figure>`).join("\n")}
</div>
</body></html>
`;
}

function row(r: PlanRun, fs: Folder[], color: string, rates: number[]): string {
  const wall = fs.reduce((s, f) => s + f.history.reduce((a, e) => a + e.seconds, 0), 0) / fs.length;
  const cells = [
    `<span class="swatch" style="background:${color}"></span>${esc(r.id)}`,
    esc(r.method),
    ...scoreCells(r, fs.map((f) => f.history), rates),
    fs.length ? fs[0].params.toLocaleString("en-US") : "-",
    fs.length ? formatSeconds(wall) : "-",
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}
