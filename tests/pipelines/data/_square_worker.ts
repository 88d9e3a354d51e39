/** A test worker for runInWorkers: squares numbers, rejects negative ones. */
import { serveJobs } from "../../../pipelines/data/workers.ts";

serveJobs((n: number) => {
  if (n < 0) return Promise.reject(new Error(`negative: ${n}`));
  return Promise.resolve(n * n);
});
