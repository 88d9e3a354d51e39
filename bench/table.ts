/**
 * Render a kernel-bench JSON (bench/kernels.ts --json) as a Markdown table:
 *   deno run -A bench/table.ts bench/results_llvmpipe.json
 * Columns: GFLOP/s per library and our time divided by each peer's (below 1: we are faster).
 * With several families of ours (bench/kernels.ts --families), also which of ours was fastest on
 * the row and its time divided by each peer's: what a tuned run gets, since the autotuner
 * measures the same families per shape (the plain ratio is the untuned default's).
 */
import { command } from "../pipelines/command.ts";

await command(import.meta.url);

interface Row {
  op: string;
  shape: string;
  gflop: number;
  ms: Record<string, number | string>;
}

const path = Deno.args[0];
if (!path) throw new Error("usage: bench/table.ts RESULTS.json");
const { adapter, rows } = JSON.parse(await Deno.readTextFile(path)) as {
  adapter: string;
  rows: Row[];
};
const libs = [...new Set(rows.flatMap((r) => Object.keys(r.ms)))];
const peers = libs.filter((l) => !l.startsWith("mmboost")); // our families get no ratio column
const rate = (r: Row, lib: string) => {
  const t = r.ms[lib];
  if (t === "n/a") return "-"; // a family that does not cover the row (bench/kernels.ts)
  return typeof t === "number" ? (r.gflop / t * 1e3).toFixed(1) : "failed";
};
const ours = libs.filter((l) => l.startsWith("mmboost"));
/** Our fastest family on the row (null when none of ours ran). */
const fastest = (r: Row): string | null =>
  ours.filter((l) => typeof r.ms[l] === "number")
    .reduce<string | null>((a, l) => a && (r.ms[a] as number) <= (r.ms[l] as number) ? a : l, null);
const ratio = (r: Row, mine: string | null, lib: string) => {
  const a = mine ? r.ms[mine] : undefined, b = r.ms[lib];
  return typeof a === "number" && typeof b === "number" ? (a / b).toFixed(2) : "-";
};
const withBest = ours.length > 1 && peers.length > 0;
const head = [
  "op",
  "shape",
  ...libs.map((l) => `${l} GFLOP/s`),
  ...peers.map((p) => `ours/${p} time`),
  ...(withBest ? ["our fastest", ...peers.map((p) => `fastest/${p} time`)] : []),
];
console.log(`Adapter: ${adapter}\n`);
console.log(`| ${head.join(" | ")} |`);
console.log(`|${"---|".repeat(head.length)}`);
for (const r of rows) {
  const best = fastest(r);
  const cells = [
    r.op,
    r.shape,
    ...libs.map((l) => rate(r, l)),
    ...peers.map((p) => ratio(r, "mmboost", p)),
    ...(withBest ? [best ?? "-", ...peers.map((p) => ratio(r, best, p))] : []),
  ];
  console.log(`| ${cells.join(" | ")} |`);
}
