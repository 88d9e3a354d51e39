/**
 * Step bench: one AUG training step (one classifier per modality sharing the head,
 * per-modality loss/backward/SGD, stats on the GPU, no readback) in samples/s, the median of
 * `--iters` steps each waited for, then `--iters` steps back to back with one wait (as training
 * runs them: a GPU works on a step while the next is recorded; both sides are timed both ways);
 * with `--profile`, GPU time per kernel from timestamp queries
 * (`--profile-grid`: per kernel and dispatch grid, i.e. per shape).
 * Models: `--model resnet18` (CREMA-D's: audio 1xFxT and visual encoders) or `--model i3d`
 * (NVGesture's: RGB, flow and depth I3Ds on [B, frames, C, size, size] clips, 25 classes).
 * Beside it, the same step in PyTorch (bench/step_torch.py) run from this script when
 * `--python` finds torch: Debian's python3-torch on a CPU machine, the preinstalled PyTorch on a
 * GPU machine. On the software adapter PyTorch gets as many CPU threads as llvmpipe runs
 * (LP_NUM_THREADS, else every core), so both sides use the same cores; `--torch-threads N` sets
 * another count (PyTorch's own default on this machine is 1 thread).
 *
 *   deno task bench:step [--batch 16] [--width 64] [--audio 257x188] [--visual 3x112x112]
 *                        [--iters 5] [--profile | --profile-grid] [--python /usr/bin/python3] [--no-tune]
 *                        [--torch-threads N] [--json FILE]
 *   deno task bench:step --model i3d [--batch 2] [--frames 64] [--size 224]
 * Kernel variants are autotuned after the first step (kernels/variants/autotune.ts; the choices
 * are cached, MMBOOST_AUTOTUNE=PATH moves the cache) unless --no-tune.
 */
import { parseArgs } from "node:util";
import { openGpu } from "../kernels/variants/device.ts";
import { tunePending, variantPolicy } from "../kernels/variants/policy.ts";
import { envDevice } from "../pipelines/env.ts";
import { Rng } from "../kernels/init/init.ts";
import { Scope, Tensor } from "../kernels/tensor.ts";
import { oneHot } from "../kernels/loss/loss.ts";
import { AugModel } from "../pipelines/models/multimodal.ts";
import { augStep } from "../pipelines/train/steps.ts";
import { command } from "../pipelines/command.ts";
import { provenance } from "./provenance.ts";

await command(import.meta.url);

const { values } = parseArgs({
  args: Deno.args,
  options: {
    batch: { type: "string", default: "16" },
    width: { type: "string", default: "64" },
    audio: { type: "string", default: "257x188" },
    visual: { type: "string", default: "3x112x112" },
    iters: { type: "string", default: "5" },
    profile: { type: "boolean", default: false },
    "profile-grid": { type: "boolean", default: false },
    python: { type: "string", default: "python3" },
    "no-tune": { type: "boolean", default: false },
    model: { type: "string", default: "resnet18" },
    frames: { type: "string", default: "64" },
    size: { type: "string", default: "224" },
    "torch-threads": { type: "string" },
    json: { type: "string" },
  },
});
const i3d = values.model === "i3d";
if (!i3d && values.model !== "resnet18") {
  throw new Error(`--model: resnet18 or i3d, not ${values.model}`);
}
const B = Number(values.batch), width = Number(values.width), iters = Number(values.iters);
const T = Number(values.frames), S = Number(values.size), K = i3d ? 25 : 6;
const [fh, fw] = values.audio.split("x").map(Number);
const [vc, vh, vw] = values.visual.split("x").map(Number);
const gpu = await openGpu({
  ...envDevice(!values["no-tune"]),
  profile: values["profile-grid"] ? "grid" : values.profile,
});
const rng = new Rng(0);
const channels = i3d ? [3, 2, 1] : [1, vc];
const model = AugModel.create(gpu, rng, {
  modalities: channels.map((c, m) => ({ name: `m${m}`, inChannels: c, frames: i3d ? T : 1 })),
  classes: K,
  width,
  encoder: i3d ? "i3d" : "resnet18",
});
const rand = (shape: number[]) => {
  const d = new Float32Array(shape.reduce((a, b) => a * b));
  for (let i = 0; i < d.length; i++) d[i] = rng.normal();
  return Tensor.from(gpu, d, shape).persist();
};
const inputs = i3d
  ? channels.map((c) => rand([B, T, c, S, S]))
  : [rand([B, 1, fh, fw]), rand([B, vc, vh, vw])];
const labels = oneHot(gpu, Array.from({ length: B }, (_, i) => i % K), K).persist();
const stats = Tensor.zeros(gpu, [3 * channels.length]).persist();
const step = () => {
  using _ = new Scope(gpu);
  augStep(model, { inputs, labels }, {
    lambda: i3d ? 0.2 : 0.5,
    sgd: { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 },
  }, stats);
};
step();
await gpu.sync();
const tuned = await tunePending(gpu);
if (tuned) {
  console.log(tuned);
  step(); // compile the chosen variants
  await gpu.sync();
}
const tuner = variantPolicy(gpu).tuner;
if (tuner) {
  const counts: Record<string, number> = {};
  for (const v of tuner.choices.values()) counts[v] = (counts[v] ?? 0) + 1;
  console.log(`kernel variants chosen (all cached shapes): ${JSON.stringify(counts)}`);
}
gpu.timer?.report(true);
const times: number[] = [], recording: number[] = [];
let dispatches = 0;
for (let i = 0; i < iters; i++) {
  const t0 = performance.now(), d0 = gpu.dispatches;
  step();
  recording.push(performance.now() - t0); // the CPU's part: recording (and submitting) the step
  dispatches = gpu.dispatches - d0;
  await gpu.sync();
  times.push(performance.now() - t0);
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = median(times);
// Steps back to back, each submitted, one wait at the end: how training runs them (the GPU works
// on a step while the next is recorded). Not under --profile, whose queries split every pass.
let piped: number | null = null;
if (!gpu.timer) {
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) {
    step();
    gpu.flush();
  }
  await gpu.sync();
  piped = (performance.now() - t0) / iters;
}
console.log(`adapter: ${gpu.adapterName}`);
const setting = i3d
  ? `3 x I3D, batch ${B}, width ${width}, clips ${T}x${S}x${S}`
  : `batch ${B}, width ${width}, audio 1x${fh}x${fw}, visual ${vc}x${vh}x${vw}`;
console.log(
  `mmboost AUG step: ${setting}: ${ms.toFixed(1)} ms, ${
    (B / ms * 1000).toFixed(2)
  } samples/s (median of ${iters})`,
);
if (piped !== null) {
  console.log(
    `  back to back (${iters} steps, one wait): ${piped.toFixed(1)} ms, ${
      (B / piped * 1000).toFixed(2)
    } samples/s`,
  );
}
console.log(
  `  recording a step: ${median(recording).toFixed(1)} ms for ${dispatches} dispatches (submitted ${
    gpu.flushEvery ? `every ${gpu.flushEvery}` : "once"
  })`,
);
if (gpu.timer) {
  const rows = gpu.timer.report();
  const total = rows.reduce((s, r) => s + r.ms, 0);
  console.log("GPU time per kernel over the timed steps:");
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(values["profile-grid"] ? 44 : 30)} ${String(r.calls).padStart(5)} calls ${
        r.ms.toFixed(1).padStart(9)
      } ms ${(100 * r.ms / total).toFixed(1).padStart(5)} %`,
    );
  }
}
/**
 * PyTorch's CPU threads: what --torch-threads says, else on the software adapter as many as
 * llvmpipe runs (LP_NUM_THREADS, default every core), else (a real GPU) PyTorch's own default.
 */
function torchThreads(): number {
  if (values["torch-threads"] !== undefined) {
    const n = Number(values["torch-threads"]);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`--torch-threads: a count >= 0, not ${values["torch-threads"]}`);
    }
    return n;
  }
  if (!gpu.adapterInfo.isFallbackAdapter) return 0;
  return Number(Deno.env.get("LP_NUM_THREADS")) || navigator.hardwareConcurrency;
}
/** PyTorch's step as bench/step_torch.py prints it (null when it was not run). */
interface TorchStep {
  torch: string;
  device: string;
  step_ms: number;
  piped_ms: number;
  samples_per_s: number;
}
let torch: TorchStep | null = null;
if (values.python === "none") console.log("PyTorch peer not run (--python none)");
else torch = await torchStep();
if (values.json) {
  const out = {
    ...await provenance(gpu.adapterName, "bench:step"),
    setting,
    batch: B,
    ms,
    pipedMs: piped,
    recordingMs: median(recording),
    dispatches,
    torch: torch && { ...torch, threads: torchThreads() },
  };
  await Deno.writeTextFile(values.json, JSON.stringify(out, null, 2) + "\n");
}
Deno.exit(0);

/** Runs bench/step_torch.py on the same setting; null (with a line saying why) when it fails. */
async function torchStep(): Promise<TorchStep | null> {
  const threads = torchThreads();
  try {
    const script = new URL("./step_torch.py", import.meta.url).pathname;
    const out = await new Deno.Command(values.python, {
      args: [
        script,
        "--batch",
        String(B),
        "--width",
        String(width),
        "--audio",
        values.audio,
        "--visual",
        values.visual,
        "--iters",
        String(iters),
        "--model",
        values.model,
        "--frames",
        String(T),
        "--size",
        String(S),
        "--threads",
        String(threads),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(new TextDecoder().decode(out.stderr).trim().split("\n").pop());
    }
    const t: TorchStep = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
    console.log(
      `PyTorch ${t.torch} on ${t.device}: ${t.step_ms.toFixed(1)} ms, ${
        t.samples_per_s.toFixed(2)
      } samples/s; back to back ${t.piped_ms.toFixed(1)} ms`,
    );
    console.log(
      `ratio mmboost / PyTorch samples/s: ${(t.step_ms / ms).toFixed(3)} (each step waited for)` +
        (piped === null ? "" : `, ${(t.piped_ms / piped).toFixed(3)} (steps back to back)`),
    );
    return t;
  } catch (e) {
    console.log(`PyTorch peer not run (${values.python}): ${(e as Error).message}`);
    return null;
  }
}
