/**
 * Tiny datasets in the exact layouts users have, for end-to-end reader tests: real WAV files
 * (synthesised tones + noise, class-dependent pitch), FLV videos made with ffmpeg, JPEG frames
 * (class-dependent colour) and the split files, BOM included.
 */
import { join } from "node:path";
import { Rng } from "../kernels/init/init.ts";
import { encodeWav16 } from "../pipelines/data/wav.ts";
import { encodeJpeg } from "../pipelines/data/jpeg.ts";
import { ffmpeg } from "../pipelines/io/ffmpeg.ts";

/** Command-line settings that make a CREMA-D fixture run take seconds (8 kHz, 1 s, 32-pixel crops, width 2). */
export const TINY_CREMA_ARGS = [
  "--set=data.rate=8000",
  "--set=data.seconds=1",
  "--set=data.shortSide=0",
  "--set=data.size=32",
  "--set=batchSize=8",
  "--set=model.width=2",
  "--set=model.hidden=8",
];

function tone(rng: Rng, rate: number, seconds: number, freq: number): Float32Array {
  return Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * freq * i) / rate) + 0.05 * rng.normal(),
  );
}

function frame(rng: Rng, w: number, h: number, cls: number): Uint8Array {
  const rgb = [(cls * 40) % 256, (cls * 90) % 256, (cls * 150) % 256];
  return Uint8Array.from(
    { length: w * h * 3 },
    (_, i) => Math.max(0, Math.min(255, rgb[i % 3] + rng.int(30))),
  );
}

async function writeFrames(dir: string, rng: Rng, count: number, cls: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (let f = 0; f < count; f++) {
    const data = frame(rng, 40, 30, cls);
    await Deno.writeFile(
      join(dir, `${String(f).padStart(5, "0")}.jpg`),
      encodeJpeg({ width: 40, height: 30, data }),
    );
  }
}

/** CREMA-D layout with `perClass` clips of each emotion per split; names follow the release. */
export async function makeCremaFixture(
  root: string,
  o: { perClass?: number; videos?: boolean } = {},
) {
  const rng = new Rng(7);
  const labels = ["NEU", "HAP", "SAD", "FEA", "DIS", "ANG"];
  const lines: Record<string, string[]> = { train: [], test: [] };
  await Deno.mkdir(join(root, "AudioWAV"), { recursive: true });
  await Deno.mkdir(join(root, "annotations"), { recursive: true });
  if (o.videos) await Deno.mkdir(join(root, "VideoFlash"), { recursive: true });
  let actor = 1001;
  for (const split of ["train", "test"]) {
    for (let k = 0; k < (o.perClass ?? 2); k++) {
      for (const [c, lab] of labels.entries()) {
        const name = `${actor++}_DFA_${lab}_XX`;
        lines[split].push(`${name},${lab}`);
        await Deno.writeFile(
          join(root, "AudioWAV", `${name}.wav`),
          encodeWav16(tone(rng, 16000, 1.2 + 0.3 * k, 200 + 150 * c), 16000),
        );
        if (o.videos) {
          const color = `0x${((c * 40) % 256).toString(16).padStart(2, "0")}${
            ((c * 90) % 256).toString(16).padStart(2, "0")
          }${((c * 150) % 256).toString(16).padStart(2, "0")}`;
          await ffmpeg([
            "-f",
            "lavfi",
            "-i",
            `color=c=${color}:s=64x48:d=2.5:r=10`,
            "-c:v",
            "flv",
            join(root, "VideoFlash", `${name}.flv`),
          ]);
        } else {
          await writeFrames(join(root, "Image-01-FPS", name), rng, 2 + (k % 2), c);
        }
      }
    }
  }
  // train.csv starts with a BOM and uses CRLF, as some copies of the release do
  await Deno.writeTextFile(
    join(root, "annotations", "train.csv"),
    "\uFEFF" + lines.train.join("\r\n") + "\r\n",
  );
  await Deno.writeTextFile(join(root, "annotations", "test.csv"), lines.test.join("\n") + "\n");
  return { train: lines.train.length, test: lines.test.length };
}

/** Kinetics-Sounds layout: `annotations/{train,test}.csv` with class names, frames and WAVs. */
export async function makeKsFixture(
  root: string,
  classes = ["playing piano", "dog barking", "chopping wood"],
) {
  const rng = new Rng(8);
  const rows: Record<string, string[]> = {
    train: ["youtube_id,label"],
    test: ["youtube_id,label"],
  };
  let n = 0;
  for (const split of ["train", "test"]) {
    await Deno.mkdir(join(root, `${split}_wav`), { recursive: true });
    for (let k = 0; k < 2; k++) {
      for (const [c, cls] of classes.entries()) {
        const id = `yt${String(n++).padStart(4, "0")}_000010_000020`;
        rows[split].push(`${id},${cls}`);
        await Deno.writeFile(
          join(root, `${split}_wav`, `${id}.wav`),
          encodeWav16(tone(rng, 16000, 1, 300 + 200 * c), 16000),
        );
        await writeFrames(join(root, `${split}_img`, "Image-01-FPS", id), rng, 5, c);
      }
    }
  }
  await Deno.mkdir(join(root, "annotations"), { recursive: true });
  for (const split of ["train", "test"]) {
    await Deno.writeTextFile(
      join(root, "annotations", `${split}.csv`),
      rows[split].join("\n") + "\n",
    );
  }
  return { classes };
}

/** NVGesture layout: Video_data/class_xx/subjectY_rZ/{sk_color,sk_depth}.avi and the .lst files. */
export async function makeNvFixture(root: string, classes = 3) {
  const lines: Record<string, string[]> = { train: [], test: [] };
  let subject = 1;
  for (const split of ["train", "test"]) {
    for (let k = 0; k < (split === "train" ? 2 : 1); k++) {
      for (let c = 1; c <= classes; c++) {
        const path = `Video_data/class_${String(c).padStart(2, "0")}/subject${subject++}_r0`;
        await Deno.mkdir(join(root, path), { recursive: true });
        // a pattern moving right at a class-dependent speed; depth: a grey gradient
        await ffmpeg([
          "-f",
          "lavfi",
          "-i",
          `testsrc=s=64x48:r=10:d=3,scroll=h=${0.01 * c}`,
          "-c:v",
          "mjpeg",
          "-q:v",
          "3",
          join(root, path, "sk_color.avi"),
        ]);
        await ffmpeg([
          "-f",
          "lavfi",
          "-i",
          `gradients=s=64x48:r=10:d=3:speed=${0.02 * c}`,
          "-vf",
          "format=gray,format=yuvj420p",
          "-c:v",
          "mjpeg",
          join(root, path, "sk_depth.avi"),
        ]);
        lines[split].push(
          `path:./${path} depth:sk_depth:2:22 color:sk_color:2:22 duo_left:duo_left:0:0 label:${c}`,
        );
      }
    }
  }
  for (const split of ["train", "test"]) {
    await Deno.writeTextFile(
      join(root, `nvgesture_${split}_correct_v2.lst`),
      lines[split].join("\n") + "\n",
    );
  }
  return { train: lines.train.length, test: lines.test.length };
}
