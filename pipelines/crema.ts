/**
 * CREMA-D: `deno task train:crema --data DIR [--config configs/crema.json] [--set key=value]...`
 * DIR holds AudioWAV/, Image-01-FPS/ (or VideoFlash/: add --prepare to extract frames with
 * ffmpeg first) and optionally annotations/{train,test}.csv (else the standard split).
 */
import { RUN_OPTIONS, runFromCli } from "./cli.ts";
import { CREMA_SETTINGS, cremaSplits, prepareCrema } from "./data/cremad.ts";
import { checkAvSettings } from "./data/av_split.ts";
import { command } from "./command.ts";

await command(import.meta.url, RUN_OPTIONS);

await runFromCli({
  name: "crema-d",
  data: CREMA_SETTINGS,
  check: checkAvSettings,
  prepare: (dir) => prepareCrema(dir),
  open: (gpu, dir, data) => cremaSplits(gpu, { root: dir, settings: data }),
});
Deno.exit(0);
