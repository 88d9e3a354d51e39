/**
 * A results tree's report (OUT/<plan>/report.md and report.html) from whatever has finished, at
 * any time: during a sweep, while a job array still runs, after a sweep was cut short. The
 * finished runs x seeds fill the table, the others are named in a line that says the table is
 * partial. Writers (a sweep's end, each array task's end, `deno task report`) take report.lock
 * in turn, so the last report written saw every run finished before it.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import type { Plan } from "./plan.ts";
import { takeLock } from "./lock.ts";
import { sweepSummary } from "./summary.ts";
import { sweepPage } from "./page.ts";
import { savedPlan, treeStates } from "./tree.ts";

/** What a report covered. */
export interface TreeReport {
  /** The Markdown file, and the page (null before any run finished). */
  markdown: string;
  page: string | null;
  /** Runs x seeds finished, of all the plan's. */
  finished: number;
  total: number;
}

/** Take `name` in `dir`, waiting up to `seconds` for a live holder to let go. */
async function waitLock(dir: string, name: string, seconds: number) {
  for (let t = 0;; t += 0.2) {
    try {
      return await takeLock(dir, name);
    } catch (e) {
      if (t >= seconds) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Write the report of the tree at `root` (its plan.json names the plan, unless `plan` is given). */
export async function writeTreeReport(root: string, plan?: Plan): Promise<TreeReport> {
  plan ??= (await savedPlan(root)) ?? undefined;
  if (!plan) throw new Error(`${root}: not a results tree (no plan.json)`);
  const release = await waitLock(root, "report.lock", 60);
  try {
    const tasks = await treeStates(plan, root);
    const finished = tasks.filter((t) => t.state === "finished");
    const missing = tasks.filter((t) => t.state !== "finished");
    const markdown = join(root, "report.md"), page = join(root, "report.html");
    const bytes = (s: string) => new TextEncoder().encode(s);
    await writeFileAtomic(markdown, bytes(await sweepSummary(plan, finished, missing)));
    const wrote = finished.length > 0;
    if (wrote) await writeFileAtomic(page, bytes(await sweepPage(plan, finished, missing)));
    return { markdown, page: wrote ? page : null, finished: finished.length, total: tasks.length };
  } finally {
    await release();
  }
}
