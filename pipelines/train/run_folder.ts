/**
 * What a run folder holds and the rules that keep it: a new run never replaces another's
 * files unless told to (--overwrite), and a resume needs the checkpoint written at the end of
 * an epoch. Both checks only read, so they can run before any data is prepared.
 */
import { join } from "node:path";
import { exists } from "../io/files.ts";

/** The files a run writes into its folder (plots/ besides). */
export const RUN_FILES = [
  "run.json",
  "config.json",
  "metrics.jsonl",
  "last.safetensors",
  "best.safetensors",
  "summary.md",
  "gblend_heldout.json", // G-Blending's held-out samples
];

/** The run files present in `dir`. */
export async function runFilesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const f of RUN_FILES) if (await exists(join(dir, f))) found.push(f);
  return found;
}

/** A new run may go into `dir` (absent, empty of runs, or `overwrite`); else a named error. */
export async function checkNewRunFolder(dir: string, overwrite: boolean): Promise<void> {
  const found = await runFilesIn(dir);
  if (found.length === 0 || overwrite) return;
  if (!found.includes("last.safetensors")) {
    throw new Error(
      `${dir}: holds a run that finished no epoch (${found.join(", ")}; no checkpoint to ` +
        `resume); start it afresh with --overwrite, or choose another --out`,
    );
  }
  throw new Error(
    `${dir}: already holds a run (${found.join(", ")}); continue it with --resume ${dir}, ` +
      `or choose another --out (--overwrite replaces it)`,
  );
}

/** `dir` holds a checkpoint to resume from; else a named error. */
export async function checkResumable(dir: string): Promise<void> {
  if (await exists(join(dir, "last.safetensors"))) return;
  throw new Error(
    `--resume ${dir}: no checkpoint yet (last.safetensors is written at the end of each epoch, ` +
      `and this run finished none); start it afresh with --out ${dir} --overwrite`,
  );
}

/** Remove a previous run's files and plots from `dir` (for --overwrite). */
export async function clearRunFolder(dir: string): Promise<void> {
  for (const f of RUN_FILES) await Deno.remove(join(dir, f)).catch(() => {});
  await Deno.remove(join(dir, "plots"), { recursive: true }).catch(() => {});
}
