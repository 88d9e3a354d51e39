/**
 * Run jobs in a pool of Web Workers. The worker module answers each `{ i, job }` message with
 * `{ i, result }` or `{ i, error }` (see `serveJobs`). Jobs run in order of submission, at most one
 * per worker at a time; the first error stops the pool and rejects with the job's message.
 * A worker module's import graph must not await at the top level: messages that arrive while it
 * awaits, before `serveJobs` installs the handler, are lost (io/hash.ts initialises lazily so).
 */

/** What a worker posts back for job i. */
export type Reply<R> = { i: number; result: R } | { i: number; error: string };

/** Run `jobs` in `size` workers of `module`; `onResult` sees each result as it arrives. */
export function runInWorkers<J, R>(
  module: URL,
  jobs: J[],
  size: number,
  onResult?: (result: R, index: number) => void,
): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  if (jobs.length === 0) return Promise.resolve(results);
  const workers: Worker[] = [];
  let next = 0, done = 0;
  return new Promise<R[]>((resolve, reject) => {
    const stop = () => workers.forEach((w) => w.terminate());
    const feed = (w: Worker) => {
      if (next < jobs.length) w.postMessage({ i: next, job: jobs[next++] });
    };
    for (let k = 0; k < Math.min(size, jobs.length); k++) {
      const w = new Worker(module.href, { type: "module" });
      w.onmessage = (e: MessageEvent<Reply<R>>) => {
        const r = e.data;
        if ("error" in r) {
          stop();
          return reject(new Error(r.error));
        }
        results[r.i] = r.result;
        onResult?.(r.result, r.i);
        if (++done === jobs.length) {
          stop();
          return resolve(results);
        }
        feed(w);
      };
      w.onerror = (e) => {
        e.preventDefault();
        stop();
        reject(new Error(`worker ${module.pathname}: ${e.message}`));
      };
      workers.push(w);
      feed(w);
    }
  });
}

/**
 * In a worker module: answer jobs with `handle` (errors are posted back as messages);
 * `transfer` names buffers of a result to move instead of copy.
 */
export function serveJobs<J, R>(
  handle: (job: J) => Promise<R>,
  transfer: (result: R) => Transferable[] = () => [],
): void {
  const scope = self as unknown as {
    onmessage: ((e: MessageEvent<{ i: number; job: J }>) => void) | null;
    postMessage(message: Reply<R>, transfer: Transferable[]): void;
  };
  scope.onmessage = async (e) => {
    try {
      const result = await handle(e.data.job);
      scope.postMessage({ i: e.data.i, result }, transfer(result));
    } catch (err) {
      scope.postMessage({ i: e.data.i, error: (err as Error).message }, []);
    }
  };
}
