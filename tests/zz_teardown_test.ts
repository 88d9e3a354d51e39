// The last test file of a run (files run in name order): destroys the GPU the other files shared,
// so that the adapter shuts down before the process exits rather than during its teardown.
import { destroyTestGpu } from "./_helpers.ts";

Deno.test({
  name: "the test run's GPU is destroyed before the process exits",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: destroyTestGpu,
});
