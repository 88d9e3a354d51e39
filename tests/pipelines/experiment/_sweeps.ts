/**
 * What the experiment end-to-end tests share: a tiny plan (two methods, two seeds, width 2) over a
 * generated CREMA-D folder, the command that sweeps it, the page check in headless Chromium, and
 * a run's metrics without its wall times.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { makeCremaFixture, TINY_CREMA_ARGS } from "../../_datasets.ts";

/** A temporary folder with a CREMA-D fixture and the tiny plan of `epochs` epochs in tiny.json. */
export async function tinyPlan(epochs: number) {
  const root = await Deno.makeTempDir(), data = join(root, "data"), tune = join(root, "t.json");
  await makeCremaFixture(data);
  const sets = [...TINY_CREMA_ARGS.map((a) => a.replace("--set=", "")), `epochs=${epochs}`];
  const plan = {
    name: "tiny",
    table: "a tiny table",
    dataset: "crema-d",
    config: "configs/crema.json",
    seeds: [0, 1],
    set: sets,
    runs: [{ id: "naive", method: "naive", paper: 65.07 }, { id: "aug", method: "aug" }],
  };
  const planFile = join(root, "tiny.json");
  await Deno.writeTextFile(planFile, JSON.stringify(plan));
  return { root, data, tune, plan, planFile };
}

const script = new URL("../../../pipelines/experiment.ts", import.meta.url).pathname;

/** The `deno task experiment` command on `plan` with the autotuner cache `tune`. */
export function sweepCommand(
  plan: string,
  data: string,
  out: string,
  tune: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, plan, "--data", data, "--out", out, ...extra],
    env: { MMBOOST_AUTOTUNE: tune, ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

/** Run it to the end: whether it succeeded, and its output. */
export async function runSweep(...args: Parameters<typeof sweepCommand>) {
  const r = await sweepCommand(...args).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  return { ok: r.success, text };
}

/** The headless Chromium on PATH (Debian's chromium-headless-shell; ./mmb installs it). */
function chromium(): string {
  for (const name of ["chromium-headless-shell", "chromium"]) {
    const found = new Deno.Command("sh", { args: ["-c", `command -v ${name}`] }).outputSync();
    if (found.success) return new TextDecoder().decode(found.stdout).trim();
  }
  throw new Error(
    "no headless Chromium on PATH: install chromium-headless-shell (./mmb test does as root)",
  );
}

/** The sweep's page loads in a real browser with every table and plot and no console message. */
export async function checkPage(page: string, partial = false) {
  const r = await new Deno.Command(chromium(), {
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--enable-logging=stderr",
      "--v=0",
      "--dump-dom",
      `file://${page}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dom = new TextDecoder().decode(r.stdout), log = new TextDecoder().decode(r.stderr);
  assert.ok(r.success, log);
  const rows = dom.split('<table id="summary">')[1]?.split("</table>")[0] ?? "";
  assert.equal((rows.match(/<tr>/g) ?? []).length, 3, "a header and a row per run");
  assert.equal(dom.includes('class="partial"'), partial, "a partial page says so");
  // fused, audio, visual accuracy; AUG's gap; its classifiers per modality
  assert.equal((dom.match(/<svg /g) ?? []).length, 6, "every plot drawn");
  const messages = log.split("\n").filter((l) => /CONSOLE|Uncaught|Failed to load/.test(l));
  assert.deepEqual(messages, [], "the page logs nothing");
}

/** A run folder's metrics.jsonl without the wall times. */
export const metrics = async (dir: string) =>
  (await Deno.readTextFile(join(dir, "metrics.jsonl"))).trim().split("\n").map((l) => {
    const { seconds: _, ...r } = JSON.parse(l);
    return r;
  });
