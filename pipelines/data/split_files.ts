/**
 * Split files: "name,LABEL" CSVs (CREMA-D; Kinetics-Sounds' youtube_id,label) and OGM-GE's
 * Kinetics-Sounds lists ("<id>,10,<class index>"). A UTF-8 BOM, CRLF line ends, blank lines and a
 * "youtube_id,label" header are accepted; anything else malformed is an error naming the file
 * and line. `checkSplits` then drops repeated names (a warning), and rejects a name with two
 * labels or in both splits (test leakage), naming both lines.
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

/** Where a name was listed: "file:line". */
const where = (path: string, l: SplitLine) => `${path}:${l.line}`;

/**
 * One split's lines with each name once. A name listed again with the same label is dropped
 * (counted in `repeated`); with another label it is an error naming both lines.
 */
export function uniqueLines(lines: SplitLine[], path: string): {
  lines: SplitLine[];
  repeated: { count: number; first?: [SplitLine, SplitLine] };
} {
  const seen = new Map<string, SplitLine>();
  const out: SplitLine[] = [];
  let count = 0, first: [SplitLine, SplitLine] | undefined;
  for (const l of lines) {
    const was = seen.get(l.name);
    if (!was) {
      seen.set(l.name, l);
      out.push(l);
    } else if (was.label !== l.label) {
      throw new Error(
        `${where(path, was)} and ${where(path, l)}: "${l.name}" is labelled both ` +
          `"${was.label}" and "${l.label}"`,
      );
    } else {
      count++;
      first ??= [was, l];
    }
  }
  return { lines: out, repeated: { count, first } };
}

/**
 * The train and test lines of a dataset, checked: repeats in a split are dropped with a warning
 * (their count), a name with two labels is an error, and a name in both splits is an error
 * (test leakage) naming both files and lines.
 */
export function checkSplits(
  train: { path: string; lines: SplitLine[] },
  test: { path: string; lines: SplitLine[] },
  log: (line: string) => void,
): { train: SplitLine[]; test: SplitLine[] } {
  const out = [train, test].map(({ path, lines }) => {
    const u = uniqueLines(lines, path);
    if (u.repeated.first) {
      const [a, b] = u.repeated.first;
      log(
        `warning: ${path}: ${u.repeated.count} repeated line(s) of a name already listed with ` +
          `the same label (first: "${a.name}" at lines ${a.line} and ${b.line}); each name is used once`,
      );
    }
    return u.lines;
  });
  const inTrain = new Map(out[0].map((l) => [l.name, l]));
  const both = out[1].filter((l) => inTrain.has(l.name));
  if (both.length > 0) {
    const l = both[0], t = inTrain.get(l.name)!;
    throw new Error(
      `${where(train.path, t)} and ${where(test.path, l)}: "${l.name}" is in both the training ` +
        `and the test split (test leakage)` +
        (both.length > 1 ? `; ${both.length - 1} more name(s) are in both` : ""),
    );
  }
  return { train: out[0], test: out[1] };
}
