/** File-tree helpers for tests: a folder's contents as name -> SHA-256, to prove it unchanged. */
import { join, relative } from "node:path";

/** Every file under `dir` (recursively) with the SHA-256 of its bytes, sorted by path. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    const entries = [];
    for await (const e of Deno.readDir(d)) entries.push(e);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else {
        const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(p));
        out[relative(dir, p)] = Array.from(new Uint8Array(digest), (b) => b.toString(16))
          .join("");
      }
    }
  };
  await walk(dir);
  return out;
}
