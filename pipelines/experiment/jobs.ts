/**
 * `--jobs N`: a sweep's runs x seeds as up to N child processes at once, each the per-run entry
 * (`experiment PLAN --run INDEX`, a device of its own), where the adapter has room. The first
 * run starts alone; once a checkpoint says how much GPU memory a run holds (its `gpuBytes`, the
 * largest in the tree), more start while the adapter's free memory holds 1.5 times that for each:
 * NVIDIA's free memory from nvidia-smi, a CPU adapter's (llvmpipe, lavapipe, SwiftShader) the
 * system's. On an adapter whose free memory cannot be read, N run at once as asked. Each child's
 * lines come out prefixed with its run; the sweep's own line (runs done, running, ETA) follows
 * every start and end.
 */
import { freemem } from "node:os";
import { readSafetensorsMetadata } from "../io/safetensors.ts";
import { formatSeconds } from "../io/progress.ts";
import type { Plan } from "./plan.ts";
import { type SweepTask, treeRoot, treeStates } from "./tree.ts";
import { join } from "node:path";

/** Options of `sweepJobs`. */
export interface JobsOptions {
  /** The plan file (the children read it again) and the plan it holds. */
  planFile: string;
  plan: Plan;
  /** The dataset folder and the results root, as the sweep was given them. */
  dataDir?: string;
  out: string;
  /** At most this many runs at once. */
  jobs: number;
  /** The adapter's name (which free memory to read). */
  adapter: string;
  /** Where lines go. */
  log: (line: string) => void;
}

/** The adapter's free memory in bytes where it can be read, else null. */
export async function adapterFree(adapter: string): Promise<number | null> {
  if (/llvmpipe|lavapipe|swiftshader/i.test(adapter)) return freemem();
  if (/nvidia/i.test(adapter)) {
    const r = await new Deno.Command("nvidia-smi", {
      args: ["--query-gpu=memory.free", "--format=csv,noheader,nounits"],
      stdout: "piped",
      stderr: "null",
    }).output().catch(() => null);
    const mib = r?.success ? Number(new TextDecoder().decode(r.stdout).trim().split("\n")[0]) : NaN;
    return Number.isFinite(mib) ? mib * 2 ** 20 : null;
  }
  return null;
}

/**
 * How many more runs may start: `running` runs now, at most `jobs`, `free` bytes free on the
 * adapter (null: unknown), `perRun` bytes a run holds (null: none measured yet).
 */
export function moreRuns(
  running: number,
  jobs: number,
  free: number | null,
  perRun: number | null,
): number {
  if (running === 0) return 1;
  if (free === null) return Math.max(0, jobs - running);
  if (perRun === null) return 0;
  return Math.max(0, Math.min(jobs - running, Math.floor(free / (1.5 * perRun))));
}

/** The largest GPU memory a checkpoint in the tree says its run holds, or null. */
async function measuredBytes(tasks: SweepTask[]): Promise<number | null> {
  let most: number | null = null;
  for (const t of tasks) {
    const meta = await readSafetensorsMetadata(join(t.dir, "last.safetensors")).catch(() => null);
    const bytes = meta?.mmboost ? JSON.parse(meta.mmboost).gpuBytes : undefined;
    if (typeof bytes === "number") most = Math.max(most ?? 0, bytes);
  }
  return most;
}

/** Forward a child's output stream to `log`, a line at a time, each with `prefix`. */
async function pipeLines(
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  log: JobsOptions["log"],
) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split(/\r|\n/);
    rest = lines.pop()!;
    for (const l of lines) if (l.trim()) log(`${prefix}${l}`);
  }
  if (rest.trim()) log(`${prefix}${rest}`);
}

/** Run every unfinished run x seed of the opened tree as child processes (see the header). */
export async function sweepJobs(o: JobsOptions): Promise<SweepTask[]> {
  const tasks = await treeStates(o.plan, treeRoot(o.out, o.plan));
  const script = new URL("../experiment.ts", import.meta.url).pathname;
  const queue: SweepTask[] = [];
  for (const t of tasks) {
    if (t.state === "finished") {
      o.log(
        `sweep ${t.index + 1}/${tasks.length}: ${t.run.id} seed ${t.seed} finished before, skipped`,
      );
    } else queue.push(t);
  }
  const started = performance.now(), running = new Map<number, Promise<void>>();
  const failed: string[] = [];
  let finished = 0, perRun: number | null = null, measure = true;
  const status = () => {
    const secs = (performance.now() - started) / 1000, left = queue.length + running.size;
    const eta = finished ? `, ETA ${formatSeconds((secs / finished) * left)}` : "";
    return `sweep: ${tasks.length - left}/${tasks.length} done, ${running.size} running${eta}`;
  };
  const start = (t: SweepTask) => {
    const args = ["run", "-A", script, o.planFile, "--out", o.out, "--run", String(t.index)];
    if (o.dataDir) args.push("--data", o.dataDir);
    const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
      .spawn();
    const prefix = `[${t.run.id} seed ${t.seed}] `;
    const done = Promise.all([
      pipeLines(child.stdout, prefix, o.log),
      pipeLines(child.stderr, prefix, o.log),
      child.status,
    ]).then(([, , s]) => {
      running.delete(t.index);
      measure = true; // a run that ended saved its checkpoints: a run's size may be known now
      if (s.success) finished++;
      else failed.push(`${t.run.id} seed ${t.seed} (exit status ${s.code})`);
      o.log(status());
    });
    running.set(t.index, done);
    o.log(`sweep ${t.index + 1}/${tasks.length}: ${t.run.id} seed ${t.seed} started; ${status()}`);
  };
  while (queue.length || running.size) {
    let more = 0;
    if (queue.length && running.size < o.jobs) {
      if (measure || perRun === null) [perRun, measure] = [await measuredBytes(tasks), false];
      more = moreRuns(running.size, o.jobs, await adapterFree(o.adapter), perRun);
    }
    for (let i = 0; i < more && queue.length; i++) start(queue.shift()!);
    // wait for a run to end, or a second to pass (a checkpoint may have told a run's size)
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([...running.values(), new Promise((r) => timer = setTimeout(r, 1000))]);
    clearTimeout(timer);
  }
  if (failed.length) throw new Error(`sweep: ${failed.length} run(s) failed: ${failed.join("; ")}`);
  return tasks;
}
