/** Worker of `prepareNvGesture`: prepares the samples it is sent (see nvgesture_prepare.ts). */
import { serveJobs } from "./workers.ts";
import { prepareSample } from "./nvgesture_prepare.ts";
import type { NvSample } from "./nvgesture_lists.ts";

serveJobs(async (job: { root: string; sample: NvSample }) => {
  await prepareSample(job.root, job.sample);
  return true;
});
