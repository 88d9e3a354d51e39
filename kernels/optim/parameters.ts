/**
 * ParameterSet: parameters packed into one GPU arena, with gradient and momentum arenas of the
 * same layout, so zeroing gradients is one clear and an optimizer step is one dispatch.
 * Each parameter is a tensor view at an offset aligned for storage binding.
 */
import sgdSrc from "./sgd_update.wgsl" with { type: "text" };
import { numel, Tensor } from "../tensor.ts";
import { type Gpu, groups1d } from "../runtime/gpu.ts";

const sgdKernel = { name: "sgd_update", code: sgdSrc };

/** A named parameter and its initial values. */
export interface ParameterSpec {
  /** The parameter's name (as in checkpoints). */
  name: string;
  /** Its shape. */
  shape: number[];
  /** Its initial values (numel(shape) of them). */
  data: Float32Array;
}

/** Hyperparameters of SGD (PyTorch semantics). */
export interface SgdOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum (PyTorch's form: buf = m buf + g); default 0. */
  momentum?: number;
  /** L2 weight decay added to the gradient; default 0. */
  weightDecay?: number;
}

/** Parameters in one arena; `get(name)` gives the tensor, `grad` its gradient. */
export class ParameterSet {
  /** The device the arenas live on. */
  readonly gpu: Gpu;
  /** The parameters' names, in arena order. */
  readonly names: string[];
  /** The arenas: values, gradients, momentum buffers (flat, same layout). */
  readonly values: Tensor;
  /** The gradients' arena. */
  readonly grads: Tensor;
  /** The momentum buffers' arena. */
  readonly momentum: Tensor;
  /** Each parameter's offset into the arenas, in elements. */
  readonly offsets: Map<string, number>; // in elements
  #params = new Map<string, Tensor>();

  private constructor(gpu: Gpu, specs: ParameterSpec[]) {
    this.gpu = gpu;
    const align = Math.max(gpu.offsetAlignment / 4, 4); // elements; 4: the SGD kernel reads vec4s
    this.offsets = new Map();
    let at = 0;
    for (const s of specs) {
      if (this.offsets.has(s.name)) throw new Error(`duplicate parameter name "${s.name}"`);
      if (s.data.length !== numel(s.shape)) {
        throw new Error(`parameter "${s.name}": ${s.data.length} values for shape [${s.shape}]`);
      }
      this.offsets.set(s.name, at);
      at += Math.ceil(s.data.length / align) * align;
    }
    const total = Math.max(at, 4); // a multiple of 4: the SGD kernel reads vec4s
    const arena = (usage: string) => {
      const buffer = gpu.device.createBuffer({
        label: usage,
        size: total * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      return new Tensor(gpu, [total], buffer, 0, false).persist();
    };
    this.values = arena("parameters");
    this.grads = arena("gradients");
    this.momentum = arena("momentum");
    const init = new Float32Array(total);
    for (const s of specs) init.set(s.data, this.offsets.get(s.name)!);
    this.values.write(init);
    gpu.encoder().clearBuffer(this.grads.buffer);
    gpu.encoder().clearBuffer(this.momentum.buffer);
    this.names = specs.map((s) => s.name);
    for (const s of specs) {
      const off = this.offsets.get(s.name)! * 4;
      const p = new Tensor(gpu, s.shape, this.values.buffer, off, false).persist();
      p.isParam = true;
      p.requiresGrad = true;
      p.grad = new Tensor(gpu, s.shape, this.grads.buffer, off, false).persist();
      this.#params.set(s.name, p);
    }
  }

  /** Pack `specs` into new arenas on `gpu`. */
  static create(gpu: Gpu, specs: ParameterSpec[]): ParameterSet {
    return new ParameterSet(gpu, specs);
  }

  /** The parameter tensor called `name`. */
  get(name: string): Tensor {
    const p = this.#params.get(name);
    if (!p) throw new Error(`no parameter "${name}" (have: ${this.names.join(", ")})`);
    return p;
  }

  /** Set all gradients to zero (one clear). */
  zeroGrad(): void {
    this.gpu.encoder().clearBuffer(this.grads.buffer);
  }

  /** One SGD step over every parameter of the set (one dispatch). */
  sgdStep(o: SgdOptions): void {
    const L = this.values.size;
    this.gpu.dispatch(sgdKernel, [this.values.range, this.grads.range, this.momentum.range], {
      u: [L],
      f: [o.lr, o.momentum ?? 0, o.weightDecay ?? 0],
    }, groups1d(L / 4, 256));
  }

  /** Read values (or gradients, or momentum) of every parameter by name. */
  async read(
    which: "values" | "grads" | "momentum" = "values",
  ): Promise<Map<string, Float32Array>> {
    const [all] = await this.gpu.read([this[which].range]);
    return this.unpack(all);
  }

  /** Split a read-back arena (values, grads or momentum) into named arrays, names prefixed. */
  unpack(arena: Float32Array, prefix = ""): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const n of this.names) {
      const off = this.offsets.get(n)!;
      out.set(prefix + n, arena.slice(off, off + this.get(n).size));
    }
    return out;
  }

  /**
   * Overwrite values (or momentum buffers) of the named parameters; names not given keep
   * their contents. Errors name a wrong name or size. One upload for the whole arena.
   */
  async load(
    values: Map<string, ArrayLike<number>>,
    which: "values" | "momentum" = "values",
  ): Promise<void> {
    for (const [name, data] of values) {
      const p = this.get(name);
      if (data.length !== p.size) {
        throw new Error(`parameter "${name}" [${p.shape}]: got ${data.length} values`);
      }
    }
    const arena = this[which];
    const all = values.size === this.names.length
      ? new Float32Array(arena.size)
      : (await this.gpu.read([arena.range]))[0];
    for (const [name, data] of values) all.set(data, this.offsets.get(name)!);
    arena.write(all);
  }

  /**
   * Free the arenas. Work recorded on them is submitted first: a buffer destroyed under recorded,
   * unsubmitted work fails that work's submit (Deno's WebGPU panics on it).
   */
  destroy(): void {
    this.gpu.flush();
    this.values.buffer.destroy();
    this.grads.buffer.destroy();
    this.momentum.buffer.destroy();
  }
}
