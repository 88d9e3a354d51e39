/**
 * Content hashes of a dataset's source files (WAVs, JPEG frames), for the prepared cache's key:
 * the cache is keyed on what the files hold, not on their names, sizes or times, so a file
 * replaced by another of the same name and size with its modification time restored (`cp -p`,
 * rsync) still rebuilds the cache.
 *
 * Hashing reads every byte (xxHash64, about 4.7 GB/s here), so the hashes are remembered in a
 * memo file beside the cache: per path the size, modification time, change time and inode it
 * had when hashed. A later start trusts a remembered hash only while all four match and the
 * file's change time lay at least a second before it was hashed (change times here are whole
 * seconds: a rewrite in the same second would not show); other files are read and hashed
 * again. The change time cannot be set back by `cp -p` or rsync, so a rewritten file is always
 * read again. While preparing, files are hashed from the bytes already read for decoding.
 */
import { writeFileAtomic } from "../io/atomic.ts";
import { contentHash, hashesReady } from "../io/hash.ts";

/** What a memo remembers of one file. */
interface Remembered {
  size: number;
  mtime: number;
  ctime: number;
  ino: number;
  /** When it was hashed (ms since the epoch). */
  at: number;
  hash: string;
}

const MEMO_FORMAT = "mmboost-sources-1";

function sameFile(r: Remembered, info: Deno.FileInfo): boolean {
  return r.size === info.size && r.mtime === (info.mtime?.getTime() ?? -1) &&
    r.ctime === (info.ctime?.getTime() ?? -1) && r.ino === (info.ino ?? -1) &&
    r.ctime + 1000 <= r.at;
}

/** Content hashes of source files, remembered across runs in a memo file. */
export class SourceHashes {
  readonly path: string;
  #files: Map<string, Remembered>;
  #dirty = false;
  /** Files hashed by reading them (not from the memo), and their bytes. */
  readonly read = { files: 0, bytes: 0 };

  private constructor(path: string, files: Map<string, Remembered>) {
    this.path = path;
    this.#files = files;
  }

  /** The memo at `path` (empty when it is missing or unreadable). */
  static async open(path: string): Promise<SourceHashes> {
    await hashesReady();
    const files = new Map<string, Remembered>();
    try {
      const memo = JSON.parse(await Deno.readTextFile(path));
      if (memo.format === MEMO_FORMAT) {
        for (const [p, r] of Object.entries(memo.files as Record<string, Remembered>)) {
          files.set(p, r);
        }
      }
    } catch { /* no memo yet, or a damaged one: hash afresh */ }
    return new SourceHashes(path, files);
  }

  /** Remember the hash of bytes just read from `path` (`info`: its stat before reading). */
  remember(path: string, info: Deno.FileInfo, at: number, bytes: Uint8Array): string {
    const hash = contentHash(bytes);
    this.#files.set(path, {
      size: info.size,
      mtime: info.mtime?.getTime() ?? -1,
      ctime: info.ctime?.getTime() ?? -1,
      ino: info.ino ?? -1,
      at,
      hash,
    });
    this.#dirty = true;
    this.read.files++;
    this.read.bytes += bytes.length;
    return hash;
  }

  /** Read `path` and remember its hash; its bytes, or null when it cannot be read. */
  async readFile(path: string): Promise<{ bytes: Uint8Array; hash: string } | null> {
    const at = Date.now();
    const info = await Deno.stat(path).catch(() => null);
    if (!info?.isFile) return null;
    const bytes = await Deno.readFile(path).catch(() => null);
    if (!bytes) return null;
    return { bytes, hash: this.remember(path, info, at, bytes) };
  }

  /** The content hash of `path` ("missing" when it cannot be read), from the memo when valid. */
  async hashOf(path: string): Promise<string> {
    const info = await Deno.stat(path).catch(() => null);
    if (!info?.isFile) return "missing";
    const r = this.#files.get(path);
    if (r && sameFile(r, info)) return r.hash;
    return (await this.readFile(path))?.hash ?? "missing";
  }

  /** Write the memo (atomically) when something new was hashed. */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    const files = Object.fromEntries(this.#files);
    await writeFileAtomic(
      this.path,
      new TextEncoder().encode(JSON.stringify({ format: MEMO_FORMAT, files })),
    );
    this.#dirty = false;
  }
}
