/**
 * CREMA-D: `deno task train:crema --data DIR [--config configs/crema.json] [--set key=value]...`
 * DIR holds AudioWAV/, Image-01-FPS/ (or VideoFlash/: add --prepare to extract frames with
 * ffmpeg first) and optionally annotations/{train,test}.csv (else the standard split).
 */
import { RUN_OPTIONS, runFromCli } from "./cli.ts";
import { cremaEntry } from "./entries.ts";
import { command } from "./command.ts";

await command(import.meta.url, RUN_OPTIONS);

await runFromCli(cremaEntry);
Deno.exit(0);
