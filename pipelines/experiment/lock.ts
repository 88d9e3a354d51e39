/**
 * A run folder's lock (sweep.lock; a tree's report.lock likewise): one writer per run, whether sweeps on one machine or tasks of
 * a SLURM job array on many. The file holds `pid@host`, and ` slurm=JOB` inside a SLURM job (JOB
 * is `ARRAYJOB_TASK` for an array task). A lock is stale, and taken over, when
 *   - its process is not running on this host (known where /proc lists processes), or
 *   - its SLURM job is this very job (a requeued or restarted task), or is no longer in the
 *     queue (`squeue` lists it neither pending nor running: cancelled, failed, finished).
 * Anything else is a live writer, and the error names it.
 */
import { exists } from "../io/files.ts";
import { join } from "node:path";

/** This process's SLURM job (`ARRAYJOB_TASK` in an array), or null outside SLURM. */
export function slurmJob(env = Deno.env.toObject()): string | null {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) {
    return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  }
  return env.SLURM_JOB_ID ?? null;
}

/**
 * Whether SLURM still lists `job` pending or running: false when squeue lists it ended or knows
 * no such job; true when it cannot tell (no squeue here, no controller answering).
 */
async function slurmAlive(job: string): Promise<boolean> {
  let r: Deno.CommandOutput | null = null;
  try {
    r = await new Deno.Command("squeue", {
      args: ["-h", "-j", job, "-o", "%T"],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(20_000), // squeue retries a missing config for a minute
    }).output();
  } catch {
    // no squeue here, or it hung
  }
  if (r === null || r.signal !== null) return true;
  if (!r.success) return !/invalid job id/i.test(new TextDecoder().decode(r.stderr));
  const states = new TextDecoder().decode(r.stdout).trim().split(/\s+/).filter(Boolean);
  return states.some((s) => !/^(COMPLETED|CANCELLED|FAILED|TIMEOUT|PREEMPTED|NODE_FAIL)/.test(s));
}

/** Whether the lock text `holder` belongs to a writer that is gone (see the header). */
async function holderGone(holder: string): Promise<boolean> {
  const [who, ...tags] = holder.split(" ");
  const [pid, host] = who.split("@");
  const job = tags.find((t) => t.startsWith("slurm="))?.slice("slurm=".length);
  if (host === Deno.hostname() && (await exists("/proc/self")) && !(await exists(`/proc/${pid}`))) {
    return true;
  }
  if (job === undefined) return false;
  if (job === slurmJob()) return true; // this task, requeued or restarted
  return !(await slurmAlive(job));
}

/** Take the lock `name` in `dir` (a run's: sweep.lock); released by the returned function. */
export async function takeLock(dir: string, name = "sweep.lock"): Promise<() => Promise<void>> {
  const path = join(dir, name), job = slurmJob();
  const me = `${Deno.pid}@${Deno.hostname()}${job ? ` slurm=${job}` : ""}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      await f.write(new TextEncoder().encode(me + "\n"));
      f.close();
      return () => Deno.remove(path).catch(() => {});
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
      if (attempt > 0 || !(await holderGone(holder))) {
        throw new Error(
          `${dir}: another writer holds ${name} (${holder}); wait for it, or remove ${path} ` +
            `if that process is gone`,
        );
      }
      await Deno.remove(path).catch(() => {}); // a stale lock
    }
  }
  throw new Error(`${path}: could not take the lock`);
}
