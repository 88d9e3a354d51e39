/**
 * NVGesture (RGB + optical flow + depth, three I3D encoders):
 *   deno task train:nvgesture --data DIR [--prepare] [--config configs/nvgesture.json] ...
 * DIR holds nvgesture_{train,test}_correct_v2.lst and Video_data/; --prepare extracts the frames
 * with ffmpeg and computes the optical flow once (DIR/prepared/). The config's
 * model.pretrained names the converted pytorch-i3d checkpoints (tools/convert_i3d.py): RGB and
 * depth from rgb_imagenet, flow from flow_imagenet; `--set model.pretrained=[]` trains from
 * scratch.
 */
import { RUN_OPTIONS, runFromCli } from "./cli.ts";
import { nvGestureEntry } from "./entries.ts";
import { command } from "./command.ts";

await command(import.meta.url, RUN_OPTIONS);

await runFromCli(nvGestureEntry);
Deno.exit(0);
