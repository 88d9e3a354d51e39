/**
 * The training methods by name: adding one is its file in this folder and a line here.
 * `config.method` (and `--method`) takes these names.
 */
import { AUG } from "./aug.ts";
import { NAIVE, UNIMODAL } from "./joint.ts";
import { OGM_GE } from "./ogm_ge.ts";
import { MMPARETO } from "./mmpareto.ts";
import { MLA } from "./mla.ts";
import { RECONBOOST } from "./reconboost.ts";
import { PMR } from "./pmr.ts";
import { GBLEND } from "./gblend.ts";
import { LFM } from "./lfm.ts";
import type { Method } from "./method.ts";

/** Every method, in the order `--help` lists them. */
export const METHODS: readonly Method[] = [
  AUG,
  NAIVE,
  UNIMODAL,
  OGM_GE,
  MMPARETO,
  MLA,
  RECONBOOST,
  PMR,
  GBLEND,
  LFM,
];

/** The method called `name`; an error listing the names otherwise. */
export function methodFor(name: string): Method {
  const m = METHODS.find((x) => x.name === name);
  if (!m) {
    throw new Error(
      `config: "method" must be one of ${METHODS.map((x) => x.name).join(", ")}, got "${name}"`,
    );
  }
  return m;
}
