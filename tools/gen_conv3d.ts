/**
 * The generated conv3d kernels (implicit GEMM, NCDHW), in the two register-block families of
 * tools/gen_gemm.ts. Padding is given per dimension as the FRONT pad only: positions outside the
 * input read zero, so TensorFlow "same" padding (front = total / 2, back = the rest) needs no
 * extra state; the output size carries the back pad.
 */
import {
  type Block,
  CPU_CONV_BLOCK,
  CPU_NOTE,
  gemmKernel,
  type Generated,
  GPU_BLOCK,
  GPU_NOTE,
  putAccumulating,
  TILED_BLOCK,
  TILED_NOTE,
  WIDE_BLOCK,
  WIDE_NOTE,
} from "./gen_gemm.ts";

const geometry = [
  "M: u32",
  "N: u32",
  "K: u32",
  "C: u32",
  "D: u32",
  "H: u32",
  "W: u32",
  "OD: u32",
  "OH: u32",
  "OW: u32",
  "KD: u32",
  "KH: u32",
  "KW: u32",
  "sd: u32",
  "sh: u32",
  "sw: u32",
  "pd: u32",
  "ph: u32",
  "pw: u32",
  "accumulate: u32",
];

/** Load from a [D, H, W] volume at base with zero outside it. */
const loadPadded = (buf: string) =>
  `fn ld(base: u32, id: i32, ih: i32, iw: i32) -> f32 {
  let ok = u32(id) < p.D && u32(ih) < p.H && u32(iw) < p.W;
  return select(0.0, ${buf}[select(0u, base + (u32(id) * p.H + u32(ih)) * p.W + u32(iw), ok)], ok);
}`;

const put = putAccumulating;

/** Sizes every conv3d kernel uses. */
const SIZES = "let osz = p.OD * p.OH * p.OW; let ohw = p.OH * p.OW; let isz = p.D * p.H * p.W; " +
  "let ksz = p.KD * p.KH * p.KW; let khw = p.KH * p.KW;";

/** Output position pp (within one sample) -> the input corner (id, ih, iw) of its window. */
const corner = (pp: string, suffix: string) =>
  `let od${suffix} = ${pp} / ohw; let oq${suffix} = ${pp} % ohw; ` +
  `let id${suffix} = i32(od${suffix} * p.sd) - i32(p.pd); ` +
  `let ih${suffix} = i32((oq${suffix} / p.OW) * p.sh) - i32(p.ph); ` +
  `let iw${suffix} = i32((oq${suffix} % p.OW) * p.sw) - i32(p.pw);`;

/** Kernel tap r (< KD*KH*KW) -> (kd, kh, kw). */
const tap = (r: string, suffix: string) =>
  `let kd${suffix} = i32(${r} / khw); let kh${suffix} = i32((${r} % khw) / p.KW); ` +
  `let kw${suffix} = i32(${r} % p.KW);`;

function forward(b: Block, variant: string): Generated {
  return gemmKernel({
    ...b,
    header: [
      "conv3d_forward: y[n,co,od,oh,ow] = sum_{ci,kd,kh,kw} w[co,ci,kd,kh,kw]",
      "  x[n,ci,od*sd-pd+kd, oh*sh-ph+kh, ow*sw-pw+kw] (zero outside x, no bias). NCDHW layouts.",
      "Implicit GEMM: M = Co, N = B*OD*OH*OW, K = Ci*KD*KH*KW, A = w viewed [Co, K].",
      `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}).`,
      variant,
    ],
    params: [...geometry, "kps: u32"],
    bindings: [
      "var<storage, read> x: array<f32>",
      "var<storage, read> w: array<f32>",
      "var<storage, read_write> y: array<f32>",
    ],
    helpers: loadPadded("x"),
    prologue: SIZES,
    setupRow: (r) => `let wr${r} = m${r} * p.K;`,
    setupCol: (s) =>
      `let pp${s} = n${s} % osz; let xb${s} = (n${s} / osz) * p.C * isz; ` +
      `let yb${s} = (n${s} / osz) * p.M * osz + pp${s}; ${corner(`pp${s}`, `${s}`)}`,
    kCounter: {
      counters: [
        ["ikw", (k) => `${k} % p.KW`],
        ["ikh", (k) => `(${k} / p.KW) % p.KH`],
        ["ikd", (k) => `(${k} / khw) % p.KD`],
        ["xc", (k) => `(${k} / ksz) * isz`],
      ],
      decode: "let kd = i32(ikd); let kh = i32(ikh); let kw = i32(ikw);",
      radices: ["p.KW", "p.KH", "p.KD"],
      unit: "isz",
    },
    loadA: (r) => `w[wr${r} + k]`,
    loadB: (s) => `ld(xb${s} + xc, id${s} + kd, ih${s} + kh, iw${s} + kw)`,
    store: (v, i, _j, _r, s) => `y[yb${s} + (${i}) * osz] = ${v};`,
  });
}

/** The stride phase of a folded input-gradient kernel (kernels/conv2d/phases.ts packs it). */
const PHASE_3D =
  `// One stride phase: its GEMM's N and K, residues (rd, rh, rw), first input position
// (id0, ih0, iw0), position counts (Dd, Hh, Ww) and taps along H and W (KHh, KWw); 16 words.
struct Phase {
  N: u32, K: u32, rd: u32, rh: u32, rw: u32, id0: u32, ih0: u32, iw0: u32,
  Dd: u32, Hh: u32, Ww: u32, KHh: u32, KWw: u32, @size(12) unused: u32,
}

`;

/** The per-phase fields of the unfolded kernels (scalar uniforms after the geometry). */
const PHASE_FIELDS = ["rd", "rh", "rw", "id0", "ih0", "iw0", "Dd", "Hh", "Ww", "KHh", "KWw"];

/**
 * The input gradient, one implicit GEMM per stride phase. Folded (the GPU families, as
 * conv2d's): every phase in one dispatch, grid z indexing p.phases; otherwise one dispatch per
 * phase with the phase in scalar uniforms (the software adapter's, see tools/gen_kernels.ts).
 */
function backwardInput(b: Block, variant: string, folded = false): Generated {
  const q = folded ? "q" : "p";
  const grid = `Grid: x = ceil(${folded ? "max N" : "N"} / ${b.TN * b.WX}), y = ceil(M / ${
    b.TM * b.WY
  })${folded ? ", z = phases." : "; sd*sh*sw dispatches."}`;
  return gemmKernel({
    ...b,
    header: [
      "conv3d_backward_input: dx[n,ci,id,ih,iw] (+)= sum_{co,kd,kh,kw} w[co,ci,kd,kh,kw]",
      "  dy[n,co,od,oh,ow] over the outputs with od*sd - pd + kd = id (and so for h, w).",
      "Stride phases, as conv2d_backward_input: the input positions with (i + pad) mod s = r in",
      ...(folded
        ? [
          "every dimension see the taps k = r + s*j at o = (i + pad) div s - j, so each phase is an",
          "implicit GEMM with no wasted taps: M = Ci, N = B * Dd*Hh*Ww positions of the phase,",
          "K = Co * KDd*KHh*KWw. p.C is Co here. NCDHW layouts. Grid z walks the phases",
          "(p.phases[z], kernels/conv2d/phases.ts): all in one dispatch.",
        ]
        : [
          "every dimension see the taps k = r + s*j at o = (i + pad) div s - j, so one dispatch per",
          "phase is an implicit GEMM with no wasted taps: M = Ci, N = B * Dd*Hh*Ww positions of the",
          "phase, K = Co * KDd*KHh*KWw. p.C is Co here. NCDHW layouts.",
        ]),
      grid,
      variant,
    ],
    params: [
      ...geometry,
      ...(folded ? ["@align(16) phases: array<Phase, 16>"] : PHASE_FIELDS.map((f) => `${f}: u32`)),
    ],
    bindings: [
      "var<storage, read> dy: array<f32>",
      "var<storage, read> w: array<f32>",
      "var<storage, read_write> dx: array<f32>",
    ],
    helpers: `${folded ? PHASE_3D : ""}fn ldy(base: u32, od: i32, oh: i32, ow: i32) -> f32 {
  let ok = u32(od) < p.OD && u32(oh) < p.OH && u32(ow) < p.OW;
  return select(0.0, dy[select(0u, base + (u32(od) * p.OH + u32(oh)) * p.OW + u32(ow), ok)], ok);
}

${put("dx")}`,
    ...(folded ? { entry: "let q = p.phases[wid.z];", N: "q.N", K: "q.K" } : {}),
    prologue: `${SIZES} let phw = ${q}.Hh * ${q}.Ww; let pvol = ${q}.Dd * phw; ` +
      `let taps = ${q}.K / p.C; let thw = ${q}.KHh * ${q}.KWw; let kdd = taps / max(thw, 1u);`,
    setupRow: (r) => `let wr${r} = m${r} * ksz;`,
    setupCol: (s) =>
      `let pp${s} = n${s} % pvol; let pq${s} = pp${s} % phw; ` +
      `let id${s} = ${q}.id0 + p.sd * (pp${s} / phw); ` +
      `let ih${s} = ${q}.ih0 + p.sh * (pq${s} / ${q}.Ww); ` +
      `let iw${s} = ${q}.iw0 + p.sw * (pq${s} % ${q}.Ww); ` +
      `let yb${s} = (n${s} / pvol) * p.C * osz; ` +
      `let xb${s} = (n${s} / pvol) * p.M * isz + (id${s} * p.H + ih${s}) * p.W + iw${s}; ` +
      `let qd${s} = i32((id${s} + p.pd) / p.sd); let qh${s} = i32((ih${s} + p.ph) / p.sh); ` +
      `let qw${s} = i32((iw${s} + p.pw) / p.sw);`,
    kCounter: {
      counters: [
        ["jw", (k) => `${k} % ${q}.KWw`],
        ["jh", (k) => `(${k} / ${q}.KWw) % ${q}.KHh`],
        ["jd", (k) => `(${k} / max(thw, 1u)) % kdd`],
        ["co", (k) => `${k} / taps`],
      ],
      decode: `let wo = co * p.M * ksz + (${q}.rd + p.sd * jd) * khw + ` +
        `(${q}.rh + p.sh * jh) * p.KW + ${q}.rw + p.sw * jw; let yo = co * osz; ` +
        "let jjd = i32(jd); let jjh = i32(jh); let jjw = i32(jw);",
      radices: [`${q}.KWw`, `${q}.KHh`, "kdd"],
      unit: "1u",
    },
    loadA: (r) => `w[wo + wr${r}]`,
    loadB: (s) => `ldy(yb${s} + yo, qd${s} - jjd, qh${s} - jjh, qw${s} - jjw)`,
    store: (v, i, _j, _r, s) => `put(xb${s} + (${i}) * isz, ${v});`,
  });
}

function backwardWeight(b: Block, variant: string): Generated {
  return gemmKernel({
    ...b,
    header: [
      "conv3d_backward_weight: dw[co,ci,kd,kh,kw] (+)= sum_{n,od,oh,ow} dy[n,co,od,oh,ow]",
      "  x[n,ci,od*sd-pd+kd, oh*sh-ph+kh, ow*sw-pw+kw]. NCDHW layouts. As GEMM: M = Co,",
      "N = Ci*KD*KH*KW, K = B*OD*OH*OW (the reduction), split into chunks of p.kps along grid z;",
      "split z writes slice z of dw ([splits, Co, N]) and split_reduce sums the slices.",
      `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}), z = splits.`,
      variant,
    ],
    params: [...geometry, "kps: u32"],
    bindings: [
      "var<storage, read> dy: array<f32>",
      "var<storage, read> x: array<f32>",
      "var<storage, read_write> dw: array<f32>",
    ],
    helpers: `${loadPadded("x")}

${put("dw")}`,
    prologue: `${SIZES} let zo = wid.z * p.M * p.N;`,
    kRange: "let k0 = wid.z * p.kps; let k1 = min(k0 + p.kps, p.K);",
    setupRow: (r) => `let yr${r} = m${r} * osz;`,
    setupCol: (s) =>
      `let kr${s} = n${s} % ksz; let xc${s} = (n${s} / ksz) * isz; ${tap(`kr${s}`, `${s}`)}`,
    kCounter: {
      counters: [
        ["iow", (k) => `${k} % p.OW`],
        ["ioh", (k) => `(${k} / p.OW) % p.OH`],
        ["iod", (k) => `(${k} / ohw) % p.OD`],
        ["ib", (k) => `${k} / osz`],
      ],
      decode: "let pp = (iod * p.OH + ioh) * p.OW + iow; let yo = ib * p.M * osz + pp; " +
        "let xo = ib * p.C * isz; let id = i32(iod * p.sd) - i32(p.pd); " +
        "let ih = i32(ioh * p.sh) - i32(p.ph); let iw = i32(iow * p.sw) - i32(p.pw);",
      radices: ["p.OW", "p.OH", "p.OD"],
      unit: "1u",
    },
    loadA: (r) => `dy[yo + yr${r}]`,
    loadB: (s) => `ld(xo + xc${s}, id + kd${s}, ih + kh${s}, iw + kw${s})`,
    store: (v, i, j) => `put(zo + (${i}) * p.N + ${j}, ${v});`,
  });
}

/** File name (relative to kernels/) -> generated source, for the conv3d kernels. */
export function conv3dKernels(): Record<string, Generated> {
  return {
    "conv3d/conv3d_forward.wgsl": forward(CPU_CONV_BLOCK, CPU_NOTE),
    "conv3d/conv3d_forward_gpu.wgsl": forward(GPU_BLOCK, GPU_NOTE),
    "conv3d/conv3d_forward_tiled.wgsl": forward(TILED_BLOCK, TILED_NOTE),
    "conv3d/conv3d_forward_wide.wgsl": forward(WIDE_BLOCK, WIDE_NOTE),
    "conv3d/conv3d_backward_input.wgsl": backwardInput(
      CPU_CONV_BLOCK,
      `${CPU_NOTE} 32 channels per invocation, for Ci > 8.`,
    ),
    "conv3d/conv3d_backward_input_narrow.wgsl": backwardInput(
      { TM: 4, TN: 16, WX: 8, WY: 4 },
      `${CPU_NOTE} 4 channels per invocation, for few input channels (the stems: 1-3).`,
    ),
    "conv3d/conv3d_backward_input_gpu.wgsl": backwardInput(GPU_BLOCK, GPU_NOTE, true),
    "conv3d/conv3d_backward_input_tiled.wgsl": backwardInput(TILED_BLOCK, TILED_NOTE, true),
    "conv3d/conv3d_backward_input_wide.wgsl": backwardInput(WIDE_BLOCK, WIDE_NOTE, true),
    "conv3d/conv3d_backward_weight.wgsl": backwardWeight(
      CPU_CONV_BLOCK,
      `${CPU_NOTE} 32x16 blocks.`,
    ),
    "conv3d/conv3d_backward_weight_narrow.wgsl": backwardWeight(
      { TM: 16, TN: 8, WX: 8, WY: 4 },
      `${CPU_NOTE} 16x8 blocks, for short rows (Ci*KD*KH*KW < 128).`,
    ),
    "conv3d/conv3d_backward_weight_gpu.wgsl": backwardWeight(GPU_BLOCK, GPU_NOTE),
    "conv3d/conv3d_backward_weight_tiled.wgsl": backwardWeight(TILED_BLOCK, TILED_NOTE),
    "conv3d/conv3d_backward_weight_wide.wgsl": backwardWeight(WIDE_BLOCK, WIDE_NOTE),
  };
}
