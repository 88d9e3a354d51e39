import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { rejected } from "../../_helpers.ts";
import { runInWorkers } from "../../../pipelines/data/workers.ts";

const WORKER = new URL("./_square_worker.ts", import.meta.url);

Deno.test("runInWorkers runs every job in a pool, results in order; an error stops it", async () => {
  const seen: number[] = [];
  const out = await runInWorkers<number, number>(WORKER, [1, 2, 3, 4, 5, 6, 7], 3, (r) => {
    seen.push(r);
  });
  assertEquals(out, [1, 4, 9, 16, 25, 36, 49]);
  assertEquals(seen.sort((a, b) => a - b), [1, 4, 9, 16, 25, 36, 49]);
  assertEquals(await runInWorkers(WORKER, [], 2), []);
  const msg = await rejected(runInWorkers(WORKER, [1, -2, 3], 2));
  if (msg !== "negative: -2") throw new Error(`unclear: ${msg}`);
});
