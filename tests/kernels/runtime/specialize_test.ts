import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { gpuTest, thrown } from "../../_helpers.ts";
import { paramFields, specialize, SPECIALIZE_MIN } from "../../../kernels/runtime/specialize.ts";
import { groups1d } from "../../../kernels/runtime/gpu.ts";
import { Tensor } from "../../../kernels/tensor.ts";

// out[i] = (i / p.N) * 1000 + i % p.N, plus p.shift: integer division by uniforms
const decode = {
  name: "test_decode",
  code: `struct Params { N: u32, shift: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.total) { return; }
  out[i] = f32((i / p.N) * 1000u + i % p.N + p.shift);
}
`,
};

Deno.test("specialize turns the Params fields but total into constants, from SPECIALIZE_MIN", () => {
  assertEquals(paramFields(decode), ["N", "shift", "total"]);
  const small = specialize(decode, [7, 1, SPECIALIZE_MIN - 1]);
  assert(small === decode, "small dispatches keep the generic kernel");
  const big = specialize(decode, [7, 1, SPECIALIZE_MIN]);
  assertEquals(big.name, "test_decode#7,1");
  assertEquals(big.constants, { P_N: 7, P_shift: 1 });
  assert(big.code.includes("override P_N: u32;") && big.code.includes("(i / P_N)"), big.code);
  assert(big.code.includes("i >= p.total"), "total stays a uniform");
  assertEquals(specialize(decode, [9, 1, SPECIALIZE_MIN]).name, "test_decode#9,1");
  assert(thrown(() => specialize(decode, [7, 1])).includes("takes 3 values (N,shift,total)"));
  const noTotal = { name: "t2", code: "struct Params { N: u32 }" };
  assert(thrown(() => specialize(noTotal, [1])).includes("Params has no total"));
  const float = { name: "t3", code: "struct Params { N: u32, eps: f32, total: u32 }" };
  assert(thrown(() => specialize(float, [1, 2, 3])).includes("Params.eps is f32"));
  assert(thrown(() => specialize({ name: "t4", code: "" }, [])).includes("no struct Params"));
});

gpuTest("a specialized kernel computes what the generic one does", async (gpu) => {
  const total = SPECIALIZE_MIN + 123;
  const results: Float32Array[] = [];
  for (const values of [[7, 3, total], [1000, 0, total]]) {
    for (const kernel of [decode, specialize(decode, values)]) {
      const out = Tensor.empty(gpu, [total]);
      gpu.dispatch(kernel, [out.range], { u: values }, groups1d(total, 64));
      results.push(await out.read());
      out.dispose();
    }
    const [generic, special] = results.splice(0, 2);
    assertEquals(special, generic);
    assertEquals(
      generic[total - 1],
      Math.floor((total - 1) / values[0]) * 1000 + (total - 1) % values[0] + values[1],
    );
  }
});
