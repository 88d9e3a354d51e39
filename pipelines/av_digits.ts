/**
 * AV-Digits, the embedded dataset (no --data needed):
 *   deno task train:avdigits [--config configs/av_digits.json] [--set key=value]...
 */
import { runFromCli } from "./cli.ts";
import { avDigitsEntry } from "./data/av_digits.ts";

await runFromCli(avDigitsEntry);
Deno.exit(0);
