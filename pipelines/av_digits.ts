/**
 * AV-Digits, the embedded dataset (no --data needed):
 *   deno task train:avdigits [--config configs/av_digits.json] [--set key=value]...
 */
import { runFromCli } from "./cli.ts";
import { AV_DIGITS_DEFAULTS, avDigitsSplits } from "./data/av_digits.ts";

await runFromCli({
  name: "av-digits",
  data: AV_DIGITS_DEFAULTS,
  open: (_gpu, _dir, data) => avDigitsSplits(data),
});
Deno.exit(0);
