/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__},
 * then the raw little-endian tensor bytes. Read by PyTorch, JAX and others. F32 and I32/U32
 * tensors are supported here (all this project stores). Writes are atomic (io/atomic.ts): a killed
 * write never leaves a truncated file under the real name.
 */
import { writeFileAtomic } from "./atomic.ts";

/** One stored tensor. */
export interface StoredTensor {
  /** The element type as safetensors names it. */
  dtype: "F32" | "I32" | "U32";
  /** The shape, row-major. */
  shape: number[];
  /** The values, of the type `dtype` names. */
  data: Float32Array | Int32Array | Uint32Array;
}

/** A parsed file: tensors by name and the string metadata. */
export interface SafetensorsFile {
  /** The tensors by name. */
  tensors: Map<string, StoredTensor>;
  /** The file's `__metadata__` strings. */
  metadata: Record<string, string>;
}

const CTORS = { F32: Float32Array, I32: Int32Array, U32: Uint32Array } as const;

/** Parse safetensors bytes; `source` names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, source = "<bytes>"): SafetensorsFile {
  if (bytes.length < 8) {
    throw new Error(`${source}: not a safetensors file (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) {
    throw new Error(`${source}: header length ${headerLen} exceeds the file (truncated?)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new Error(`${source}: header is not JSON: ${(e as Error).message}`);
  }
  const body = bytes.subarray(8 + headerLen);
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const ctor = CTORS[e.dtype as keyof typeof CTORS];
    if (!ctor) throw new Error(`${source}: tensor "${name}" has unsupported dtype ${e.dtype}`);
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end > body.length || end - begin !== count * 4) {
      throw new Error(
        `${source}: tensor "${name}" [${e.shape}] has bad data offsets ${begin}..${end}`,
      );
    }
    const copy = body.slice(begin, end); // aligned copy
    tensors.set(name, {
      dtype: e.dtype as StoredTensor["dtype"],
      shape: e.shape,
      data: new ctor(copy.buffer, 0, count),
    });
  }
  return { tensors, metadata };
}

/** Read and parse a safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  return parseSafetensors(await Deno.readFile(path), path);
}

/** Only the metadata of a safetensors file (reads the header, not the tensors). */
export async function readSafetensorsMetadata(path: string): Promise<Record<string, string>> {
  const f = await Deno.open(path, { read: true });
  try {
    const head = new Uint8Array(8);
    if ((await f.read(head)) !== 8) throw new Error(`${path}: not a safetensors file`);
    const len = Number(new DataView(head.buffer).getBigUint64(0, true));
    const json = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const r = await f.read(json.subarray(done));
      if (r === null) throw new Error(`${path}: truncated header`);
      done += r;
    }
    return JSON.parse(new TextDecoder().decode(json)).__metadata__ ?? {};
  } finally {
    f.close();
  }
}

/** Serialise tensors (in insertion order) and metadata to safetensors bytes. */
export function encodeSafetensors(
  tensors: Map<string, StoredTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let at = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`tensor "${name}": ${t.data.length} values for shape [${t.shape}]`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + count * 4] };
    at += count * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // keep the body 8-byte aligned
  if (padded !== json.length) {
    json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(padded - json.length));
  }
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
    o += t.data.byteLength;
  }
  return out;
}

/**
 * Write a safetensors file atomically.
 * @example Write and read back
 * ```ts
 * import { readSafetensors, writeSafetensors } from "@mmboost/mmboost";
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await writeSafetensors(path, new Map([
 *   ["w", { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) }],
 * ]));
 * console.log((await readSafetensors(path)).tensors.get("w")); // { dtype: "F32", shape: [ 2 ], ... }
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, StoredTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
