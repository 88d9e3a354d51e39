/** The order of an epoch's samples and its batches (the split itself: data/split.ts). */
import type { Rng } from "../../kernels/init/init.ts";

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Consecutive batches of `size` (the last one may be smaller, as PyTorch's DataLoader). */
export function batches(order: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}
