/**
 * Checkpoints in safetensors, with everything a resume needs: parameters, momentum buffers,
 * BN running statistics (model state names, see models/state.ts), the training RNG state
 * ("rng.state", U32), and in the metadata the next epoch, the method, the classifier counts
 * and which are frozen, the best result so far and the scheduler. Written atomically (a
 * killed write leaves the previous file); `best.safetensors` and `last.safetensors` are kept.
 */
import { Rng } from "../../kernels/init/init.ts";
import { readSafetensors, type StoredTensor, writeSafetensors } from "../io/safetensors.ts";
import { loadState, readState, type StateOwner } from "../models/state.ts";

/** What a checkpoint says besides the tensors. */
export interface CheckpointMeta {
  /** The format tag; other values are refused. */
  format: "mmboost-checkpoint-1";
  /** The epoch to run next. */
  epoch: number;
  /** The training method the state belongs to. */
  method: string;
  /** Classifiers per modality and which are frozen (AUG). */
  classifiers: { count: number; frozen: boolean[] }[];
  /** The best test accuracy so far and its epoch. */
  best: { acc: number; epoch: number };
  /** The learning-rate schedule's state. */
  scheduler: { lr: number; stepSize: number; gamma: number };
  /** The adapter the run trained on. */
  adapter: string;
  /** GPU memory the run's buffer pool held at the epoch's end, in bytes (what a run needs). */
  gpuBytes?: number;
}

/** Write model state + RNG + metadata to `path` atomically. */
export async function saveCheckpoint(
  path: string,
  model: StateOwner,
  rng: Rng,
  meta: CheckpointMeta,
): Promise<void> {
  const tensors = new Map<string, StoredTensor>();
  for (const [name, data] of await readState(model)) {
    tensors.set(name, { dtype: "F32", shape: [data.length], data });
  }
  tensors.set("rng.state", { dtype: "U32", shape: [4], data: rng.state.slice() });
  await writeSafetensors(path, tensors, { mmboost: JSON.stringify(meta) });
}

/** A checkpoint read back: its metadata, RNG and a loader for a model of the right shape. */
export interface LoadedCheckpoint {
  /** The metadata. */
  meta: CheckpointMeta;
  /** The generator, restored to its saved state. */
  rng: Rng;
  /** Copies the saved tensors into `model` (shapes checked). */
  restore(model: StateOwner): Promise<void>;
}

/** Reads a checkpoint written by `saveCheckpoint`: its metadata, tensors and RNG state. */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const f = await readSafetensors(path);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(f.metadata.mmboost ?? "");
  } catch {
    throw new Error(`${path}: not an mmboost checkpoint (no "mmboost" metadata)`);
  }
  if (meta.format !== "mmboost-checkpoint-1") {
    throw new Error(`${path}: unknown checkpoint format ${meta.format}`);
  }
  const rngState = f.tensors.get("rng.state");
  if (!rngState || rngState.dtype !== "U32") throw new Error(`${path}: missing rng.state`);
  return {
    meta,
    rng: new Rng(rngState.data as Uint32Array),
    restore: (model) =>
      loadState(model, (name) => f.tensors.get(name)?.data as Float32Array | undefined, true).catch(
        (e) => {
          throw new Error(`${path}: ${(e as Error).message}`);
        },
      ),
  };
}
