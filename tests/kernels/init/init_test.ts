import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fans, kaimingNormalFanOut, Rng, xavierNormal } from "../../../kernels/init/init.ts";

function std(a: Float32Array): number {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
}

Deno.test("Rng is reproducible from a seed and from a saved state", () => {
  const a = new Rng(42), b = new Rng(42);
  const first = Array.from({ length: 5 }, () => a.nextU32());
  assertEquals(first, Array.from({ length: 5 }, () => b.nextU32()));
  const saved = a.state.slice();
  const next = Array.from({ length: 5 }, () => a.uniform());
  const resumed = new Rng(saved);
  assertEquals(next, Array.from({ length: 5 }, () => resumed.uniform()));
  const other = new Rng(43);
  if (other.nextU32() === new Rng(42).nextU32()) throw new Error("seeds 42 and 43 collide");
});

Deno.test("fans follow torch.nn.init for linear and conv weights", () => {
  assertEquals(fans([256, 512]), { fanIn: 512, fanOut: 256 });
  assertEquals(fans([64, 3, 7, 7]), { fanIn: 147, fanOut: 3136 });
});

Deno.test("xavier-normal and kaiming-normal (fan_out, relu) have the right spread", () => {
  const rng = new Rng(7);
  const x = xavierNormal(rng, [256, 512]);
  const wantX = Math.sqrt(2 / (256 + 512));
  if (Math.abs(std(x) / wantX - 1) > 0.02) throw new Error(`xavier std ${std(x)} vs ${wantX}`);
  const k = kaimingNormalFanOut(rng, [64, 32, 3, 3]);
  const wantK = Math.sqrt(2 / (64 * 9));
  if (Math.abs(std(k) / wantK - 1) > 0.03) throw new Error(`kaiming std ${std(k)} vs ${wantK}`);
  const mean = k.reduce((s, v) => s + v, 0) / k.length;
  if (Math.abs(mean) > 0.01) throw new Error(`kaiming mean ${mean}`);
});
