import { thrown } from "../../_helpers.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  encodeSafetensors,
  parseSafetensors,
  type StoredTensor,
} from "../../../pipelines/io/safetensors.ts";

function sample(): Map<string, StoredTensor> {
  return new Map<string, StoredTensor>([
    ["a.weight", { dtype: "F32", shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) }],
    ["step", { dtype: "I32", shape: [1], data: Int32Array.of(-7) }],
    ["rng", { dtype: "U32", shape: [4], data: Uint32Array.of(1, 2, 3, 4294967295) }],
  ]);
}

Deno.test("safetensors round-trips tensors and metadata", () => {
  const f = parseSafetensors(encodeSafetensors(sample(), { epoch: "3" }));
  assertEquals(f.metadata, { epoch: "3" });
  assertEquals([...f.tensors.keys()], ["a.weight", "step", "rng"]);
  assertEquals(Array.from(f.tensors.get("a.weight")!.data), [1, 2, 3, 4, 5, 6.5]);
  assertEquals(Array.from(f.tensors.get("step")!.data), [-7]);
  assertEquals(Array.from(f.tensors.get("rng")!.data), [1, 2, 3, 4294967295]);
});

Deno.test("a truncated or corrupt safetensors file gives an error naming the file", () => {
  const bytes = encodeSafetensors(sample());
  const cases: [Uint8Array, string][] = [
    [bytes.subarray(0, 4), "not a safetensors file"],
    [bytes.subarray(0, 20), "exceeds the file"],
    [bytes.subarray(0, bytes.length - 4), "bad data offsets"],
  ];
  for (const [b, want] of cases) {
    const msg = thrown(() => parseSafetensors(b, "ckpt/last.safetensors"));
    if (!msg.includes("ckpt/last.safetensors") || !msg.includes(want)) {
      throw new Error(`expected "${want}" naming the file, got: ${msg}`);
    }
  }
});
