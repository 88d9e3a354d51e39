/**
 * Kernel bench: matmul (512, 1024, 2048) and conv2d forward and backward at the ResNet18 layer
 * shapes (batch 8, 112x112 input), ours beside the JavaScript peers on the same adapter in the
 * same run. Each measurement enqueues k operations and waits once (k sized so a sample takes
 * about 0.3 s), takes 5 samples and reports the median time per operation in ms and GFLOP/s,
 * then our time divided by each peer's (below 1: we are faster).
 *
 *   deno task bench                   all cases, all peers
 *   deno task bench --quick           matmul 1024 and the stem conv only
 *   deno task bench --peers tfjs      only some peers (tfjs, jax; none for ours alone)
 *   deno task bench --json out.json   also write the results as JSON
 *   deno task bench --families gpu,tiled,wide   also each named GEMM kernel family of ours
 *   deno task bench --families winograd,winograd_f4,winograd_f6   also Winograd F(2x2, 3x3),
 *                            F(4x4, 3x3) and F(6x6, 3x3) for the stride-1 3x3 convs (GFLOP/s
 *                            then count the direct work; "n/a" on the other rows);
 *                            winograd_tiled, winograd_f4_gpu, ...: their GEMMs in a GPU family
 */
import { parseArgs } from "node:util";
import type { Gpu } from "../kernels/runtime/gpu.ts";
import { openGpu } from "../kernels/variants/device.ts";
import { GEMM_VARIANTS, type GemmVariant, variantPolicy } from "../kernels/variants/policy.ts";
import { envDevice } from "../pipelines/env.ts";
import { Scope, Tensor } from "../kernels/tensor.ts";
import { matmulInto } from "../kernels/matmul/matmul.ts";
import {
  conv2dBackwardInputInto,
  conv2dBackwardInputVariantInto,
  conv2dBackwardWeightInto,
  conv2dBackwardWeightVariantInto,
  conv2dForwardInto,
  conv2dForwardVariantInto,
  conv2dShape,
} from "../kernels/conv2d/conv2d.ts";
import { winogradFits } from "../kernels/conv2d/winograd.ts";
import { ALL_WINOGRAD_VARIANTS, type WinogradVariant } from "../kernels/conv2d/winograd_gemm.ts";
import { type ConvCase, jaxPeer, outSize, type Peer, type Prepared, tfjsPeer } from "./peers.ts";
import { command } from "../pipelines/command.ts";
import { provenance } from "./provenance.ts";

await command(import.meta.url);

/** ResNet18 convolutions at batch 8 and a 112x112 input (after the stem: 56, then 28...). */
const RESNET18_CONVS: [string, ConvCase][] = [
  ["conv1 3->64 7x7/2 @112", { B: 8, Ci: 3, H: 112, Co: 64, K: 7, stride: 2, pad: 3 }],
  ["layer1 64->64 3x3 @28", { B: 8, Ci: 64, H: 28, Co: 64, K: 3, stride: 1, pad: 1 }],
  ["layer2 64->128 3x3/2 @28", { B: 8, Ci: 64, H: 28, Co: 128, K: 3, stride: 2, pad: 1 }],
  ["layer2 128->128 3x3 @14", { B: 8, Ci: 128, H: 14, Co: 128, K: 3, stride: 1, pad: 1 }],
  ["layer2 down 64->128 1x1/2", { B: 8, Ci: 64, H: 28, Co: 128, K: 1, stride: 2, pad: 0 }],
  ["layer3 128->256 3x3/2 @14", { B: 8, Ci: 128, H: 14, Co: 256, K: 3, stride: 2, pad: 1 }],
  ["layer3 256->256 3x3 @7", { B: 8, Ci: 256, H: 7, Co: 256, K: 3, stride: 1, pad: 1 }],
  ["layer4 256->512 3x3/2 @7", { B: 8, Ci: 256, H: 7, Co: 512, K: 3, stride: 2, pad: 1 }],
  ["layer4 512->512 3x3 @4", { B: 8, Ci: 512, H: 4, Co: 512, K: 3, stride: 1, pad: 1 }],
];

/**
 * The Winograd families of the bench: F(2x2, 3x3) ("winograd"), F(4x4, 3x3) ("winograd_f4") and
 * F(6x6, 3x3) ("winograd_f6"), their GEMMs in the software adapter's blocks, or with "_gpu" /
 * "_tiled" / "_wide" in the GPU families'.
 */
const WINOGRAD_FAMILIES = Object.keys(ALL_WINOGRAD_VARIANTS) as WinogradVariant[];

/** Thrown by a peer for an operation it does not cover (reported "n/a", not timed). */
class NotApplicable extends Error {}

/**
 * Our kernels in the same shape as a peer; `family` forces a GEMM kernel family, or a Winograd
 * variant on the convolutions that suit it (the other rows are "n/a": they would repeat the
 * default's kernels, so only noise would tell the columns apart).
 */
function oursPeer(gpu: Gpu, family?: GemmVariant | WinogradVariant): Peer {
  const winograd = WINOGRAD_FAMILIES.find((f) => f === family);
  const gemm = GEMM_VARIANTS.find((f) => f === family);
  const prepared = (tensors: Tensor[], op: () => void): Prepared => ({
    run: () => {
      const before = variantPolicy(gpu).gemm;
      variantPolicy(gpu).gemm = gemm ?? before;
      op();
      variantPolicy(gpu).gemm = before;
    },
    sync: () => gpu.sync(),
    dispose: () => tensors.forEach((t) => t.dispose()),
  });
  const rand = (shape: number[]) =>
    Tensor.from(
      gpu,
      Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => Math.random() - 0.5),
      shape,
    );
  const geometry = (c: ConvCase) =>
    conv2dShape([c.B, c.Ci, c.H, c.H], [c.Co, c.Ci, c.K, c.K], {
      stride: c.stride,
      padding: c.pad,
    });
  return {
    name: family ? `mmboost:${family}` : "mmboost",
    matmul(n) {
      if (winograd) throw new NotApplicable();
      const a = rand([n, n]), b = rand([n, n]), c = Tensor.empty(gpu, [n, n]);
      return prepared([a, b, c], () => matmulInto(c, a, b));
    },
    convForward(c) {
      const s = geometry(c), x = rand([c.B, c.Ci, c.H, c.H]), w = rand([c.Co, c.Ci, c.K, c.K]);
      const y = Tensor.empty(gpu, [c.B, c.Co, s.OH, s.OW]);
      if (winograd && !winogradFits(s)) throw new NotApplicable();
      if (winograd) {
        return prepared([x, w, y], () => conv2dForwardVariantInto(winograd, y, x, w, s));
      }
      return prepared([x, w, y], () => conv2dForwardInto(y, x, w, s));
    },
    convBackward(c) {
      const s = geometry(c), x = rand([c.B, c.Ci, c.H, c.H]), w = rand([c.Co, c.Ci, c.K, c.K]);
      const dy = rand([c.B, c.Co, s.OH, s.OW]);
      const dx = Tensor.empty(gpu, x.shape), dw = Tensor.empty(gpu, w.shape);
      if (winograd && !winogradFits(s)) throw new NotApplicable();
      if (winograd) {
        return prepared([x, w, dy, dx, dw], () => {
          conv2dBackwardInputVariantInto(winograd, dx, dy, w, s, false);
          conv2dBackwardWeightVariantInto(winograd, dw, dy, x, s, false);
        });
      }
      return prepared([x, w, dy, dx, dw], () => {
        conv2dBackwardInputInto(dx, dy, w, s, false);
        conv2dBackwardWeightInto(dw, dy, x, s, false);
      });
    },
  };
}

/** Median ms per operation: warm up, size k to ~0.3 s per sample, 5 samples. */
async function timeOp(p: Prepared, samples = 5): Promise<number> {
  p.run();
  await p.sync();
  let t0 = performance.now();
  p.run();
  await p.sync();
  const once = performance.now() - t0;
  const k = Math.max(1, Math.min(50, Math.round(300 / Math.max(once, 1))));
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    t0 = performance.now();
    for (let i = 0; i < k; i++) p.run();
    await p.sync();
    times.push((performance.now() - t0) / k);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Row {
  op: string;
  shape: string;
  gflop: number;
  ms: Record<string, number | string>;
}

async function measure(
  peers: Peer[],
  op: string,
  shape: string,
  gflop: number,
  make: (p: Peer) => Prepared,
): Promise<Row> {
  const row: Row = { op, shape, gflop, ms: {} };
  for (const peer of peers) {
    let p: Prepared | null = null;
    try {
      p = make(peer);
      row.ms[peer.name] = await timeOp(p);
    } catch (e) {
      row.ms[peer.name] = e instanceof NotApplicable
        ? "n/a"
        : `failed: ${(e as Error).message.split("\n")[0].slice(0, 80)}`;
    } finally {
      try {
        p?.dispose();
      } catch { /* a failed peer may not dispose cleanly */ }
    }
  }
  printRow(row, peers);
  return row;
}

function printRow(row: Row, peers: Peer[]): void {
  const ours = row.ms["mmboost"];
  const cells = peers.map((p) => {
    const t = row.ms[p.name];
    if (typeof t === "string") return `${p.name}: ${t}`;
    const rate = `${p.name} ${t.toFixed(1)} ms ${(row.gflop / t * 1e3).toFixed(2)} GFLOP/s`;
    return p.name.startsWith("mmboost") || typeof ours !== "number"
      ? rate
      : `${rate} (ours/${p.name} ${(ours / t).toFixed(2)})`;
  });
  console.log(`${row.op.padEnd(13)} ${row.shape.padEnd(26)} | ${cells.join(" | ")}`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      peers: { type: "string", default: "tfjs,jax" },
      json: { type: "string" },
      families: { type: "string", default: "" },
    },
  });
  const gpu = await openGpu(envDevice(false));
  console.log(`adapter: ${gpu.adapterName}; Deno ${Deno.version.deno}`);
  const peers: Peer[] = [oursPeer(gpu)];
  for (const f of values.families.split(",").filter((s) => s)) {
    const families = [...GEMM_VARIANTS, ...WINOGRAD_FAMILIES];
    const family = families.find((v) => v === f);
    if (!family) throw new Error(`--families: unknown family "${f}" (${families.join(", ")})`);
    peers.push(oursPeer(gpu, family));
  }
  const wanted = values.peers.split(",").filter((s) => s && s !== "none");
  const makers: Record<string, () => Promise<Peer>> = { tfjs: tfjsPeer, jax: jaxPeer };
  for (const name of wanted) {
    if (!makers[name]) throw new Error(`--peers: unknown peer "${name}" (tfjs, jax, none)`);
    try {
      peers.push(await makers[name]());
    } catch (e) {
      console.log(`peer ${name} failed to start: ${(e as Error).message}`);
    }
  }
  const rows: Row[] = [];
  using _ = new Scope(gpu);
  for (const n of values.quick ? [1024] : [512, 1024, 2048]) {
    rows.push(
      await measure(peers, "matmul", `${n}x${n}x${n}`, 2 * n ** 3 / 1e9, (p) => p.matmul(n)),
    );
  }
  for (const [name, c] of values.quick ? RESNET18_CONVS.slice(0, 1) : RESNET18_CONVS) {
    const O = outSize(c);
    const gflop = 2 * c.B * c.Co * O * O * c.Ci * c.K * c.K / 1e9;
    rows.push(await measure(peers, "conv2d fwd", name, gflop, (p) => p.convForward(c)));
    rows.push(await measure(peers, "conv2d bwd", name, 2 * gflop, (p) => p.convBackward(c)));
  }
  if (values.json) {
    await Deno.writeTextFile(
      values.json,
      JSON.stringify({ ...await provenance(gpu.adapterName, "bench"), rows }, null, 2) + "\n", // as deno fmt leaves it
    );
  }
  Deno.exit(0); // peers keep devices alive; end the process explicitly
}
