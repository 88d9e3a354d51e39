import assert from "node:assert/strict";
import { gpuTest } from "../../_helpers.ts";
import { isRegistered, VARIANTS } from "../../../kernels/variants/registry.ts";
import { pick } from "../../../kernels/variants/policy.ts";
import type { TiledKernel } from "../../../kernels/variants/table.ts";

Deno.test("the variant registry: one entry per name, each with a status and its figure", () => {
  const names = VARIANTS.map((v) => v.name);
  assert.deepEqual(names, [...new Set(names)], "a variant registered twice");
  for (const v of VARIANTS) {
    assert.ok(v.ops.length > 0, `${v.name}: no op`);
    assert.ok(v.figure.length > 10 && v.source.length > 0, `${v.name}: no figure or source`);
    if (v.status === "default") assert.ok(v.defaultOn, `${v.name}: default where?`);
    if (v.status === "tuned") assert.equal(v.meantFor, "software", `${v.name}: tuned where?`);
  }
  // a GPU variant can only leave "experimental" on a GPU measurement
  for (const v of VARIANTS.filter((v) => v.meantFor === "gpu" && v.status !== "experimental")) {
    assert.match(v.source, /h100|h200|gpu/i, `${v.name}: not experimental without a GPU figure`);
  }
  assert.ok(isRegistered("conv2d_forward", "winograd_f6_wide"));
  assert.ok(!isRegistered("conv3d_forward", "winograd_f6"), "F(6x6) is 2-D only");
});

gpuTest("pick refuses a variant the registry does not list", (gpu) => {
  const k = (name: string): TiledKernel => ({ kernel: { name, code: "" }, rows: 1, cols: 1 });
  const shape = { key: "1", flops: 1 };
  assert.equal(
    pick<string>(gpu, "matmul_forward", shape, { cpu: k("a"), gpu: k("b") }, "cpu", () => () => {}),
    "cpu",
  );
  assert.throws(
    () =>
      pick<string>(
        gpu,
        "matmul_forward",
        shape,
        { cpu: k("a"), fast: k("c") },
        "cpu",
        () => () => {},
      ),
    /matmul_forward: variant fast is not in kernels\/variants\/registry\.ts/,
  );
});
