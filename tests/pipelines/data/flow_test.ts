import { grey, hornSchunck, quantiseFlow } from "../../../pipelines/data/flow.ts";

Deno.test("Horn-Schunck recovers a small uniform translation of a smooth pattern", () => {
  const [w, h] = [48, 40];
  const pattern = (x: number, y: number) => 128 + 60 * Math.sin(x / 4) * Math.cos(y / 5);
  const a = Float32Array.from({ length: w * h }, (_, i) => pattern(i % w, Math.floor(i / w)));
  const b = Float32Array.from(
    { length: w * h },
    (_, i) => pattern((i % w) - 0.5, Math.floor(i / w) + 0.3),
  ); // moved (+0.5, -0.3)
  const { u, v } = hornSchunck(a, b, w, h, 5, 300);
  let su = 0, sv = 0, n = 0;
  for (let y = 8; y < h - 8; y++) {
    for (let x = 8; x < w - 8; x++) {
      su += u[y * w + x];
      sv += v[y * w + x];
      n++;
    }
  }
  const [mu, mv] = [su / n, sv / n];
  if (Math.abs(mu - 0.5) > 0.1 || Math.abs(mv + 0.3) > 0.1) {
    throw new Error(`mean flow (${mu}, ${mv}), want (0.5, -0.3)`);
  }
  const q = quantiseFlow(Float32Array.of(-30, -20, 0, 20, 30));
  if (q.join(",") !== "0,0,128,255,255") throw new Error(`quantised ${q}`);
  if (grey(Uint8Array.of(255, 255, 255))[0] !== 255) throw new Error("grey of white");
});
