/**
 * CREMA-D: `deno task train:crema --data DIR [--config configs/crema.json] [--set key=value]...`
 * DIR holds AudioWAV/, Image-01-FPS/ (or VideoFlash/: add --prepare to extract frames with
 * ffmpeg first) and optionally annotations/{train,test}.csv (else the standard split).
 */
import { RUN_OPTIONS, runFromCli } from "./cli.ts";
import { CREMA_SETTINGS, cremaSplits, prepareCrema } from "./data/cremad.ts";
import { command } from "./command.ts";

await command(import.meta.url, RUN_OPTIONS);

const args = Deno.args.filter((a) => a !== "--prepare");
if (args.length !== Deno.args.length) {
  const at = args.indexOf("--data");
  if (at < 0) throw new Error("--prepare needs --data DIR");
  await prepareCrema(args[at + 1]);
}

await runFromCli({
  name: "crema-d",
  data: CREMA_SETTINGS,
  open: (gpu, dir, data) => cremaSplits(gpu, { root: dir, settings: data }),
}, args);
Deno.exit(0);
