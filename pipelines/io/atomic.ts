/**
 * Writes that never leave a broken file under the real name, and errors that name the file.
 *
 * A file is written to a temporary sibling `.<name>.<pid>-<random>.tmp`, fsync'd and renamed
 * over `<name>`: a killed or failed write leaves the previous file (or none). The temporary file
 * of a killed writer stays behind (gigabytes for a cache); `sweepTemp` removes those whose
 * writer is gone: the process id in the name no longer runs (read from /proc), or, where there
 * is no /proc, the file is older than a day. Every write error (a full disk, say) names the file.
 */
import { basename, dirname, join } from "node:path";

const TEMP = /^\.(.+)\.(\d+)-[0-9a-f]{12}\.tmp$/;

/** A temporary sibling of `path` that only this process writes. */
export function tempPath(path: string): string {
  const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  return join(dirname(path), `.${basename(path)}.${Deno.pid}-${tag}.tmp`);
}

/** `e` with `path` in front of its message (Deno's own errors name no file). */
export function namingFile(path: string, e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  if (message.startsWith(path)) return e as Error;
  const named = new Error(`${path}: ${message}`, { cause: e });
  return named;
}

/** Write all of `bytes` to an open file; errors name `path` (e.g. "No space left on device"). */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array, path: string): Promise<void> {
  try {
    let done = 0;
    while (done < bytes.length) done += await file.write(bytes.subarray(done));
  } catch (e) {
    throw namingFile(path, e);
  }
}

/** Write bytes to `path` atomically (temporary file, fsync, rename). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempPath(path);
  try {
    const f = await Deno.open(tmp, { write: true, createNew: true }).catch((e) => {
      throw namingFile(path, e);
    });
    try {
      await writeAll(f, bytes, path);
      await f.sync().catch((e) => {
        throw namingFile(path, e);
      });
    } finally {
      f.close();
    }
    await Deno.rename(tmp, path).catch((e) => {
      throw namingFile(path, e);
    });
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/** Append text to `path` (created when missing); errors name the file. */
export async function appendText(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { append: true }).catch((e) => {
    throw namingFile(path, e);
  });
}

async function writerGone(pid: number, mtime: Date | null): Promise<boolean> {
  if (pid === Deno.pid) return false;
  const proc = await Deno.stat("/proc/self").then(() => true, () => false);
  if (proc) return await Deno.stat(`/proc/${pid}`).then(() => false, () => true);
  return mtime !== null && Date.now() - mtime.getTime() > 24 * 3600 * 1000;
}

/**
 * Remove the temporary files in `dir` left by killed writers (of files starting with `prefix`,
 * if given). Returns the removed paths and their total size.
 */
export async function sweepTemp(
  dir: string,
  prefix = "",
): Promise<{ removed: string[]; bytes: number }> {
  const removed: string[] = [];
  let bytes = 0;
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const e of Deno.readDir(dir)) entries.push(e);
  } catch {
    return { removed, bytes }; // no folder yet: nothing to sweep
  }
  for (const e of entries) {
    const m = e.isFile ? TEMP.exec(e.name) : null;
    if (!m || !m[1].startsWith(prefix)) continue;
    const path = join(dir, e.name);
    const info = await Deno.stat(path).catch(() => null);
    if (!info || !(await writerGone(Number(m[2]), info.mtime))) continue;
    if (await Deno.remove(path).then(() => true, () => false)) {
      removed.push(path);
      bytes += info.size;
    }
  }
  return { removed, bytes };
}

/** A line for the log about what `sweepTemp` removed ("" when nothing). */
export function sweptLine(swept: { removed: string[]; bytes: number }, where: string): string {
  if (swept.removed.length === 0) return "";
  const mb = (swept.bytes / 2 ** 20).toFixed(1);
  return `${where}: removed ${swept.removed.length} temporary file(s) of a killed write (${mb} MiB)`;
}
