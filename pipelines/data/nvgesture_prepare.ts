/**
 * The NVGesture prepare step for one sample (run in worker threads by `prepareNvGesture`):
 * frames start..end-1 of both videos decoded with ffmpeg to 256x256 JPEGs, Horn-Schunck optical
 * flow between consecutive colour frames at 128x128 stored as 8-bit x/y JPEGs, then a "done"
 * marker (an interrupted prepare redoes only unfinished samples).
 */
import { join } from "node:path";
import { decodeJpeg, encodeJpeg, resizeRgb } from "./jpeg.ts";
import { ffmpeg } from "../io/ffmpeg.ts";
import { grey, hornSchunck, quantiseFlow } from "./flow.ts";
import { listJpegs } from "../io/files.ts";
import { namingFile, writeFileAtomic } from "../io/atomic.ts";
import type { NvSample } from "./nvgesture_lists.ts";

/** Prepared frame size and optical-flow size. */
export const PREPARED = 256, FLOW = 128;

/** Decode frames [start, end) of a video to 256x256 JPEGs in `dir`. */
async function extract(video: string, range: [number, number], dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const [s, e] = range;
  await ffmpeg([
    "-i",
    video,
    "-vf",
    `select='between(n\\,${s}\\,${e - 1})',scale=${PREPARED}:${PREPARED}`,
    "-vsync",
    "vfr",
    "-q:v",
    "2",
    "-start_number",
    "0",
    join(dir, "%05d.jpg"),
  ]);
}

/** Prepare one sample under root/prepared/<path>/ (color, depth, flow_x, flow_y, done). */
export async function prepareSample(root: string, s: NvSample): Promise<void> {
  const out = join(root, "prepared", s.path);
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await extract(join(root, s.path, "sk_color.avi"), s.color, join(out, "color"));
  await extract(join(root, s.path, "sk_depth.avi"), s.depth, join(out, "depth"));
  const names = await listJpegs(join(out, "color"));
  if (names.length < 2) {
    throw new Error(`${join(root, s.path, "sk_color.avi")}: ${names.length} frames in ${s.color}`);
  }
  for (const d of ["flow_x", "flow_y"]) await Deno.mkdir(join(out, d), { recursive: true });
  const small = async (name: string) =>
    grey(resizeRgb(decodeJpeg(await Deno.readFile(join(out, "color", name))), FLOW, FLOW).data);
  let prev = await small(names[0]);
  for (let t = 1; t < names.length; t++) {
    const next = await small(names[t]);
    const f = hornSchunck(prev, next, FLOW, FLOW);
    for (const [d, q] of [["flow_x", quantiseFlow(f.u)], ["flow_y", quantiseFlow(f.v)]] as const) {
      const rgb = new Uint8Array(3 * q.length);
      q.forEach((x, i) => rgb.fill(x, 3 * i, 3 * i + 3));
      const path = join(out, d, names[t - 1]);
      await Deno.writeFile(path, encodeJpeg({ width: FLOW, height: FLOW, data: rgb }, 95))
        .catch((e) => {
          throw namingFile(path, e);
        });
    }
    prev = next;
  }
  await writeFileAtomic(join(out, "done"), new Uint8Array());
}
