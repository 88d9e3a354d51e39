/**
 * `deno task report DIR...`: the report of finished runs.
 *   - a results tree (OUT/<plan>, holding plan.json), or a results root holding trees: each
 *     tree's report.md and report.html are written anew from the runs finished so far (a table
 *     with runs still missing says it is partial, and names them);
 *   - run folders: one Markdown table of them on stdout (method, dataset, best-epoch accuracy,
 *     macro-F1 and mAP, per-modality accuracy, last-epoch accuracy, classifiers, wall time,
 *     adapter, the paper's accuracy where it reports one).
 */
import { join } from "node:path";
import { command } from "./command.ts";
import { exists } from "./io/files.ts";
import { reportRuns } from "./experiment/runs_table.ts";
import { writeTreeReport } from "./experiment/tree_report.ts";

await command(import.meta.url);
if (Deno.args.length === 0) throw new Error("no run folders given (--help for the usage)");
const trees: string[] = [], runs: string[] = [];
for (const dir of Deno.args) {
  if (await exists(join(dir, "plan.json"))) {
    trees.push(dir);
    continue;
  }
  const inside: string[] = [];
  const info = await Deno.stat(dir).catch(() => null);
  if (!info?.isDirectory) throw new Error(`${dir}: no such folder`);
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory && (await exists(join(dir, e.name, "plan.json")))) {
      inside.push(join(dir, e.name));
    }
  }
  if (inside.length) trees.push(...inside.sort());
  else runs.push(dir);
}
for (const tree of trees) {
  const r = await writeTreeReport(tree);
  const partial = r.finished < r.total ? " (partial)" : "";
  console.log(
    `${tree}: ${r.finished}/${r.total} runs finished${partial}: ${r.markdown}` +
      (r.page ? `, ${r.page}` : ""),
  );
}
if (runs.length) console.log(await reportRuns(runs));
