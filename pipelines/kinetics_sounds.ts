/**
 * Kinetics-Sounds: `deno task train:ks --data DIR [--config configs/kinetics_sounds.json] ...`
 * DIR holds annotations/, {train,test}_wav/ and {train,test}_img/Image-01-FPS/.
 */
import { RUN_OPTIONS, runFromCli } from "./cli.ts";
import { kineticsSoundsSplits, KS_SETTINGS } from "./data/kinetics_sounds.ts";
import { checkAvSettings } from "./data/av_split.ts";
import { command } from "./command.ts";

await command(import.meta.url, RUN_OPTIONS);

await runFromCli({
  name: "kinetics-sounds",
  data: KS_SETTINGS,
  check: checkAvSettings,
  open: (gpu, dir, data) => kineticsSoundsSplits(gpu, { root: dir, settings: data }),
});
Deno.exit(0);
