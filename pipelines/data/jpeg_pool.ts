/**
 * Parallel JPEG decoding: a pool of Web Workers (pipelines/data/jpeg_worker.ts, on the job protocol
 * of workers.ts) that each read and decode a share of the files. Unlike `runInWorkers` the workers
 * stay up between batches. jpeg-js is pure JavaScript, so one thread decodes about one 256x256
 * frame per few milliseconds; NVGesture batches need 256 frames per sample (64 RGB, depth and two
 * flow images). Workers start on first use and stop after a second without work (the timer does
 * not keep the process alive).
 */
import type { RgbImage } from "../../kernels/image/image.ts";
import type { Reply } from "./workers.ts";

const IDLE_MS = 1000;

/** A pool of decoding workers. */
export class JpegPool {
  readonly size: number;
  #workers: Worker[] = [];
  #waiting = new Map<number, (r: Reply<RgbImage[]>) => void>();
  #next = 0;
  #idle: number | undefined;

  /** `size` workers (default: one per core, at most 8; the main thread waits meanwhile). */
  constructor(size?: number) {
    this.size = size ?? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 2));
  }

  #start(): void {
    if (this.#workers.length) return;
    const url = new URL("./jpeg_worker.ts", import.meta.url).href;
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(url, { type: "module" });
      w.onmessage = (e: MessageEvent<Reply<RgbImage[]>>) => {
        this.#waiting.get(e.data.i)?.(e.data);
        this.#waiting.delete(e.data.i);
      };
      this.#workers.push(w);
    }
  }

  /** Decode `paths` (in order); a file that fails rejects with its error, naming the file. */
  async decode(paths: string[]): Promise<RgbImage[]> {
    if (paths.length === 0) return [];
    clearTimeout(this.#idle);
    this.#start();
    const share = Math.ceil(paths.length / this.size);
    const parts: Promise<Reply<RgbImage[]>>[] = [];
    for (let w = 0; w * share < paths.length; w++) {
      const i = this.#next++;
      parts.push(new Promise((resolve) => this.#waiting.set(i, resolve)));
      this.#workers[w].postMessage({ i, job: paths.slice(w * share, (w + 1) * share) });
    }
    const replies = await Promise.all(parts);
    if (this.#waiting.size === 0) {
      const id = setTimeout(() => this.close(), IDLE_MS) as unknown as number;
      Deno.unrefTimer(id);
      this.#idle = id;
    }
    return replies.flatMap((r) => {
      if ("error" in r) throw new Error(r.error);
      return r.result;
    });
  }

  /** Stop the workers now (they start again on the next decode). */
  close(): void {
    clearTimeout(this.#idle);
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    for (const resolve of this.#waiting.values()) resolve({ i: -1, error: "JPEG pool closed" });
    this.#waiting.clear();
  }
}
