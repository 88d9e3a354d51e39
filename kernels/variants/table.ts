/**
 * The variants of a generated GEMM-shaped op (matmul, the conv passes): one kernel per family
 * ("cpu", "gpu", "tiled", "wide", and "narrow" where few channels need a smaller block), each
 * with the tile of outputs one workgroup covers, from the generator's data: the tiles.json it
 * writes beside the kernels (kernels/<op>/generated/, tools/gen_kernels.ts).
 */
import type { Kernel } from "../runtime/gpu.ts";

/** A kernel and the rows x columns of output one workgroup computes. */
export interface TiledKernel {
  kernel: Kernel;
  rows: number;
  cols: number;
  /** Other kernels a variant dispatches beside `kernel` (their sources count in fingerprints). */
  companions?: readonly Kernel[];
}

/** A generated folder's tiles.json: kernel file -> [rows, columns] of outputs per workgroup. */
export type Tiles = Readonly<Record<string, readonly number[]>>;

/** Generated kernel `name` (file `name.wgsl`) with its tile from `tiles`. */
export function tiledKernel(name: string, code: string, tiles: Tiles): TiledKernel {
  const tile = tiles[`${name}.wgsl`];
  if (!tile || tile.length !== 2) {
    throw new Error(`kernel ${name}: no tile in its generated/tiles.json (run deno task gen)`);
  }
  return { kernel: { name, code }, rows: tile[0], cols: tile[1] };
}

/** The variants of op `base`: kernel `base` for "cpu", `base_<variant>` for the others. */
export function variantTable<V extends string>(
  base: string,
  sources: Record<V, string>,
  tiles: Tiles,
): Record<V, TiledKernel> {
  const entries = Object.entries(sources) as [V, string][];
  return Object.fromEntries(
    entries.map((
      [v, code],
    ) => [v, tiledKernel(v === "cpu" ? base : `${base}_${v}`, code, tiles)]),
  ) as Record<V, TiledKernel>;
}

/** The variant names of a table. */
export function variantsOf<V extends string>(table: Record<V, unknown>): V[] {
  return Object.keys(table) as V[];
}

const fingerprints = new WeakMap<object, Map<string, string>>();

/**
 * A short hash (FNV-1a, 32 bits, hex) of a table's variant names, tiles and kernel sources, or of
 * those of `variants` only (the ones a tuner chooses among). The autotune cache keys its choices
 * by it, so a measured choice is never reused for kernels that have since changed (a new version
 * of mmboost, a regenerated kernel): they are measured anew. Kernels outside `variants` (another
 * kind of adapter's families) leave it alone, so changing them does not retune this adapter.
 */
export function fingerprint(
  table: Readonly<Record<string, TiledKernel>>,
  variants: readonly string[] = Object.keys(table),
): string {
  let memo = fingerprints.get(table);
  if (!memo) fingerprints.set(table, memo = new Map());
  const names = variants.join();
  let hash = memo.get(names);
  if (hash === undefined) {
    const text = variants
      .map((v) => {
        const k = table[v];
        const also = (k.companions ?? []).map((c) => c.code).join("");
        return `${v}:${k.rows}x${k.cols}:${k.kernel.code}${also}`;
      })
      .join("\n");
    hash = fnv1a(text);
    memo.set(names, hash);
  }
  return hash;
}

/** The 32-bit FNV-1a hash of a text's UTF-16 code units, as 8 hex digits. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}
