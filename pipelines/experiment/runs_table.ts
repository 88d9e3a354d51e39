/**
 * One Markdown table of finished runs (method, dataset, best-epoch
 * accuracy / macro-F1 / mAP, per-modality accuracy, last-epoch accuracy, classifiers, wall time,
 * adapter) with the paper's accuracy for the same dataset and method where it reports one.
 */
import { join } from "node:path";
import { readSafetensorsMetadata } from "../io/safetensors.ts";
import { readHistory } from "../train/record.ts";
import { formatSeconds } from "../io/progress.ts";

/** The AUG paper's Table 1 accuracies this project holds (shared/spec: method.md, methods.md). */
const PAPER: Record<string, Record<string, number>> = {
  "crema-d": { naive: 65.07, mla: 79.43, lfm: 83.62, aug: 85.15 },
  "kinetics-sounds": { naive: 64.55, lfm: 72.53, aug: 72.63 },
  nvgesture: { naive: 82.37, lfm: 84.36, aug: 85.01 },
};

const pct = (x: number) => (100 * x).toFixed(2);

/** The table for the given run folders. */
export async function reportRuns(dirs: string[]): Promise<string> {
  const head =
    "| run | dataset | method | seed | best epoch | acc | macro-F1 | mAP | per-modality acc | last acc | classifiers | wall | adapter | paper acc |";
  const rows = [head, "|" + "---|".repeat(14)];
  for (const dir of dirs) {
    const run = JSON.parse(
      await Deno.readTextFile(join(dir, "run.json")).catch(() =>
        Deno.readTextFile(join(dir, "config.json")).then((t) => `{"train": ${t}}`)
      ),
    );
    const cfg = run.train;
    const h = await readHistory(join(dir, "metrics.jsonl"));
    if (h.length === 0) throw new Error(`${dir}: no epochs in metrics.jsonl (not a run folder?)`);
    const best = h.reduce((b, r) => (r.test.fused.acc >= b.test.fused.acc ? r : b));
    const last = h[h.length - 1];
    const meta = await readSafetensorsMetadata(join(dir, "last.safetensors")).catch(
      () => ({} as Record<string, string>),
    );
    const adapter = meta.mmboost ? JSON.parse(meta.mmboost).adapter : "?";
    const dataset = run.dataset ?? "?";
    const paper = PAPER[dataset]?.[cfg.method];
    rows.push(
      `| ${
        [
          dir,
          dataset,
          cfg.method,
          cfg.seed,
          best.epoch + 1,
          pct(best.test.fused.acc),
          pct(best.test.fused.f1),
          pct(best.test.fused.mAP),
          best.test.modalities.map((m) => pct(m.acc)).join(" / "),
          pct(last.test.fused.acc),
          last.classifiers.join("/") || "-",
          formatSeconds(h.reduce((s, r) => s + r.seconds, 0)),
          adapter,
          paper?.toFixed(2) ?? "-",
        ].join(" | ")
      } |`,
    );
  }
  return rows.join("\n");
}
