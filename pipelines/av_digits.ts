/**
 * AV-Digits, the embedded dataset (no --data needed):
 *   deno task train:avdigits [--config configs/av_digits.json] [--set key=value]...
 */
import { RUN_OPTIONS, runFromCli } from "./cli.ts";
import { avDigitsEntry } from "./data/av_digits.ts";
import { command } from "./command.ts";

await command(import.meta.url, RUN_OPTIONS);

await runFromCli(avDigitsEntry);
Deno.exit(0);
