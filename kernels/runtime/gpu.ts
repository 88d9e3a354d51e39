/**
 * The WebGPU runtime: one device, a pipeline cache, a buffer pool, batched dispatches and one
 * readback path. Kernels only declare their WGSL, bindings, uniforms and grid; everything that
 * touches the queue lives here.
 *
 * Dispatches are recorded into one open compute pass and submitted together on `flush()` (or
 * implicitly by `read`). Each await on the GPU costs about 11 ms in Deno, so a training step is
 * recorded whole and read back only when metrics are needed.
 *
 * The runtime is the bottom layer: it imports nothing of the project above it. Which variant of
 * a kernel to run (families, autotuning, exclusions) is kernels/variants/; tensors and their
 * scopes are kernels/tensor.ts; settings come in as options (the entry scripts read the
 * environment once: pipelines/env.ts).
 */
import { BufferPool } from "./buffer_pool.ts";
import { GpuTimer } from "./timer.ts";
import { type DriverIdentity, driverRelease, loadedDriver, preferVulkan } from "./driver.ts";

/** A compute kernel: WGSL source with entry point `main`, named for caching and timing. */
export interface Kernel {
  /**
   * Unique per pipeline: a kernel specialized by `constants` is named `base#values` (the
   * profile sums it under `base`; `profile: "grid"` keeps the values).
   */
  name: string;
  /** The WGSL source. */
  code: string;
  /** Values of the source's `override` constants (e.g. a workgroup size). */
  constants?: Record<string, number>;
}

/** Something bindable as a storage buffer: a whole buffer or a byte range of one. */
export interface BufferRange {
  /** The buffer. */
  buffer: GPUBuffer;
  /** Byte offset of the range (a multiple of the device's storage alignment). */
  offset: number;
  /** Byte length of the range. */
  size: number;
}

/** Uniform values: u32 fields first, then f32 fields, matching the kernel's `Params` struct. */
export interface Uniforms {
  /** The u32 fields, in struct order. */
  u?: number[];
  /** The f32 fields, in struct order after the u32 ones. */
  f?: number[];
}

/** Options for `Gpu.create`. */
export interface GpuOptions {
  /**
   * Record GPU time per dispatch with timestamp queries (when the adapter has them); "grid"
   * records it per kernel (with its specialization) and dispatch grid (one row per shape a kernel
   * ran at).
   */
  profile?: boolean | "grid";
  /** Dispatches per submit while recording (Gpu.flushEvery); default by adapter kind. */
  flushEvery?: number;
  /** The adapter WebGPU is asked for (requestAdapter's powerPreference). */
  powerPreference?: GPUPowerPreference;
}

const NO_ADAPTER = "No WebGPU adapter found. On Debian without a GPU install the software " +
  "Vulkan driver: `apt-get install mesa-vulkan-drivers libvulkan1` (or the GL libraries for " +
  "wgpu's GL fallback). On a GPU machine install the vendor driver and the Vulkan loader " +
  "(libvulkan1). Where a Vulkan driver is installed mmboost asks for Vulkan alone; " +
  "DENO_WEBGPU_BACKEND=vulkan|gl picks a backend.";

/** Dispatches per submit while recording on a GPU (Gpu.flushEvery). */
export const FLUSH_EVERY = 64;

/** Workgroup counts for `n` invocations of `size`, folded into y above 65535 groups. */
export function groups1d(n: number, size: number): [number, number] {
  const g = Math.max(1, Math.ceil(n / size));
  if (g <= 65535) return [g, 1];
  const y = Math.ceil(g / 65535);
  return [Math.ceil(g / y), y];
}

/**
 * A WebGPU device with its caches; create one with `await Gpu.create()`.
 * @example Open the device, round-trip a tensor
 * ```ts
 * import { Gpu, Tensor } from "@mmboost/mmboost";
 * const gpu = await Gpu.create(); // a clear error names what to install when there is no adapter
 * console.log(gpu.adapterName);
 * const t = Tensor.from(gpu, [1, 2, 3], [3]);
 * console.log(await t.read()); // Float32Array(3) [ 1, 2, 3 ]
 * ```
 */
export class Gpu {
  /** The WebGPU device every buffer and pipeline of this Gpu belongs to. */
  readonly device: GPUDevice;
  /** What the adapter reports (vendor, architecture, description, fallback or not). */
  readonly adapterInfo: GPUAdapterInfo;
  /** The driver libraries serving the adapter and the processor (driver.ts). */
  readonly driver: DriverIdentity;
  /** The device's enabled features (e.g. "timestamp-query"). */
  readonly features: ReadonlySet<string>;
  /** The pool that recycles this device's buffers by exact size. */
  readonly pool: BufferPool;
  /** GPU time per kernel when created with `profile`, else null. */
  readonly timer: GpuTimer | null;
  /** Dispatches recorded since the device was created (for tests and benches). */
  dispatches = 0;
  /**
   * Submit after this many recorded dispatches (0: only on flush or read), so that a GPU starts
   * on a step while the rest of it is still being recorded instead of after it (recording the
   * ResNet step's 597 dispatches takes about 11 ms on this project's CPU machine). Queue order is
   * kept, so results do not change. Option `flushEvery` (MMBOOST_FLUSH_EVERY); default
   * FLUSH_EVERY on a GPU, 0 on a software adapter (which computes on the cores that record:
   * every 64 dispatches measured 0.7 % slower there, five alternated ResNet steps).
   */
  flushEvery: number;
  #unflushed = 0;
  #pipelines = new Map<string, GPUComputePipeline>();
  #uniforms = new Map<string, GPUBuffer>();
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #dummy: GPUBuffer | null = null;
  readonly #profileGrid: boolean;
  #release: string | undefined;
  /** WebGPU errors reported since the last wait (sync, read), which then throws them. */
  #errors: string[] = [];

  private constructor(
    device: GPUDevice,
    info: GPUAdapterInfo,
    driver: DriverIdentity,
    profile: boolean | "grid",
    flushEvery: number | undefined,
  ) {
    this.device = device;
    this.adapterInfo = info;
    this.driver = driver;
    this.flushEvery = flushEvery ?? (info.isFallbackAdapter ? 0 : FLUSH_EVERY);
    this.features = new Set(device.features);
    this.pool = new BufferPool(device);
    this.timer = profile && this.features.has("timestamp-query") ? new GpuTimer(device) : null;
    this.#profileGrid = profile === "grid";
  }

  /**
   * Acquire an adapter and a device with the adapter's full buffer and workgroup limits. On
   * Linux with a Vulkan driver installed and DENO_WEBGPU_BACKEND unset, WebGPU starts with its
   * Vulkan backend alone (driver.ts preferVulkan); the first call in a process decides.
   */
  static async create(options: GpuOptions = {}): Promise<Gpu> {
    if (!("gpu" in navigator) || !navigator.gpu) throw new Error(NO_ADAPTER);
    preferVulkan(); // Vulkan alone where installed (driver.ts: GL beside it crashed at exit)
    const adapter = await navigator.gpu.requestAdapter({
      powerPreference: options.powerPreference ?? "high-performance",
    });
    if (!adapter) throw new Error(NO_ADAPTER);
    // Read info and limits before requestDevice: Deno invalidates the adapter afterwards.
    const info = adapter.info;
    const l = adapter.limits;
    const optional: GPUFeatureName[] = ["timestamp-query", "shader-f16"];
    const wanted = optional.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({
      requiredFeatures: wanted,
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
        minStorageBufferOffsetAlignment: l.minStorageBufferOffsetAlignment,
      },
    });
    const driver = loadedDriver(); // the driver is loaded once the adapter exists
    const gpu = new Gpu(device, info, driver, options.profile ?? false, options.flushEvery);
    device.addEventListener("uncapturederror", (e) => {
      const message = (e as GPUUncapturedErrorEvent).error.message;
      console.error(`WebGPU error: ${message}`);
      gpu.#errors.push(message);
    });
    return gpu;
  }

  /** True on a fallback (software) adapter, such as Mesa's llvmpipe. */
  get software(): boolean {
    return this.adapterInfo.isFallbackAdapter;
  }

  /** Compute pipelines compiled so far (the autotuner tells a first, compiling run by it). */
  get pipelineCount(): number {
    return this.#pipelines.size;
  }

  /**
   * The driver's release ("Mesa 22.3.6", NVIDIA's library version), read once on first use;
   * empty when unknown (driver.ts).
   */
  get driverRelease(): string {
    const nvidia = /nvidia/i.test(this.adapterInfo.description) ||
      this.adapterInfo.vendor === "4318"; // PCI vendor 0x10de
    this.#release ??= driverRelease(this.driver.paths, nvidia);
    return this.#release;
  }

  /** A one-line description of the adapter and its driver, for logs and reports. */
  get adapterName(): string {
    const i = this.adapterInfo;
    return [i.description, i.vendor, i.architecture, this.driverRelease].filter((s) => s)
      .join(" / ");
  }

  /** The storage-binding alignment in bytes (offsets of tensor views must be multiples). */
  get offsetAlignment(): number {
    return this.device.limits.minStorageBufferOffsetAlignment;
  }

  /** A small zero buffer to bind where an optional input is absent. */
  get dummy(): BufferRange {
    this.#dummy ??= this.device.createBuffer({
      size: 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    return { buffer: this.#dummy, offset: 0, size: 16 };
  }

  /** The cached pipeline of a kernel (compiled once per name and source). */
  pipeline(kernel: Kernel): GPUComputePipeline {
    let p = this.#pipelines.get(kernel.name);
    if (!p) {
      const module = this.device.createShaderModule({ label: kernel.name, code: kernel.code });
      p = this.device.createComputePipeline({
        label: kernel.name,
        layout: "auto",
        compute: { module, entryPoint: "main", constants: kernel.constants },
      });
      this.#pipelines.set(kernel.name, p);
    }
    return p;
  }

  /** A uniform buffer holding `u` (u32) then `f` (f32); cached by content, never rewritten. */
  #uniformBuffer(values: Uniforms): GPUBuffer {
    const u = values.u ?? [], f = values.f ?? [];
    const key = u.join(",") + "|" + f.join(",");
    let buf = this.#uniforms.get(key);
    if (!buf) {
      const words = Math.max(4, Math.ceil((u.length + f.length) / 4) * 4);
      buf = this.device.createBuffer({
        size: words * 4,
        usage: GPUBufferUsage.UNIFORM,
        mappedAtCreation: true,
      });
      const range = buf.getMappedRange();
      new Uint32Array(range).set(u.map((x) => x >>> 0));
      new Float32Array(range).set(f, u.length);
      buf.unmap();
      this.#uniforms.set(key, buf);
    }
    return buf;
  }

  #computePass(label: string): GPUComputePassEncoder {
    if (this.timer) {
      this.#endPass();
      if (this.timer.full) this.flush(); // out of query slots: resolve them with this submit
      this.#encoder ??= this.device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass({ timestampWrites: this.timer.next(label) });
      return this.#pass;
    }
    this.#encoder ??= this.device.createCommandEncoder();
    this.#pass ??= this.#encoder.beginComputePass();
    return this.#pass;
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = null;
  }

  /** The command encoder outside any pass, for copies and clears. */
  encoder(): GPUCommandEncoder {
    this.#endPass();
    this.#encoder ??= this.device.createCommandEncoder();
    return this.#encoder;
  }

  /**
   * Record one dispatch of `kernel`. Binding 0 is the uniform `Params` struct (when `uniforms`
   * is given), storage buffers follow in order from binding 1 (or 0 without uniforms).
   */
  dispatch(
    kernel: Kernel,
    buffers: BufferRange[],
    uniforms: Uniforms | null,
    grid: readonly number[],
  ): void {
    const pipeline = this.pipeline(kernel);
    const entries: GPUBindGroupEntry[] = [];
    if (uniforms) entries.push({ binding: 0, resource: { buffer: this.#uniformBuffer(uniforms) } });
    const base = entries.length;
    buffers.forEach((b, i) =>
      entries.push({
        binding: base + i,
        resource: { buffer: b.buffer, offset: b.offset, size: b.size },
      })
    );
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries,
    });
    const pass = this.#computePass(
      this.#profileGrid ? `${kernel.name} ${grid.join("x")}` : kernel.name.split("#")[0],
    );
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(grid[0], grid[1] ?? 1, grid[2] ?? 1);
    if (this.timer) this.#endPass();
    this.dispatches++;
    if (this.flushEvery > 0 && ++this.#unflushed >= this.flushEvery) this.flush();
  }

  /** Submit everything recorded so far (does not wait). */
  flush(): void {
    this.#unflushed = 0;
    if (!this.#encoder) return;
    this.#endPass();
    this.timer?.resolve(this.#encoder);
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
  }

  /** Write `data` at `offset` of `buffer`, ordered after all work recorded so far. */
  write(buffer: GPUBuffer, offset: number, data: Float32Array<ArrayBuffer>): void {
    this.flush();
    this.device.queue.writeBuffer(buffer, offset, data);
  }

  /**
   * Read several ranges back with one submit and one wait: the single readback path. Throws
   * when WebGPU reported an error since the last wait (see sync).
   */
  async read(ranges: BufferRange[]): Promise<Float32Array[]> {
    const total = ranges.reduce((s, r) => s + Math.ceil(r.size / 4) * 4, 0);
    const staging = this.device.createBuffer({
      size: Math.max(4, total),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const enc = this.encoder();
    let at = 0;
    const starts: number[] = [];
    for (const r of ranges) {
      starts.push(at);
      enc.copyBufferToBuffer(r.buffer, r.offset, staging, at, r.size);
      at += Math.ceil(r.size / 4) * 4;
    }
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const all = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    await this.timer?.collect();
    this.#throwReported();
    return ranges.map((r, i) => all.slice(starts[i] / 4, starts[i] / 4 + r.size / 4));
  }

  /**
   * Submit and wait until the GPU has finished all recorded work; throws when WebGPU reported an
   * error (a rejected dispatch) since the last wait, whose results are then invalid.
   */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.timer?.collect();
    this.#throwReported();
  }

  /**
   * Throw the WebGPU errors reported since the last wait, if any (then forget them): a dispatch
   * WebGPU rejected (a grid or a binding over the device's limits, a kernel the driver could not
   * compile) invalidates the command buffer it was in, so every result recorded with it is
   * garbage. Without this a run would go on silently with them (the errors only logged).
   */
  #throwReported(): void {
    if (this.#errors.length === 0) return;
    const [first] = this.#errors, n = this.#errors.length;
    this.#errors = [];
    throw new Error(
      `WebGPU reported ${n} error${n > 1 ? "s" : ""} since the last wait, so the work recorded ` +
        `since is invalid; the first: ${first}`,
    );
  }

  /**
   * Run `fn` (which records work and waits for it) inside WebGPU error scopes: the first
   * validation, out-of-memory or internal error it causes is returned instead of reported (the
   * autotuner drops variants that fail so, e.g. over a limit of this device).
   */
  async capturingErrors(fn: () => Promise<void>): Promise<string | null> {
    const filters: GPUErrorFilter[] = ["validation", "out-of-memory", "internal"];
    for (const f of filters) this.device.pushErrorScope(f);
    let thrown: unknown = null;
    try {
      await fn();
      this.flush(); // work recorded after fn's last wait is validated inside the scopes too
    } catch (e) {
      thrown = e;
    }
    const errors = [];
    for (let i = filters.length - 1; i >= 0; i--) errors.push(await this.device.popErrorScope());
    if (thrown) throw thrown;
    return errors.find((e) => e !== null)?.message ?? null;
  }

  /** Wait for the queue, then destroy all buffers and the device. */
  async destroy(): Promise<void> {
    await this.sync();
    this.pool.trim();
    for (const b of this.#uniforms.values()) b.destroy();
    this.#uniforms.clear();
    this.#dummy?.destroy();
    this.timer?.destroy();
    this.device.destroy();
  }
}
