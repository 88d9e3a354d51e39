/**
 * Pretrained trunk weights from safetensors (e.g. the pytorch-i3d checkpoints converted by
 * tools/convert_i3d.py). Names map one to one, since the trunks use the checkpoints' own names:
 * a parameter `<name>` loads from `<name>`, a BN's running statistics from `<bn>.running_mean`
 * and `<bn>.running_var`. What cannot load is reported, not guessed: entries the file lacks
 * (missing), entries of another shape (kept at their random init: the depth encoder's 1-channel
 * first conv against the 3-channel RGB checkpoint, as the reference leaves it random) and entries
 * the trunk has no use for (unexpected, e.g. the classifier `logits.*`).
 */
import { readSafetensors, type SafetensorsFile } from "../io/safetensors.ts";
import { exists } from "../io/files.ts";
import type { ModalityEncoder } from "./encoder.ts";
import type { ModalitySpec } from "./multimodal.ts";

/** What a load did. */
export interface LoadReport {
  /** Tensors copied from the file. */
  loaded: string[];
  /** Model tensors the file lacks (kept at their initialisation). */
  missing: string[];
  /** "name: file [shape] vs model [shape]" */
  mismatched: string[];
  /** Tensors of the file the model has no place for. */
  unexpected: string[];
}

/** Load what matches from `file` into the encoder's trunk. */
export async function loadPretrained(
  encoder: ModalityEncoder,
  file: SafetensorsFile,
): Promise<LoadReport> {
  const report: LoadReport = { loaded: [], missing: [], mismatched: [], unexpected: [] };
  const used = new Set<string>();
  const take = (name: string, shape: readonly number[]): Float32Array | undefined => {
    const t = file.tensors.get(name);
    if (!t) {
      report.missing.push(name);
      return undefined;
    }
    used.add(name);
    if (t.shape.join() !== shape.join() || t.dtype !== "F32") {
      report.mismatched.push(`${name}: file ${t.dtype} [${t.shape}] vs model [${shape}]`);
      return undefined;
    }
    report.loaded.push(name);
    return t.data as Float32Array;
  };
  const { params, running } = encoder.trunk;
  const values = new Map<string, Float32Array>();
  for (const name of params.names) {
    const data = take(name, params.get(name).shape);
    if (data) values.set(name, data);
  }
  await params.load(values);
  for (const [bn, t] of running) {
    const C = t.shape[1];
    const mean = take(`${bn}.running_mean`, [C]), variance = take(`${bn}.running_var`, [C]);
    if (mean && variance) t.write([...mean, ...variance]);
  }
  report.unexpected = [...file.tensors.keys()].filter((n) => !used.has(n));
  return report;
}

const list = (names: string[], n = 4) =>
  names.length <= n
    ? names.join(", ")
    : `${names.slice(0, n).join(", ")} and ${names.length - n} more`;

/** One line describing a load, for the run log. */
export function describeLoad(modality: string, path: string, r: LoadReport): string {
  const parts = [`${modality}: loaded ${r.loaded.length} tensors from ${path}`];
  if (r.mismatched.length) parts.push(`kept random (shape differs): ${list(r.mismatched)}`);
  if (r.missing.length) parts.push(`missing: ${list(r.missing)}`);
  if (r.unexpected.length) parts.push(`unexpected: ${list(r.unexpected)}`);
  return parts.join("; ");
}

/**
 * Load `files[m]` (a path, or "" for none) into encoder m; returns one log line per file.
 * A file that loads nothing at all is an error (wrong file or wrong encoder).
 */
export async function loadPretrainedFiles(
  encoders: ModalityEncoder[],
  files: string[],
  modalities: ModalitySpec[],
): Promise<string[]> {
  if (files.length > encoders.length) {
    throw new Error(
      `config: "model.pretrained" has ${files.length} entries for ${encoders.length} modalities`,
    );
  }
  const lines: string[] = [];
  const read = new Map<string, SafetensorsFile>(); // RGB and depth share the RGB checkpoint
  for (const [m, path] of files.entries()) {
    if (!path) continue;
    if (!(await exists(path))) {
      throw new Error(
        `${path}: pretrained weights not found (convert the pytorch-i3d checkpoint with ` +
          `tools/convert_i3d.py, or train from scratch with --set model.pretrained=[])`,
      );
    }
    if (!read.has(path)) read.set(path, await readSafetensors(path));
    const report = await loadPretrained(encoders[m], read.get(path)!);
    if (report.loaded.length === 0) {
      throw new Error(`${path}: no tensor matches the ${modalities[m].name} encoder`);
    }
    lines.push(describeLoad(modalities[m].name, path, report));
  }
  return lines;
}
