/**
 * NVGesture's split lists nvgesture_{train,test}_correct_v2.lst (in the dataset root or
 * annotations/): one sample a line, `path:./Video_data/class_01/subject13_r0
 * depth:sk_depth:<start>:<end> color:sk_color:<start>:<end> ... label:<1..25>`; errors name the
 * file, line and field. Both lists are read together and checked as split files are
 * (`checkSplits`: repeats, two labels, train/test leakage).
 */
import { join } from "node:path";
import { checkSplits, type SplitLine } from "./split_files.ts";

/** One line of a .lst file. */
export interface NvSample {
  path: string;
  color: [number, number];
  depth: [number, number];
  /** 0-based class (the file's label minus one). */
  label: number;
  /** The line of the .lst file. */
  line: number;
}

/** Parse a .lst file; errors name the file, line and field. */
export function parseLst(text: string, source: string): NvSample[] {
  const out: NvSample[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${source}:${i + 1}`;
    const fields = new Map(
      line.split(/\s+/).map((f) => [f.slice(0, f.indexOf(":")), f.slice(f.indexOf(":") + 1)]),
    );
    const path = fields.get("path");
    if (!path) throw new Error(`${where}: no "path:" field`);
    const range = (name: string): [number, number] => {
      const v = fields.get(name)?.split(":");
      const [s, e] = [Number(v?.[1]), Number(v?.[2])];
      if (!v || v.length !== 3 || !Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e <= s) {
        throw new Error(
          `${where}: bad "${name}:" field "${
            fields.get(name) ?? ""
          }" (expected ${name}:sk_${name}:<start>:<end>)`,
        );
      }
      return [s, e];
    };
    const label = Number(fields.get("label"));
    if (!Number.isInteger(label) || label < 1 || label > 25) {
      throw new Error(`${where}: bad "label:" field "${fields.get("label") ?? ""}" (1..25)`);
    }
    out.push({
      path: path.replace(/^\.\//, ""),
      color: range("color"),
      depth: range("depth"),
      label: label - 1,
      line: i + 1,
    });
  });
  return out;
}

async function readLst(
  root: string,
  split: "train" | "test",
): Promise<{ path: string; samples: NvSample[] }> {
  const name = `nvgesture_${split}_correct_v2.lst`;
  for (const p of [join(root, name), join(root, "annotations", name)]) {
    const text = await Deno.readTextFile(p).catch(() => null);
    if (text !== null) return { path: p, samples: parseLst(text, p) };
  }
  throw new Error(`${join(root, name)}: split file not found`);
}

/** Both split lists, checked as split files are (`checkSplits`: repeats, two labels, leakage). */
export async function readLists(
  root: string,
  log: (line: string) => void,
): Promise<{ train: NvSample[]; test: NvSample[] }> {
  const [train, test] = [await readLst(root, "train"), await readLst(root, "test")];
  const asLines = (l: { path: string; samples: NvSample[] }) => ({
    path: l.path,
    lines: l.samples.map((x) => ({ name: x.path, label: String(x.label + 1), line: x.line })),
  });
  const kept = checkSplits(asLines(train), asLines(test), log);
  const pick = (samples: NvSample[], lines: SplitLine[]) => {
    const at = new Set(lines.map((l) => l.line));
    return samples.filter((x) => at.has(x.line));
  };
  return { train: pick(train.samples, kept.train), test: pick(test.samples, kept.test) };
}
