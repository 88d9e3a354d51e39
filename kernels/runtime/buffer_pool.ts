/**
 * A pool of GPU storage buffers bucketed by exact (256-byte rounded) size.
 *
 * Training repeats the same shapes every step, so exact-size buckets give full reuse with no
 * waste. `acquire` hands out a free buffer of the bucket or creates one; `release` puts it back.
 * Reuse inside one command buffer is safe: WebGPU orders dispatches on a queue and inserts the
 * barriers between them, so a buffer released after its last use in encoded work can be written
 * by the next encoded dispatch (a stream-ordered allocator, as in CUDA's caching allocators).
 * Never `writeBuffer` into a pooled buffer while encoded work is pending; the runtime uploads
 * through encoded copies for that reason.
 */
export class BufferPool {
  #free = new Map<number, GPUBuffer[]>();
  #device: GPUDevice;
  /** Buffers handed out and not yet released. */
  live = 0;
  /** Buffers created by this pool over its lifetime (free + live). */
  created = 0;
  /** Bytes held by the pool (free + live). */
  bytes = 0;

  /** A pool for `device`'s storage buffers. */
  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** The bucket a request of `bytes` falls in. */
  static bucket(bytes: number): number {
    return Math.max(256, Math.ceil(bytes / 256) * 256);
  }

  /** A buffer of at least `bytes` with STORAGE, COPY_SRC and COPY_DST usage. */
  acquire(bytes: number): GPUBuffer {
    const size = BufferPool.bucket(bytes);
    const list = this.#free.get(size);
    this.live++;
    if (list && list.length > 0) return list.pop()!;
    this.created++;
    this.bytes += size;
    return this.#device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** Return a buffer obtained from `acquire`. */
  release(buffer: GPUBuffer): void {
    this.live--;
    const list = this.#free.get(buffer.size);
    if (list) list.push(buffer);
    else this.#free.set(buffer.size, [buffer]);
  }

  /** Destroy every free buffer (live ones stay with their owners). */
  trim(): void {
    for (const list of this.#free.values()) {
      for (const b of list) {
        this.bytes -= b.size;
        this.created--;
        b.destroy();
      }
    }
    this.#free.clear();
  }
}
