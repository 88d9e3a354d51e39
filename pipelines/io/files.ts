/** Small file-system helpers shared by the readers. */

/** True when `path` exists (file or folder). */
export async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** The JPEG files of a folder, sorted by name (the frame order). */
export async function listJpegs(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && /\.jpe?g$/i.test(e.name)) names.push(e.name);
  }
  return names.sort();
}
