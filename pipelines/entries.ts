/**
 * The datasets' command-line entries by name (the entry scripts, the experiment runner): the
 * default data settings, their checks, the optional prepare step and how the splits open.
 */
import type { DatasetEntry } from "./cli.ts";
import { CREMA_SETTINGS, cremaSplits, prepareCrema } from "./data/cremad.ts";
import { kineticsSoundsSplits, KS_SETTINGS } from "./data/kinetics_sounds.ts";
import {
  checkNvSettings,
  NV_SETTINGS,
  nvGestureSplits,
  prepareNvGesture,
} from "./data/nvgesture.ts";
import { checkAvSettings } from "./data/av_split.ts";
import { avDigitsEntry } from "./data/av_digits.ts";

/** CREMA-D (train:crema). */
export const cremaEntry: DatasetEntry<typeof CREMA_SETTINGS> = {
  name: "crema-d",
  data: CREMA_SETTINGS,
  check: checkAvSettings,
  prepare: (dir) => prepareCrema(dir),
  open: (gpu, dir, data) => cremaSplits(gpu, { root: dir, settings: data }),
};

/** Kinetics-Sounds (train:ks). */
export const kineticsSoundsEntry: DatasetEntry<typeof KS_SETTINGS> = {
  name: "kinetics-sounds",
  data: KS_SETTINGS,
  check: checkAvSettings,
  open: (gpu, dir, data) => kineticsSoundsSplits(gpu, { root: dir, settings: data }),
};

/** NVGesture (train:nvgesture). */
export const nvGestureEntry: DatasetEntry<typeof NV_SETTINGS> = {
  name: "nvgesture",
  data: NV_SETTINGS,
  check: checkNvSettings,
  prepare: (dir) => prepareNvGesture(dir),
  open: (_gpu, dir, data) => nvGestureSplits(dir, data),
};

/** Every entry by its dataset name (run.json's "dataset"). */
// deno-lint-ignore no-explicit-any
export const ENTRIES: Record<string, DatasetEntry<any>> = {
  [cremaEntry.name]: cremaEntry,
  [kineticsSoundsEntry.name]: kineticsSoundsEntry,
  [nvGestureEntry.name]: nvGestureEntry,
  [avDigitsEntry.name]: avDigitsEntry,
};
