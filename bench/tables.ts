/**
 * Markdown tables from the benches' results JSON (bench/results/*.json), shared by
 * bench/table.ts (one kernel results file to stdout) and bench/render_readme.ts (the
 * docs). Each function takes the parsed file and returns Markdown; every table is preceded by
 * the line naming where its figures come from (command, commit, date, adapter).
 */
import type { Provenance } from "./provenance.ts";
import { VARIANTS } from "../kernels/variants/registry.ts";
import { CONFIG_DOCS, DEFAULT_CONFIG, ENUMS, TRAIN_RANGES } from "../pipelines/train/config.ts";
import { describeRange } from "../pipelines/io/ranges.ts";
import { METHODS } from "../pipelines/train/methods/registry.ts";
import { CREMA_SETTINGS } from "../pipelines/data/cremad.ts";
import { KS_SETTINGS } from "../pipelines/data/kinetics_sounds.ts";
import { NV_SETTINGS } from "../pipelines/data/nvgesture.ts";
import { AV_DIGITS_DEFAULTS } from "../pipelines/data/av_digits.ts";

/** One row of a kernel bench (bench/kernels.ts --json). */
export interface KernelRow {
  op: string;
  shape: string;
  gflop: number;
  /** Milliseconds per library or family; "failed" or "n/a" where it did not run. */
  ms: Record<string, number | string>;
}

/** A kernel bench's file. */
export interface KernelResults extends Provenance {
  rows: KernelRow[];
}

/** A step bench's file (bench/step.ts --json). */
export interface StepResults extends Provenance {
  setting: string;
  batch: number;
  ms: number;
  pipedMs: number | null;
  /** A note on the GEMM family, where it matters (GPU rows). */
  family?: string;
  torch: {
    torch: string;
    device: string;
    step_ms: number;
    piped_ms: number | null;
    threads: number;
  } | null;
}

/** Each method's name in the AV-Digits table (by registry name; a unimodal run is audio alone). */
export const METHOD_LABELS: Record<string, string> = {
  unimodal: "audio alone",
  naive: "naive joint",
  aug: "AUG",
  "ogm-ge": "OGM-GE",
  mmpareto: "MMPareto",
  mla: "MLA",
  reconboost: "ReconBoost",
  pmr: "PMR",
  gblend: "G-Blending",
  lfm: "LFM",
};

/** The AV-Digits experiment's file (bench/av_digits_seeds.ts or bench/experiment_table.ts --json). */
export interface AvDigitsResults extends Provenance {
  config: string;
  methods: Record<string, {
    label: string;
    seeds: {
      seed: number;
      fused: number;
      audio: number;
      visual: number | null;
      best: number;
      cls: string;
    }[];
  }>;
}

/** The data bench's file (bench/data.ts --json). */
export interface DataResults extends Provenance {
  clips: number;
  width: number;
  rawPerSecond: number;
  cachePerSecond: number;
  epochSeconds: number;
  waitingSeconds: number;
}

/** The source-hashing bench's file (bench/sources.ts --json). */
export interface SourcesResults extends Provenance {
  clips: number;
  bytes: number;
  seconds: Record<string, number>;
}

/** "`command` at commit, date, adapter." */
export function madeBy(p: Provenance): string {
  return `\`${p.command}\` at ${p.commit}, ${p.date}, ${p.adapter}.`;
}

const table = (head: string[], rows: (string | number)[][]): string =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

/**
 * The kernel table: GFLOP/s per library (and per family of ours), our time divided by each
 * peer's (below 1: we are faster); with several families of ours, also the fastest of ours on
 * the row and its ratio to each peer (what a tuned run gets).
 */
export function kernelTable(r: KernelResults): string {
  const libs = [...new Set(r.rows.flatMap((row) => Object.keys(row.ms)))];
  const peers = libs.filter((l) => !l.startsWith("mmboost"));
  const ours = libs.filter((l) => l.startsWith("mmboost"));
  const rate = (row: KernelRow, lib: string) => {
    const t = row.ms[lib];
    if (t === "n/a" || t === undefined) return "-";
    return typeof t === "number" ? (row.gflop / t * 1e3).toFixed(1) : "failed";
  };
  const fastest = (row: KernelRow): string | null =>
    ours.filter((l) => typeof row.ms[l] === "number").reduce<string | null>(
      (a, l) => a && (row.ms[a] as number) <= (row.ms[l] as number) ? a : l,
      null,
    );
  const ratio = (row: KernelRow, mine: string | null, lib: string) => {
    const a = mine ? row.ms[mine] : undefined, b = row.ms[lib];
    return typeof a === "number" && typeof b === "number" ? (a / b).toFixed(2) : "-";
  };
  const withBest = ours.length > 1 && peers.length > 0;
  const head = [
    "op",
    "shape",
    ...libs.map((l) => `${l} GFLOP/s`),
    ...peers.map((p) => `ours/${p} time`),
    ...(withBest ? ["our fastest", ...peers.map((p) => `fastest/${p} time`)] : []),
  ];
  const rows = r.rows.map((row) => {
    const best = fastest(row);
    return [
      row.op,
      row.shape,
      ...libs.map((l) => rate(row, l)),
      ...peers.map((p) => ratio(row, "mmboost", p)),
      ...(withBest ? [best ?? "-", ...peers.map((p) => ratio(row, best, p))] : []),
    ];
  });
  return `${madeBy(r)}\n\n${table(head, rows)}`;
}

const secs = (ms: number) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;

/** The training-step table: one row per results file, ours beside PyTorch in the same run. */
export function stepTable(files: StepResults[]): string {
  const rows = files.map((r) => {
    const t = r.torch;
    const peer = t ? `${t.torch} ${t.device}: ${secs(t.step_ms)}` : "-";
    return [
      r.adapter + (r.family ? `; ${r.family}` : ""),
      r.setting,
      `${secs(r.ms)}, ${(r.batch / r.ms * 1000).toFixed(2)} samples/s`,
      peer,
      t ? (t.step_ms / r.ms).toFixed(3) : "-",
      `${r.commit}, ${r.date}`,
    ];
  });
  const head = ["adapter", "setting", "mmboost", "PyTorch (same run)", "ratio", "commit, date"];
  return `${table(head, rows)}\n\nCommands: ${
    files.map((f) => `\`${f.command}\``).filter((c, i, a) => a.indexOf(c) === i).join(", ")
  }.`;
}

const pct = (x: number | null) => x === null || Number.isNaN(x) ? "-" : (100 * x).toFixed(1);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The AV-Digits table from one or more results files (their methods in order): per method the
 * means over seeds (last three epochs) and the best epoch; each file's provenance first.
 */
export function avDigitsTable(files: AvDigitsResults[]): string {
  const rows = files.flatMap((r) =>
    Object.values(r.methods).map(({ label, seeds }) => {
      const visual = seeds.map((s) => s.visual).filter((v): v is number => v !== null);
      return [
        label,
        pct(mean(seeds.map((s) => s.fused))),
        pct(mean(seeds.map((s) => s.audio))),
        visual.length ? pct(mean(visual)) : "-",
        pct(mean(seeds.map((s) => s.best))),
        seeds.map((s) => s.cls).join(", "),
        seeds.map((s) => pct(s.fused)).join(" / "),
        r.commit,
      ];
    })
  );
  const seeds = Object.values(files[0].methods)[0].seeds.map((s) => s.seed).join(", ");
  const head = [
    "method",
    "fused",
    "audio",
    "visual",
    "best",
    "classifiers a/v",
    "per seed",
    "commit",
  ];
  const unique = (xs: string[]) => [...new Set(xs)].join("; ");
  // one command for the default rows, then each further method's --methods argument
  const commands = [...new Set(files.map((r) => r.command))];
  const named = commands.filter((c) => c.includes(" --methods "));
  const rest = commands.filter((c) => !c.includes(" --methods "));
  const methods = named.map((c) => c.split(" --methods ")[1]);
  const made = (rest.length ? `\`${rest.join("; ")}\`` : "") +
    (methods.length ? `${rest.length ? ", then " : ""}\`--methods\` ${methods.join(", ")}` : "");
  return `${made} (${files[0].config}), ` +
    `${unique(files.map((r) => r.date))}, ${unique(files.map((r) => r.adapter))}. Test ` +
    `accuracy in %: the mean over seeds ${seeds} of each run's last three epochs; best: the best ` +
    `epoch's (fused).\n\n${table(head, rows)}`;
}

/** The data bench's table. */
export function dataTable(r: DataResults): string {
  const rows = [
    ["raw files: WAV decode, resample, STFT, JPEG decode, resize; cache written", r.rawPerSecond],
    ["prepared cache: read, RandomResizedCrop, flip, normalise on the GPU", r.cachePerSecond],
  ].map(([path, rate]) => [path, (rate as number).toFixed(1)]);
  const share = (100 * r.waitingSeconds / r.epochSeconds).toFixed(1);
  return `${madeBy(r)} ${r.clips} synthetic CREMA-D clips.\n\n${
    table(["path", "samples/s"], rows)
  }\n\nOne training epoch (width ${r.width}) took ${r.epochSeconds.toFixed(1)} s, of which ${
    r.waitingSeconds.toFixed(2)
  } s (${share} %) went to building batches from the cache.`;
}

/** The source-hashing table. */
export function sourcesTable(r: SourcesResults): string {
  const gb = r.bytes / 1e9;
  const rows = Object.entries(r.seconds).map(([k, s]) => [
    k,
    s.toFixed(2),
    k === "stat only" || k === "remembered" ? "-" : (gb / s).toFixed(2),
  ]);
  return `${madeBy(r)} ${r.clips} clips, ${gb.toFixed(2)} GB in the page cache, medians.\n\n${
    table(["key from", "seconds", "GB/s"], rows)
  }`;
}

/**
 * The variant registry (kernels/variants/registry.ts) as a table; entries that agree on all but
 * their name and ops (the GPU forms of the Winograd schemes) share a row.
 */
export function variantTable(): string {
  const rows = new Map<string, { names: string[]; cells: string[] }>();
  for (const v of VARIANTS) {
    const status = v.status + (v.defaultOn ? ` (${v.defaultOn})` : "");
    const cells = [v.meantFor, status, v.figure, v.source];
    const key = cells.join("|");
    const row = rows.get(key) ?? rows.set(key, { names: [], cells }).get(key)!;
    row.names.push(`\`${v.name}\``);
  }
  return table(
    ["variant", "for", "status", "the figure that keeps it", "source"],
    [...rows.values()].map((r) => [r.names.join(", "), ...r.cells]),
  );
}

/** Every leaf key of a nested settings object with its value ("a.b.c" -> value). */
export function leafKeys(o: object, prefix = ""): [string, unknown][] {
  return Object.entries(o).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? leafKeys(v, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]]
  );
}

/** The training configuration's keys: default, allowed values and meaning. */
export function configTable(): string {
  const rows = leafKeys(DEFAULT_CONFIG).map(([key, value]) => {
    const range = TRAIN_RANGES[key];
    const names = key === "method" ? METHODS.map((m) => m.name) : ENUMS[key];
    const allowed = names?.join(", ") ??
      (range ? describeRange(range) : typeof value === "boolean" ? "true, false" : "-");
    return [`\`${key}\``, `\`${JSON.stringify(value)}\``, allowed, CONFIG_DOCS[key] ?? "?"];
  });
  return table(["key", "default", "allowed", "meaning"], rows);
}

/**
 * The ops' map, read from the tree: per kernels/<op>/ folder its TypeScript files, its
 * hand-written kernels, its generated ones (count and generators, from their first line) and
 * its tests.
 */
export async function opsTable(root: string): Promise<string> {
  const names = (dir: string, ext: string) => {
    try {
      return [...Deno.readDirSync(`${root}/${dir}`)].filter((e) => e.isFile && e.name.endsWith(ext))
        .map((e) => e.name).sort();
    } catch {
      return [];
    }
  };
  const rows = [];
  const ops = [...Deno.readDirSync(`${root}/kernels`)].filter((e) => e.isDirectory).map((e) =>
    e.name
  ).sort();
  for (const op of ops) {
    const wgsl = names(`kernels/${op}`, ".wgsl");
    const generated = names(`kernels/${op}/generated`, ".wgsl");
    const generators = new Set<string>();
    for (const g of generated) {
      const first =
        (await Deno.readTextFile(`${root}/kernels/${op}/generated/${g}`)).split("\n")[0];
      const m = /tools\/\w+\.ts/.exec(first);
      if (m) generators.add(`\`${m[0]}\``);
    }
    const list = (xs: string[]) => xs.length ? xs.join(", ") : "-";
    rows.push([
      `\`${op}/\``,
      list(names(`kernels/${op}`, ".ts")),
      wgsl.length ? `${wgsl.length}: ${list(wgsl.map((n) => n.replace(".wgsl", "")))}` : "-",
      generated.length ? `${generated.length} by ${[...generators].join(", ")}` : "-",
      list(names(`tests/kernels/${op}`, ".ts").map((n) => n.replace("_test.ts", ""))),
    ]);
  }
  const head = [
    "kernels/",
    "TypeScript",
    "hand-written .wgsl",
    "generated/",
    "tests/kernels/*_test.ts",
  ];
  return table(head, rows);
}

/** Every dataset's `data.*` keys and their defaults (from the readers' settings objects). */
export function dataKeysTable(): string {
  const sets: [string, object][] = [
    ["CREMA-D", CREMA_SETTINGS],
    ["Kinetics-Sounds", KS_SETTINGS],
    ["NVGesture", NV_SETTINGS],
    ["AV-Digits", AV_DIGITS_DEFAULTS],
  ];
  const rows = sets.map(([name, o]) => [
    name,
    leafKeys(o).map(([k, v]) => `\`data.${k}\` ${JSON.stringify(v)}`).join(", "),
  ]);
  return table(["dataset", "keys and defaults"], rows);
}
