/**
 * Parallel JPEG decoding: a pool of Web Workers (pipelines/data/jpeg_worker.ts) that each read and
 * decode a share of the files. jpeg-js is pure JavaScript, so one thread decodes about one 256x256
 * frame per few milliseconds; NVGesture batches need 256 frames per sample (64 RGB, depth and two
 * flow images). Workers start on first use and stop after a second without work (the timer does
 * not keep the process alive).
 */
import type { RgbImage } from "../../kernels/image/image.ts";
import type { DecodeReply, DecodeRequest } from "./jpeg_worker.ts";

const IDLE_MS = 1000;

/** A pool of decoding workers. */
export class JpegPool {
  readonly size: number;
  #workers: Worker[] = [];
  #waiting = new Map<number, (r: DecodeReply) => void>();
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
      w.onmessage = (e: MessageEvent<DecodeReply>) => {
        this.#waiting.get(e.data.id)?.(e.data);
        this.#waiting.delete(e.data.id);
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
    const parts: Promise<DecodeReply>[] = [];
    for (let w = 0; w * share < paths.length; w++) {
      const id = this.#next++;
      const request: DecodeRequest = { id, paths: paths.slice(w * share, (w + 1) * share) };
      parts.push(new Promise((resolve) => this.#waiting.set(id, resolve)));
      this.#workers[w].postMessage(request);
    }
    const replies = await Promise.all(parts);
    if (this.#waiting.size === 0) {
      const id = setTimeout(() => this.close(), IDLE_MS) as unknown as number;
      Deno.unrefTimer(id);
      this.#idle = id;
    }
    return replies.flatMap((r) =>
      r.images.map((img) => {
        if ("error" in img) throw new Error(img.error);
        return img;
      })
    );
  }

  /** Stop the workers now (they start again on the next decode). */
  close(): void {
    clearTimeout(this.#idle);
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    for (const resolve of this.#waiting.values()) {
      resolve({ id: -1, images: [{ error: "JPEG pool closed" }] });
    }
    this.#waiting.clear();
  }
}
