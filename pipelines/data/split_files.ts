/**
 * Split files: "name,LABEL" CSVs (CREMA-D; Kinetics-Sounds' youtube_id,label) and OGM-GE's
 * Kinetics-Sounds lists ("<id>,10,<class index>"). A UTF-8 BOM, CRLF line ends, blank lines and a
 * "youtube_id,label" header are accepted; anything else malformed is an error naming the file
 * and line.
 */

/** One line of a split file. */
export interface SplitLine {
  name: string;
  /** Class name (CSV form) or index as text (list form). */
  label: string;
  line: number;
}

/** Parse a split file's text; `source` names it in errors. */
export function parseSplitFile(text: string, source: string): SplitLine[] {
  const out: SplitLine[] = [];
  text.replace(/^\uFEFF/, "").split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || (i === 0 && /^youtube_id\s*,\s*label$/i.test(line))) return;
    const f = line.split(",").map((s) => s.trim());
    if (f.length === 2 && f[0] && f[1]) out.push({ name: f[0], label: f[1], line: i + 1 });
    else if (f.length === 3 && f[0] && /^\d+$/.test(f[2])) {
      out.push({ name: f[0], label: f[2], line: i + 1 });
    } else {throw new Error(
        `${source}:${i + 1}: expected "name,label" or "id,frames,index", got "${line}"`,
      );}
  });
  return out;
}

/** Read and parse a split file. */
export async function readSplitFile(path: string): Promise<SplitLine[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new Error(`${path}: split file not found`);
  }
  return parseSplitFile(text, path);
}
