/**
 * A model's state as named float arrays, for checkpoints and reference fixtures:
 * parameters under their names, momentum buffers under "momentum.<name>", BN running
 * statistics under "<bn>.running_mean" and "<bn>.running_var" (torchvision's names).
 */
import type { Tensor } from "../../kernels/tensor.ts";
import type { NamedSet } from "./multimodal.ts";

/** Everything that `readState` and `loadState` move. */
export interface StateOwner {
  /** Every parameter set with its name prefix. */
  namedSets(): NamedSet[];
  /** Named non-parameter tensors (batch-norm running statistics). */
  buffers(): [string, Tensor][];
  /** Other named tensors saved whole (a method's state, e.g. MLA's projector). */
  extras?(): [string, Tensor][];
}

/** Read the state with one readback. */
export async function readState(
  model: StateOwner,
  momentum = true,
): Promise<Map<string, Float32Array>> {
  const sets = model.namedSets(), buffers = model.buffers(), extras = model.extras?.() ?? [];
  const gpu = sets[0][1].gpu;
  const ranges = [
    ...sets.map(([, s]) => s.values.range),
    ...(momentum ? sets.map(([, s]) => s.momentum.range) : []),
    ...buffers.map(([, t]) => t.range),
    ...extras.map(([, t]) => t.range),
  ];
  const data = await gpu.read(ranges);
  const out = new Map<string, Float32Array>();
  const add = (m: Map<string, Float32Array>) => m.forEach((v, k) => out.set(k, v));
  sets.forEach(([prefix, s], i) => add(s.unpack(data[i], prefix)));
  if (momentum) {
    sets.forEach(([prefix, s], i) => add(s.unpack(data[sets.length + i], `momentum.${prefix}`)));
  }
  const first = data.length - buffers.length - extras.length;
  extras.forEach(([name], i) => out.set(name, data[first + buffers.length + i]));
  buffers.forEach(([name, t], i) => {
    const d = data[first + i], C = t.shape[1];
    out.set(`${name}.running_mean`, d.slice(0, C));
    out.set(`${name}.running_var`, d.slice(C));
  });
  return out;
}

/**
 * Load state from `get(name)`: every parameter and running statistic must be there (the error
 * lists what is missing); momentum buffers are loaded when `momentum` (missing ones mean zero).
 */
export async function loadState(
  model: StateOwner,
  get: (name: string) => ArrayLike<number> | undefined,
  momentum = false,
): Promise<void> {
  const missing: string[] = [];
  for (const [prefix, set] of model.namedSets()) {
    const values = new Map<string, ArrayLike<number>>();
    const moms = new Map<string, ArrayLike<number>>();
    for (const n of set.names) {
      const v = get(prefix + n);
      if (v) values.set(n, v);
      else missing.push(prefix + n);
      if (momentum) moms.set(n, get(`momentum.${prefix}${n}`) ?? new Float32Array(set.get(n).size));
    }
    if (values.size === set.names.length) await set.load(values);
    if (momentum) await set.load(moms, "momentum");
  }
  for (const [name, t] of model.buffers()) {
    const mean = get(`${name}.running_mean`), variance = get(`${name}.running_var`);
    if (!mean || !variance) {
      missing.push(`${name}.running_mean/var`);
      continue;
    }
    t.write([...Array.from(mean), ...Array.from(variance)]);
  }
  for (const [name, t] of model.extras?.() ?? []) {
    const v = get(name);
    if (!v || v.length !== t.size) missing.push(name);
    else t.write(Array.from(v));
  }
  if (missing.length) {
    throw new Error(
      `state is missing ${missing.length} entries: ${missing.slice(0, 6).join(", ")}`,
    );
  }
}
