import { ok as assert } from "node:assert/strict";
import { generatedKernels } from "../../tools/gen_kernels.ts";
import { vec4Kernel } from "../../tools/gen_gemm.ts";
import { thrown } from "../_helpers.ts";

Deno.test("generated kernels on disk match tools/gen_kernels.ts (run `deno task gen`)", async () => {
  for (const [file, code] of Object.entries(generatedKernels())) {
    const onDisk = await Deno.readTextFile(new URL(`../../kernels/${file}`, import.meta.url));
    if (onDisk !== code) throw new Error(`kernels/${file} is stale: run deno task gen`);
  }
});

Deno.test("vec4Kernel refuses a prologue whose names clash with the ones it generates", () => {
  const spec = {
    header: ["t"],
    params: ["M: u32", "N: u32", "K: u32"],
    bindings: ["var<storage, read> a: array<vec4f>"],
    prologue: "let n4 = p.N / 4u;", // n4 is the fifth column group of a 32-column block
    loadA4: (r: string) => `a[${r}]`,
    loadB4: (n: string) => `a[${n}]`,
    store4: (v: string) => `_ = ${v};`,
  };
  const wide = { TM: 16, TN: 32, WX: 8, WY: 2 };
  assert(thrown(() => vec4Kernel(spec, wide)).includes('"let n4" clashes'));
  assert(vec4Kernel(spec, { ...wide, TN: 16 }).includes("let n4 = p.N / 4u;")); // n0..n3 only
});
