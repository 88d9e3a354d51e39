/**
 * What the trainer needs from a dataset split; the dataset readers implement it.
 * Inputs are built on the GPU per batch: modality m's tensor for B samples has shape
 * [B, ...sampleShapes[m]] (audio [B, 1, F, T]; video [B, T, 3, H, W]).
 */
import type { Rng } from "../../kernels/init/init.ts";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import type { ModalitySpec } from "../models/multimodal.ts";

/** One split (train or test) of a multimodal dataset. */
export interface SplitData {
  /** e.g. "crema-d/train" */
  name: string;
  /** The modalities, in the order `batch` returns their inputs. */
  modalities: ModalitySpec[];
  /** Number of classes. */
  classes: number;
  /** The class of every sample. */
  labels: Int32Array;
  /** Per modality, the input shape of one sample ([1, F, T] audio, [T, C, H, W] video). */
  sampleShapes: number[][];
  /** Inputs of the given samples, in order; `rng` drives training-time augmentation. */
  inputs(gpu: Gpu, indices: number[], training: boolean, rng: Rng): Tensor[] | Promise<Tensor[]>;
  /** Optional: start reading the given samples now (the trainer calls it for the next batch). */
  prefetch?(indices: number[]): void;
}
