/**
 * The prepared-sample cache: one file per split holding every sample's spectrogram (float16)
 * and frames (8-bit RGB), so epochs after the first decode nothing. Layout: the data, then a
 * JSON index, then a 24-byte trailer (index offset u64, index length u64, magic "MMBCACH1").
 * Written to a temporary file and renamed into place (a killed build leaves no cache); the
 * index records the key of the settings and sources that shaped it, and a cache whose key
 * differs is rebuilt. Reads seek per sample, so memory stays small whatever the dataset size.
 */
import { basename, dirname, join } from "node:path";
import type { RgbImage } from "../../kernels/image/image.ts";

const MAGIC = "MMBCACH1";

/** What the index says about one sample. */
interface Entry {
  spec: [offset: number, values: number];
  frames: [offset: number, width: number, height: number][];
}

/** The JSON index. */
export interface CacheIndex {
  key: string;
  specShape: number[];
  names: string[];
  labels: number[];
  entries: Entry[];
  /** Samples skipped while building, with the reason (file and problem). */
  skipped: string[];
}

/** Streams samples into a new cache file; `finish` makes it visible atomically. */
export class CacheWriter {
  #file: Deno.FsFile;
  #tmp: string;
  #path: string;
  #at = 0;
  #entries: Entry[] = [];
  #names: string[] = [];
  #labels: number[] = [];

  private constructor(file: Deno.FsFile, tmp: string, path: string) {
    this.#file = file;
    this.#tmp = tmp;
    this.#path = path;
  }

  static async create(path: string): Promise<CacheWriter> {
    await Deno.mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID()}.tmp`);
    return new CacheWriter(await Deno.open(tmp, { write: true, createNew: true }), tmp, path);
  }

  async #write(bytes: Uint8Array): Promise<number> {
    const at = this.#at;
    let done = 0;
    while (done < bytes.length) done += await this.#file.write(bytes.subarray(done));
    this.#at += bytes.length;
    return at;
  }

  /** Append one sample. */
  async add(name: string, label: number, spec: Float32Array, frames: RgbImage[]): Promise<void> {
    const half = new Float16Array(spec);
    const specAt = await this.#write(new Uint8Array(half.buffer));
    const f: Entry["frames"] = [];
    for (const img of frames) f.push([await this.#write(img.data), img.width, img.height]);
    this.#entries.push({ spec: [specAt, spec.length], frames: f });
    this.#names.push(name);
    this.#labels.push(label);
  }

  /** Write the index and trailer, sync, rename into place. */
  async finish(key: string, specShape: number[], skipped: string[]): Promise<void> {
    const index: CacheIndex = {
      key,
      specShape,
      names: this.#names,
      labels: this.#labels,
      entries: this.#entries,
      skipped,
    };
    const json = new TextEncoder().encode(JSON.stringify(index));
    const at = await this.#write(json);
    const trailer = new Uint8Array(24);
    const v = new DataView(trailer.buffer);
    v.setBigUint64(0, BigInt(at), true);
    v.setBigUint64(8, BigInt(json.length), true);
    trailer.set(new TextEncoder().encode(MAGIC), 16);
    await this.#write(trailer);
    await this.#file.sync();
    this.#file.close();
    await Deno.rename(this.#tmp, this.#path);
  }

  /** Abandon the build (removes the temporary file). */
  async abort(): Promise<void> {
    try {
      this.#file.close();
    } catch { /* already closed */ }
    await Deno.remove(this.#tmp).catch(() => {});
  }
}

/** Random access to a finished cache file. */
export class CacheReader {
  readonly index: CacheIndex;
  readonly path: string;
  #file: Deno.FsFile;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, file: Deno.FsFile, index: CacheIndex) {
    this.path = path;
    this.#file = file;
    this.index = index;
  }

  /** Open `path`; null when it does not exist or is not a complete cache. */
  static async open(path: string): Promise<CacheReader | null> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch {
      return null;
    }
    try {
      const size = (await file.stat()).size;
      if (size < 24) throw new Error("short");
      const trailer = await readAt(file, size - 24, 24);
      if (new TextDecoder().decode(trailer.subarray(16)) !== MAGIC) throw new Error("no magic");
      const v = new DataView(trailer.buffer);
      const at = Number(v.getBigUint64(0, true)), len = Number(v.getBigUint64(8, true));
      const index = JSON.parse(new TextDecoder().decode(await readAt(file, at, len))) as CacheIndex;
      return new CacheReader(path, file, index);
    } catch {
      file.close();
      return null;
    }
  }

  /** Reads are serialised: seek + read on one handle must not interleave (prefetching). */
  #read(at: number, n: number): Promise<Uint8Array> {
    const next = this.#queue.then(() => readAt(this.#file, at, n));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Number of samples. */
  get size(): number {
    return this.index.entries.length;
  }

  /** The spectrogram of sample i as float32. */
  async spec(i: number): Promise<Float32Array> {
    const [at, n] = this.index.entries[i].spec;
    const bytes = await this.#read(at, n * 2);
    return new Float32Array(new Float16Array(bytes.buffer, bytes.byteOffset, n));
  }

  /** Number of frames of sample i. */
  frameCount(i: number): number {
    return this.index.entries[i].frames.length;
  }

  /** Frame j of sample i. */
  async frame(i: number, j: number): Promise<RgbImage> {
    const [at, width, height] = this.index.entries[i].frames[j];
    return { width, height, data: await this.#read(at, width * height * 3) };
  }

  close(): void {
    this.#file.close();
  }
}

async function readAt(file: Deno.FsFile, at: number, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  await file.seek(at, Deno.SeekMode.Start);
  let done = 0;
  while (done < n) {
    const r = await file.read(out.subarray(done));
    if (r === null) throw new Error(`unexpected end of file at ${at + done}`);
    done += r;
  }
  return out;
}
