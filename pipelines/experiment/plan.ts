/**
 * Experiment plans (configs/experiments/*.json): the runs that fill one of the paper's tables on
 * one dataset, each run a method with overrides over seeds, with the paper's number beside it.
 *
 *   { "name": "table1_crema", "table": "...", "dataset": "crema-d",
 *     "config": "configs/crema.json", "seeds": [0, 1, 2], "set": ["epochs=100"],
 *     "runs": [{ "id": "naive", "method": "naive", "set": [], "paper": 65.07 }, ...] }
 *
 * A run may also give `paperMissing`: the paper's accuracies with a modality missing at test, one
 * per rate of the config's `missingRates`, shown beside the measured ones.
 *
 * `set` holds `key=value` overrides as the entry scripts' `--set` takes them (the plan's first,
 * then the run's). Every error names the plan file and the field.
 */
import type { Json } from "../train/config.ts";
import { methodFor } from "../train/methods/registry.ts";

/** One run of a plan: a method and its overrides, trained once per seed. */
export interface PlanRun {
  /** The run's folder name under the plan's (letters, digits, `-`, `_`). */
  id: string;
  /** The training method (`--method`). */
  method: string;
  /** Overrides after the plan's (`key=value`). */
  set: string[];
  /** The paper's accuracy in % for this row, when it gives one. */
  paper?: number;
  /** The paper's accuracy in % with a modality missing, per rate of `missingRates` in order. */
  paperMissing?: number[];
}

/** A parsed plan. */
export interface Plan {
  /** The plan's folder name under the results root. */
  name: string;
  /** The table it fills, in words. */
  table: string;
  /** The dataset entry's name (crema-d, kinetics-sounds, nvgesture, av-digits). */
  dataset: string;
  /** The dataset config every run starts from (relative to the working directory). */
  config: string;
  /** The seeds every run is trained with. */
  seeds: number[];
  /** Overrides every run takes. */
  set: string[];
  /** The runs. */
  runs: PlanRun[];
}

const ID = /^[A-Za-z0-9_-]+$/;

function field<T>(ok: boolean, file: string, key: string, want: string, got: unknown): T {
  if (!ok) throw new Error(`${file}: "${key}" must be ${want}, got ${JSON.stringify(got)}`);
  return got as T;
}

function strings(v: unknown, file: string, key: string): string[] {
  const ok = v === undefined || (Array.isArray(v) && v.every((x) => typeof x === "string"));
  return field<string[] | undefined>(ok, file, key, "a list of key=value strings", v) ?? [];
}

/** Validate a plan's JSON; `datasets` are the entry names it may name. */
export function parsePlan(value: Json, file: string, datasets: string[]): Plan {
  const o = field<Record<string, Json>>(
    typeof value === "object" && value !== null && !Array.isArray(value),
    file,
    "(top level)",
    "an object",
    value,
  );
  const keys = ["name", "table", "dataset", "config", "seeds", "set", "runs"];
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) {
      throw new Error(`${file}: unknown key "${k}" (expected ${keys.join(", ")})`);
    }
  }
  const str = (k: string) =>
    field<string>(typeof o[k] === "string" && o[k] !== "", file, k, "a string", o[k]);
  const name = str("name");
  field(ID.test(name), file, "name", "letters, digits, - or _", name);
  const dataset = str("dataset");
  field(datasets.includes(dataset), file, "dataset", `one of ${datasets.join(", ")}`, dataset);
  const seeds = field<number[]>(
    Array.isArray(o.seeds) && o.seeds.length > 0 &&
      o.seeds.every((s) => Number.isInteger(s) && (s as number) >= 0) &&
      new Set(o.seeds).size === o.seeds.length,
    file,
    "seeds",
    "a non-empty list of distinct integers >= 0",
    o.seeds,
  );
  const runs = field<Json[]>(
    Array.isArray(o.runs) && o.runs.length > 0,
    file,
    "runs",
    "a non-empty list",
    o.runs,
  )
    .map((r, i) => parseRun(r, `${file} runs[${i}]`));
  const ids = runs.map((r) => r.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`${file}: run id "${twice}" appears twice`);
  return {
    name,
    table: str("table"),
    dataset,
    config: str("config"),
    seeds,
    set: strings(o.set, file, "set"),
    runs,
  };
}

function parseRun(value: Json, where: string): PlanRun {
  const r = field<Record<string, Json>>(
    typeof value === "object" && value !== null && !Array.isArray(value),
    where,
    "(run)",
    "an object",
    value,
  );
  for (const k of Object.keys(r)) {
    if (!["id", "method", "set", "paper", "paperMissing"].includes(k)) {
      throw new Error(
        `${where}: unknown key "${k}" (expected id, method, set, paper, paperMissing)`,
      );
    }
  }
  const id = field<string>(
    typeof r.id === "string" && ID.test(r.id),
    where,
    "id",
    "letters, digits, - or _",
    r.id,
  );
  const method = field<string>(
    typeof r.method === "string",
    where,
    "method",
    "a method name",
    r.method,
  );
  try {
    methodFor(method);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  const paper = r.paper === undefined ? undefined : field<number>(
    typeof r.paper === "number" && r.paper >= 0 && r.paper <= 100,
    where,
    "paper",
    "an accuracy in % (0 to 100)",
    r.paper,
  );
  const pct = (x: unknown) => typeof x === "number" && x >= 0 && x <= 100;
  const paperMissing = r.paperMissing === undefined ? undefined : field<number[]>(
    Array.isArray(r.paperMissing) && r.paperMissing.length > 0 && r.paperMissing.every(pct),
    where,
    "paperMissing",
    "a list of accuracies in % (one per missing-modality rate)",
    r.paperMissing,
  );
  return { id, method, set: strings(r.set, where, "set"), paper, paperMissing };
}

/** What differs between a results tree's saved plan and the given one, a line per change. */
export function planChanges(saved: Plan, now: Plan): string[] {
  const out: string[] = [];
  for (const k of ["name", "dataset", "config", "seeds", "set"] as const) {
    if (JSON.stringify(saved[k]) !== JSON.stringify(now[k])) {
      out.push(`${k}: ${JSON.stringify(saved[k])} -> ${JSON.stringify(now[k])}`);
    }
  }
  const before = new Map(saved.runs.map((r) => [r.id, r]));
  for (const r of now.runs) {
    const b = before.get(r.id);
    if (!b) out.push(`run ${r.id}: added`);
    else if (b.method !== r.method || JSON.stringify(b.set) !== JSON.stringify(r.set)) {
      out.push(
        `run ${r.id}: ${b.method} ${JSON.stringify(b.set)} -> ${r.method} ${JSON.stringify(r.set)}`,
      );
    }
    before.delete(r.id);
  }
  for (const id of before.keys()) out.push(`run ${id}: removed`);
  return out;
}
