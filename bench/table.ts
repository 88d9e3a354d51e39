/**
 * Render a kernel-bench JSON (bench/kernels.ts --json) as a Markdown table:
 *   deno task bench:table bench/results/kernels_llvmpipe.json
 * Columns: GFLOP/s per library and our time divided by each peer's (below 1: we are faster).
 * With several families of ours (bench/kernels.ts --families), also which of ours was fastest on
 * the row and its time divided by each peer's: what a tuned run gets, since the autotuner
 * measures the same families per shape (the plain ratio is the untuned default's).
 */
import { command } from "../pipelines/command.ts";
import { type KernelResults, kernelTable } from "./tables.ts";

await command(import.meta.url);

const path = Deno.args[0];
if (!path) throw new Error("usage: bench/table.ts RESULTS.json");
console.log(kernelTable(JSON.parse(await Deno.readTextFile(path)) as KernelResults));
