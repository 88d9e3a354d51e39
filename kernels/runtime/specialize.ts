/**
 * Pipeline constants from uniforms: `specialize(kernel, values)` is `kernel` with each field of
 * its `struct Params` (all u32) read as a WGSL `override` constant of the given value instead of
 * from the uniform buffer, except `total` (kept so that the buffer stays bound; the host passes
 * the same values as uniforms as before). One pipeline per value set, cached by name like any
 * other. Why: llvmpipe divides by a uniform lane by lane (a loop of scalar divisions) but by a
 * constant with a multiplication, and folds branches on constants; index-decoding kernels such
 * as the Winograd transforms run 1.0-1.2x faster specialized (the ResNet step 1.05x). Dispatches
 * of fewer than SPECIALIZE_MIN invocations (`total`) keep the generic pipeline: compiling one per
 * shape would cost more than it saves there (the test suite's many small shapes took 1.6x as long).
 */
import type { Kernel } from "./gpu.ts";

/** The smallest `total` (invocations) that gets its own pipeline. */
export const SPECIALIZE_MIN = 1 << 15;

/** Rewritten sources by kernel name (with the source they came from). */
const rewritten = new Map<string, { source: string; code: string; fields: string[] }>();

/** The u32 field names of a kernel's `struct Params`, in order. */
export function paramFields(kernel: Kernel): string[] {
  const m = kernel.code.match(/struct Params \{([^}]*)\}/);
  if (!m) throw new Error(`specialize: kernel ${kernel.name} has no struct Params`);
  return m[1].split(",").map((f) => f.trim()).filter((f) => f).map((f) => {
    const [name, type] = f.split(":").map((s) => s.trim());
    if (type !== "u32") throw new Error(`specialize: ${kernel.name}: Params.${name} is ${type}`);
    return name;
  });
}

/** The kernel's source with its Params fields but `total` read from `override` constants. */
function rewrite(kernel: Kernel): { code: string; fields: string[] } {
  const cached = rewritten.get(kernel.name);
  if (cached?.source === kernel.code) return cached;
  const fields = paramFields(kernel);
  const fixed = fields.filter((f) => f !== "total");
  let code = kernel.code;
  for (const f of fixed) code = code.replace(new RegExp(`\\bp\\.${f}\\b`, "g"), `P_${f}`);
  const decls = fixed.map((f) => `override P_${f}: u32;`).join("\n");
  code = code.replace("struct Params {", `${decls}\n\nstruct Params {`);
  const entry = { source: kernel.code, code, fields };
  rewritten.set(kernel.name, entry);
  return entry;
}

/**
 * `kernel` with its Params fields but `total` as pipeline constants of `values` (in order; the
 * same values the dispatch passes as uniforms), or `kernel` itself below SPECIALIZE_MIN.
 */
export function specialize(kernel: Kernel, values: readonly number[]): Kernel {
  const { code, fields } = rewrite(kernel);
  if (values.length !== fields.length) {
    throw new Error(
      `specialize: ${kernel.name} takes ${fields.length} values (${fields}), got ${values.length}`,
    );
  }
  const total = fields.indexOf("total");
  if (total < 0) throw new Error(`specialize: ${kernel.name}: Params has no total`);
  if (values[total] < SPECIALIZE_MIN) return kernel;
  const constants: Record<string, number> = {};
  fields.forEach((f, i) => {
    if (f !== "total") constants[`P_${f}`] = values[i];
  });
  return withConstants({ name: kernel.name, code }, constants);
}

/**
 * `kernel` (whose source declares the `override` constants named in `constants`) as the pipeline
 * of those values, named `base#values` (one pipeline per value set; profiles sum it under base).
 */
export function withConstants(kernel: Kernel, constants: Record<string, number>): Kernel {
  const key = Object.values(constants).join(",");
  return { name: `${kernel.name}#${key}`, code: kernel.code, constants };
}
