/**
 * Tensor: an f32 array on the GPU with a shape, plus the few fields reverse-mode autograd needs.
 *
 * A tensor either owns a pooled buffer (released by `dispose`) or is a view into another
 * buffer (a parameter arena, a reshape), which it never frees. Tensors created while a `Scope`
 * is open are disposed with it, so one `using scope = new Scope(gpu)` per training step keeps
 * the live-buffer count flat.
 */
import type { BufferRange, Gpu } from "./runtime/gpu.ts";

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * An f32 tensor on the GPU.
 * @example Create, read and release
 * ```ts
 * import { Gpu, relu, Tensor } from "@mmboost/mmboost";
 * const gpu = await Gpu.create();
 * const x = Tensor.from(gpu, [-1, 2, -3, 4], [2, 2]);
 * const y = relu(x); // recorded, not yet run: read() submits and waits
 * console.log(y.shape, await y.read()); // [ 2, 2 ] Float32Array(4) [ 0, 2, 0, 4 ]
 * x.dispose();
 * y.dispose();
 * ```
 */
export class Tensor {
  /** The device the tensor lives on. */
  readonly gpu: Gpu;
  /** The shape, row-major (the last axis contiguous). */
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** The buffer holding the values (shared by views). */
  readonly buffer: GPUBuffer;
  /** Byte offset into `buffer`. */
  readonly offset: number;
  /** True when gradients flow to this tensor. */
  requiresGrad = false;
  /** True for parameters: `grad` is persistent and kernels accumulate into it. */
  isParam = false;
  /** Gradient of the loss with respect to this tensor, once `backward` reached it. */
  grad: Tensor | null = null;
  /** True while `grad` is another tensor's gradient too (must be copied before writing). */
  gradShared = false;
  /** Inputs of the op that produced this tensor (for the backward walk). */
  parents: Tensor[] = [];
  /** Given this tensor's gradient, push gradients to `parents`. */
  backwardFn: ((grad: Tensor) => void) | null = null;
  #owned: boolean;
  #disposed = false;

  /**
   * Wraps `buffer` (from `offset` bytes) as a tensor of `shape`; `owned` returns it to the pool on
   * dispose. Prefer `Tensor.from`, `Tensor.zeros` and `Tensor.empty`.
   */
  constructor(gpu: Gpu, shape: readonly number[], buffer: GPUBuffer, offset = 0, owned = false) {
    this.gpu = gpu;
    this.shape = [...shape];
    this.size = numel(shape);
    if (this.size === 0) throw new Error(`empty tensor of shape [${shape}]`);
    this.buffer = buffer;
    this.offset = offset;
    this.#owned = owned;
    track(gpu, this);
  }

  /** An uninitialised tensor from the buffer pool. */
  static empty(gpu: Gpu, shape: readonly number[]): Tensor {
    return new Tensor(gpu, shape, gpu.pool.acquire(numel(shape) * 4), 0, true);
  }

  /** A tensor of zeros. */
  static zeros(gpu: Gpu, shape: readonly number[]): Tensor {
    const t = Tensor.empty(gpu, shape);
    gpu.encoder().clearBuffer(t.buffer, 0, Math.ceil(t.byteSize / 4) * 4);
    return t;
  }

  /** A tensor holding a copy of `data` (length must match the shape). */
  static from(gpu: Gpu, data: ArrayLike<number>, shape: readonly number[]): Tensor {
    if (data.length !== numel(shape)) {
      throw new Error(`data of length ${data.length} does not fit shape [${shape}]`);
    }
    const t = Tensor.empty(gpu, shape);
    t.write(data);
    return t;
  }

  /** Bytes of data (size * 4). */
  get byteSize(): number {
    return this.size * 4;
  }

  /** The byte range to bind. */
  get range(): BufferRange {
    if (this.#disposed) throw new Error(`use of a disposed tensor [${this.shape}]`);
    return { buffer: this.buffer, offset: this.offset, size: this.byteSize };
  }

  /** True once `dispose` ran: any further use throws. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Overwrite the contents (ordered after all recorded work). */
  write(data: ArrayLike<number>): void {
    if (data.length !== this.size) {
      throw new Error(`data of length ${data.length} does not fit shape [${this.shape}]`);
    }
    const src = data instanceof Float32Array ? data : Float32Array.from(data);
    this.gpu.write(this.buffer, this.offset, src as Float32Array<ArrayBuffer>);
  }

  /** A tensor sharing this one's data with another shape of the same size (no autograd). */
  view(shape: readonly number[]): Tensor {
    if (numel(shape) !== this.size) {
      throw new Error(`cannot view [${this.shape}] as [${shape}]`);
    }
    return new Tensor(this.gpu, shape, this.buffer, this.offset, false);
  }

  /** Read the values back (submits recorded work and waits). */
  async read(): Promise<Float32Array> {
    return (await this.gpu.read([this.range]))[0];
  }

  /** Release the buffer to the pool (views release nothing). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#owned) this.gpu.pool.release(this.buffer);
  }

  /** Keep this tensor alive past the innermost scope (it moves to the enclosing one). */
  keep(): this {
    untrack(this.gpu, this, true);
    return this;
  }

  /** Take this tensor out of scope management: the caller disposes it. */
  persist(): this {
    untrack(this.gpu, this, false);
    return this;
  }
}

type Members = Set<{ dispose(): void }>;

/** Per device, the open scopes, innermost last. */
const openScopes = new WeakMap<Gpu, Members[]>();

/** Register a disposable with the innermost open scope of `gpu`, if any. */
function track(gpu: Gpu, t: { dispose(): void }): void {
  openScopes.get(gpu)?.at(-1)?.add(t);
}

/**
 * Remove a disposable from the innermost scope: with `toParent`, hand it to the enclosing
 * scope (if any); otherwise the caller owns it from now on.
 */
function untrack(gpu: Gpu, t: { dispose(): void }, toParent: boolean): void {
  const scopes = openScopes.get(gpu) ?? [], n = scopes.length;
  if (n === 0) return;
  scopes[n - 1].delete(t);
  if (toParent && n > 1) scopes[n - 2].add(t);
}

/**
 * Tensors created while a scope is open are disposed with it: `using s = new Scope(gpu)`.
 * @example A training step in a scope
 * ```ts
 * import { Gpu, relu, Scope, Tensor } from "@mmboost/mmboost";
 * const gpu = await Gpu.create();
 * let total = 0;
 * for (let step = 0; step < 3; step++) {
 *   using _ = new Scope(gpu); // every tensor made in the block is released at its end
 *   const y = relu(Tensor.from(gpu, [step, -step], [2]));
 *   total += (await y.read())[0];
 * }
 * console.log(total); // 3
 * ```
 */
export class Scope {
  #gpu: Gpu;
  #members: Members = new Set();

  /** Opens a scope on `gpu`: tensors created until it closes are disposed with it. */
  constructor(gpu: Gpu) {
    this.#gpu = gpu;
    let scopes = openScopes.get(gpu);
    if (!scopes) openScopes.set(gpu, scopes = []);
    scopes.push(this.#members);
  }

  /** Closes the scope (the innermost open one) and disposes its tensors. */
  dispose(): void {
    const top = openScopes.get(this.#gpu)?.pop();
    if (top !== this.#members) throw new Error("scopes closed out of order");
    for (const t of this.#members) t.dispose();
    this.#members.clear();
  }

  /** `using` support: the same as `dispose()`. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Check that a tensor has the expected rank (and optionally dims); name it in the error. */
export function expectShape(
  t: Tensor,
  what: string,
  rank: number,
  dims?: (number | undefined)[],
): void {
  const ok = t.shape.length === rank &&
    (dims ?? []).every((d, i) => d === undefined || t.shape[i] === d);
  if (!ok) {
    const want = dims ? `[${dims.map((d) => d ?? "*")}]` : `rank ${rank}`;
    throw new Error(`${what}: expected ${want}, got [${t.shape}]`);
  }
}
