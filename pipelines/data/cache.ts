/**
 * The prepared-sample cache: one file per split holding every sample's spectrogram (float16)
 * and frames (8-bit RGB), so epochs after the first decode nothing. Layout: the data, then a
 * JSON index, then a 32-byte trailer (index offset u64, index length u64, the index's xxh32
 * u32, 4 bytes zero, magic "MMBCACH2"). Every spectrogram and frame carries its xxh32 in the
 * index and is checked when read: damaged bytes are an error naming the file and sample, never
 * data. Written to a temporary file and renamed into place (a killed build leaves no cache,
 * and its temporary file is swept on the next start); the index records the key of the
 * settings and source contents that shaped it, and a cache whose key differs is rebuilt. Reads
 * seek per sample, so memory stays small whatever the dataset size.
 */
import { dirname } from "node:path";
import type { RgbImage } from "../../kernels/image/image.ts";
import { namingFile, tempPath, writeAll } from "../io/atomic.ts";
import { checksum, hashesReady } from "../io/hash.ts";

const MAGIC = "MMBCACH2";
const TRAILER = 32;

/** What the index says about one sample: where its bytes are, and their xxh32. */
export interface CacheEntry {
  /** The spectrogram's byte offset, value count and xxh32. */
  spec: [offset: number, values: number, sum: number];
  /** Per frame its byte offset, width, height and xxh32. */
  frames: [offset: number, width: number, height: number, sum: number][];
}

/** A sample left out while building, and why. */
export interface Skip {
  /** The sample's name in the split file. */
  name: string;
  /** The kind of problem, for counting ("audio unreadable"). */
  reason: string;
  /** The file and the problem. */
  detail: string;
}

/** The JSON index. */
export interface CacheIndex {
  /** The key of the settings and sources the cache was built from. */
  key: string;
  /** The spectrograms' shape. */
  specShape: number[];
  /** The samples' names. */
  names: string[];
  /** The samples' class indices. */
  labels: number[];
  /** Where each sample's bytes are. */
  entries: CacheEntry[];
  /** Samples skipped while building. */
  skipped: Skip[];
}

/** Streams samples into a new cache file; `finish` makes it visible atomically. */
export class CacheWriter {
  #file: Deno.FsFile;
  #tmp: string;
  #path: string;
  #at = 0;
  #entries: CacheEntry[] = [];
  #names: string[] = [];
  #labels: number[] = [];

  private constructor(file: Deno.FsFile, tmp: string, path: string) {
    this.#file = file;
    this.#tmp = tmp;
    this.#path = path;
  }

  static async create(path: string): Promise<CacheWriter> {
    await hashesReady();
    await Deno.mkdir(dirname(path), { recursive: true });
    const tmp = tempPath(path);
    const file = await Deno.open(tmp, { write: true, createNew: true }).catch((e) => {
      throw namingFile(path, e);
    });
    return new CacheWriter(file, tmp, path);
  }

  async #write(bytes: Uint8Array): Promise<number> {
    const at = this.#at;
    await writeAll(this.#file, bytes, this.#path);
    this.#at += bytes.length;
    return at;
  }

  /** Append one sample. */
  async add(name: string, label: number, spec: Float32Array, frames: RgbImage[]): Promise<void> {
    const half = new Uint8Array(new Float16Array(spec).buffer);
    const specAt = await this.#write(half);
    const f: CacheEntry["frames"] = [];
    for (const img of frames) {
      f.push([await this.#write(img.data), img.width, img.height, checksum(img.data)]);
    }
    this.#entries.push({ spec: [specAt, spec.length, checksum(half)], frames: f });
    this.#names.push(name);
    this.#labels.push(label);
  }

  /** Write the index and trailer, sync, rename into place. */
  async finish(key: string, specShape: number[], skipped: Skip[]): Promise<void> {
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
    const trailer = new Uint8Array(TRAILER);
    const v = new DataView(trailer.buffer);
    v.setBigUint64(0, BigInt(at), true);
    v.setBigUint64(8, BigInt(json.length), true);
    v.setUint32(16, checksum(json), true);
    trailer.set(new TextEncoder().encode(MAGIC), 24);
    await this.#write(trailer);
    await this.#file.sync().catch((e) => {
      throw namingFile(this.#path, e);
    });
    this.#file.close();
    await Deno.rename(this.#tmp, this.#path).catch((e) => {
      throw namingFile(this.#path, e);
    });
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
  /** The parsed index. */
  readonly index: CacheIndex;
  /** The cache file. */
  readonly path: string;
  #file: Deno.FsFile;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, file: Deno.FsFile, index: CacheIndex) {
    this.path = path;
    this.#file = file;
    this.index = index;
  }

  /** Open `path`; or why it cannot be used ("missing", "not a complete cache: ..."). */
  static async open(path: string): Promise<CacheReader | string> {
    await hashesReady();
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch {
      return "missing";
    }
    try {
      const size = (await file.stat()).size;
      if (size < TRAILER) throw new Error(`${size} bytes`);
      const trailer = await readAt(file, size - TRAILER, TRAILER);
      if (new TextDecoder().decode(trailer.subarray(24)) !== MAGIC) {
        throw new Error(`no ${MAGIC} trailer (another format, or cut short)`);
      }
      const v = new DataView(trailer.buffer);
      const at = Number(v.getBigUint64(0, true)), len = Number(v.getBigUint64(8, true));
      if (at + len + TRAILER !== size) throw new Error("the index does not end at the trailer");
      const json = await readAt(file, at, len);
      if (checksum(json) !== v.getUint32(16, true)) throw new Error("the index fails its checksum");
      const index = JSON.parse(new TextDecoder().decode(json)) as CacheIndex;
      return new CacheReader(path, file, index);
    } catch (e) {
      file.close();
      return `not a complete cache: ${(e as Error).message}`;
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

  /** Bytes that fail their checksum: an error naming the file and the sample. */
  #check(bytes: Uint8Array, sum: number, i: number, what: string): Uint8Array {
    if (checksum(bytes) === sum) return bytes;
    throw new Error(
      `${this.path}: the cached ${what} of sample ${this.index.names[i]} fails its checksum ` +
        `(the file is damaged); delete it and it is prepared again on the next start`,
    );
  }

  /** The spectrogram of sample i as float32 (checked against its checksum). */
  async spec(i: number): Promise<Float32Array> {
    const [at, n, sum] = this.index.entries[i].spec;
    const bytes = this.#check(await this.#read(at, n * 2), sum, i, "spectrogram");
    return new Float32Array(new Float16Array(bytes.buffer, bytes.byteOffset, n));
  }

  /** Number of frames of sample i. */
  frameCount(i: number): number {
    return this.index.entries[i].frames.length;
  }

  /** Frame j of sample i (checked against its checksum). */
  async frame(i: number, j: number): Promise<RgbImage> {
    const [at, width, height, sum] = this.index.entries[i].frames[j];
    const data = this.#check(await this.#read(at, width * height * 3), sum, i, `frame ${j}`);
    return { width, height, data };
  }

  /** Closes the file. */
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
