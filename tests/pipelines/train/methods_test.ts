import assert from "node:assert/strict";
import { methodFor, METHODS } from "../../../pipelines/train/methods/registry.ts";
import { DEFAULT_CONFIG } from "../../../pipelines/train/config.ts";

Deno.test("the registry: unique names; two-modality rules refuse three before anything is built", () => {
  const names = METHODS.map((m) => m.name);
  assert.equal(new Set(names).size, names.length, names.join(", "));
  for (const name of ["ogm-ge", "pmr"]) {
    const m = methodFor(name);
    assert.throws(() => m.check!(DEFAULT_CONFIG, 3), /two modalities/, name);
    m.check!(DEFAULT_CONFIG, 2);
  }
  for (const name of ["reconboost", "gblend", "lfm"]) {
    assert.equal(methodFor(name).check, undefined);
  }
  assert.throws(() => methodFor("g-blend"), /must be one of aug, naive, .*gblend, lfm/);
});
