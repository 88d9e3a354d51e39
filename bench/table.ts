/**
 * Render a kernel-bench JSON (bench/kernels.ts --json) as a Markdown table:
 *   deno run -A bench/table.ts bench/results_llvmpipe.json
 * Columns: GFLOP/s per library and our time divided by each peer's (below 1: we are faster).
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
  return typeof t === "number" ? (r.gflop / t * 1e3).toFixed(1) : "failed";
};
const ratio = (r: Row, lib: string) => {
  const a = r.ms["mmboost"], b = r.ms[lib];
  return typeof a === "number" && typeof b === "number" ? (a / b).toFixed(2) : "-";
};
console.log(`Adapter: ${adapter}\n`);
console.log(
  `| op | shape | ${libs.map((l) => `${l} GFLOP/s`).join(" | ")} | ${
    peers.map((p) => `ours/${p} time`).join(" | ")
  } |`,
);
console.log(`|${"---|".repeat(2 + libs.length + peers.length)}`);
for (const r of rows) {
  console.log(
    `| ${r.op} | ${r.shape} | ${libs.map((l) => rate(r, l)).join(" | ")} | ${
      peers.map((p) => ratio(r, p)).join(" | ")
    } |`,
  );
}
