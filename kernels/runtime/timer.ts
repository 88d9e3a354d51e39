/**
 * GPU time per kernel from timestamp queries. When profiling, the runtime gives every dispatch
 * its own compute pass with begin/end timestamps; on submit the queries are resolved and copied
 * to a readback buffer, and `collect` adds the durations to per-kernel totals.
 */
const CAPACITY = 1024; // dispatches per submit

/** Per-kernel GPU time totals. */
export interface KernelTime {
  /** The kernel (with its grid under `profile: "grid"`). */
  name: string;
  /** Dispatches timed. */
  calls: number;
  /** GPU milliseconds over those dispatches. */
  ms: number;
}

/** Timestamp-query bookkeeping for one device. */
export class GpuTimer {
  #device: GPUDevice;
  #querySet: GPUQuerySet;
  #resolveBuffer: GPUBuffer;
  #labels: string[] = [];
  #inFlight: { buffer: GPUBuffer; labels: string[] }[] = [];
  #totals = new Map<string, KernelTime>();

  /** A timer with timestamp queries on `device` (needs "timestamp-query"). */
  constructor(device: GPUDevice) {
    this.#device = device;
    this.#querySet = device.createQuerySet({ type: "timestamp", count: 2 * CAPACITY });
    this.#resolveBuffer = device.createBuffer({
      size: 16 * CAPACITY,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  /** True when no query slots are left before the next submit. */
  get full(): boolean {
    return this.#labels.length >= CAPACITY;
  }

  /** Timestamp writes for the next pass, recorded under `label`. */
  next(label: string): GPUComputePassTimestampWrites {
    const i = this.#labels.length;
    this.#labels.push(label);
    return {
      querySet: this.#querySet,
      beginningOfPassWriteIndex: 2 * i,
      endOfPassWriteIndex: 2 * i + 1,
    };
  }

  /** Record the resolve and copy of this submit's queries into `encoder`. */
  resolve(encoder: GPUCommandEncoder): void {
    const n = this.#labels.length;
    if (n === 0) return;
    const buffer = this.#device.createBuffer({
      size: 16 * n,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    encoder.resolveQuerySet(this.#querySet, 0, 2 * n, this.#resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.#resolveBuffer, 0, buffer, 0, 16 * n);
    this.#inFlight.push({ buffer, labels: this.#labels });
    this.#labels = [];
  }

  /** Read resolved timestamps of submitted work and add them to the totals. */
  async collect(): Promise<void> {
    const batches = this.#inFlight;
    this.#inFlight = [];
    for (const { buffer, labels } of batches) {
      await buffer.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(buffer.getMappedRange());
      labels.forEach((name, i) => {
        const ns = Number(t[2 * i + 1] - t[2 * i]);
        const e = this.#totals.get(name) ?? { name, calls: 0, ms: 0 };
        e.calls++;
        e.ms += Math.max(0, ns) / 1e6;
        this.#totals.set(name, e);
      });
      buffer.unmap();
      buffer.destroy();
    }
  }

  /** Totals per kernel, largest first; `reset` clears them. */
  report(reset = false): KernelTime[] {
    const out = [...this.#totals.values()].sort((a, b) => b.ms - a.ms);
    if (reset) this.#totals.clear();
    return out;
  }

  /** Releases the query set and its buffers. */
  destroy(): void {
    this.#querySet.destroy();
    this.#resolveBuffer.destroy();
  }
}
