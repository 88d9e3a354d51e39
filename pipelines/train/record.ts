/**
 * A run's history: one EpochRecord per finished epoch, a JSON line each in the run folder's
 * metrics.jsonl (written by the trainer, read by resume, the plots, the summary and the report).
 */
import type { EvalResult } from "./evaluate.ts";

/** One line of metrics.jsonl. */
export interface EpochRecord {
  /** The epoch, from 0. */
  epoch: number;
  /** The learning rate it trained with. */
  lr: number;
  /** Per modality: mean training loss, accuracy and confidence score. */
  train: { loss: number[]; acc: number[]; score: number[] };
  /** The epoch's test evaluation. */
  test: EvalResult;
  /** G = L_0 - L_1, the gap between the first two modalities' mean training losses. */
  gap: number | null;
  /** Classifiers per modality after this epoch's assignment (AUG). */
  classifiers: number[];
  /** Classifiers added per modality at this epoch's assignment. */
  added: number[];
  /** Seconds the epoch took. */
  seconds: number;
}

/** The epochs recorded in a metrics.jsonl (those before `before`); none when it is missing. */
export async function readHistory(path: string, before = Infinity): Promise<EpochRecord[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EpochRecord)
    .filter((r) => r.epoch < before);
}
