/**
 * Range checks for numeric settings read from config files and the command line. A rule states
 * the allowed range of one key; a value outside it is an error naming the key, the range and
 * the value, raised before any work starts.
 */

/** The allowed values of one numeric setting. */
export interface Range {
  /** Whole numbers only. */
  int?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Values must be greater than this (exclusive). */
  above?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Values must be less than this (exclusive). */
  below?: number;
  /** A power of two. */
  pow2?: boolean;
}

/** "an integer >= 1", "a number in (0, 1]", ... */
export function describeRange(r: Range): string {
  const what = r.pow2 ? "a power of two" : r.int ? "an integer" : "a number";
  const lo = r.min !== undefined ? `[${r.min}` : r.above !== undefined ? `(${r.above}` : null;
  const hi = r.max !== undefined ? `${r.max}]` : r.below !== undefined ? `${r.below})` : null;
  if (lo && hi) return `${what} in ${lo}, ${hi}`;
  if (lo) return `${what} ${lo[0] === "[" ? ">=" : ">"} ${lo.slice(1)}`;
  if (hi) return `${what} ${hi.endsWith("]") ? "<=" : "<"} ${hi.slice(0, -1)}`;
  return what;
}

/** True when `v` satisfies `r`. */
export function inRange(v: number, r: Range): boolean {
  if (!Number.isFinite(v)) return false;
  if ((r.int || r.pow2) && !Number.isInteger(v)) return false;
  if (r.pow2 && (v < 1 || (v & (v - 1)) !== 0)) return false;
  if (r.min !== undefined && v < r.min) return false;
  if (r.above !== undefined && !(v > r.above)) return false;
  if (r.max !== undefined && v > r.max) return false;
  if (r.below !== undefined && !(v < r.below)) return false;
  return true;
}

/** The value at a dotted key of a nested object. */
function at(values: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>(
    (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined),
    values,
  );
}

/**
 * Check every key of `rules` in `values` (dotted keys reach into objects; lists are checked
 * element by element; absent keys are skipped). `prefix` is put before each key in errors
 * ("data." for dataset settings), `source` names where the values came from.
 */
export function checkRanges(
  values: unknown,
  rules: Record<string, Range>,
  source: string,
  prefix = "",
): void {
  for (const [key, rule] of Object.entries(rules)) {
    const v = at(values, key);
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    for (const x of list) {
      if (typeof x !== "number" || !inRange(x, rule)) {
        const which = Array.isArray(v) ? " entries" : "";
        throw new Error(
          `${source}: "${prefix}${key}"${which} must be ${describeRange(rule)}, got ${
            JSON.stringify(x)
          }`,
        );
      }
    }
  }
}
