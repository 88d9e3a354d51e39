/**
 * The generated kernels: matmul, the three conv2d and conv3d passes (implicit GEMM), the
 * Winograd GEMMs and transforms. `deno task gen` writes each into the `generated/` folder beside
 * its wrapper (kernels/<op>/generated/), with the "do not edit" line first, and the tiles of the
 * GEMM-shaped ones (outputs per workgroup) into that folder's tiles.json, which the wrappers size
 * their grids by. tests/tools/gen_kernels_test.ts fails on a stale file and on an orphan (a file
 * in a generated/ folder that no generator writes).
 */
import {
  type Block,
  CPU_BLOCK,
  CPU_CONV_BLOCK,
  CPU_NOTE,
  gemmKernel,
  type Generated,
  GPU_BLOCK,
  GPU_NOTE,
  loadPadded2d,
  putAccumulating,
  TILED_BLOCK,
  TILED_NOTE,
  vec4Kernel,
  WIDE_BLOCK,
  WIDE_NOTE,
} from "./gen_gemm.ts";
import { conv3dKernels } from "./gen_conv3d.ts";
import { winogradF4Kernels, winogradF6Kernels } from "./gen_winograd.ts";
import { winograd3dKernels } from "./gen_winograd3d.ts";
import { windowKernel } from "./gen_window.ts";

/** The stride phase of a folded input-gradient kernel (kernels/conv2d/phases.ts packs it). */
const PHASE_2D =
  `// One stride phase: its GEMM's N and K, residues (rh, rw), first input pixel (ih0, iw0),
// pixel counts (Hh, Ww) and taps along W (KWw); 12 words (uniform arrays step in 16 bytes).
struct Phase { N: u32, K: u32, rh: u32, rw: u32, ih0: u32, iw0: u32, Hh: u32, Ww: u32, KWw: u32, @size(12) unused: u32 }

`;

const conv2dFields = [
  "M: u32",
  "N: u32",
  "K: u32",
  "C: u32",
  "H: u32",
  "W: u32",
  "OH: u32",
  "OW: u32",
  "KH: u32",
  "KW: u32",
  "stride: u32",
  "pad: u32",
  "accumulate: u32",
  "kps: u32",
];

const loadPadded = loadPadded2d, put = putAccumulating;

/** Kernel file (relative to kernels/, as the wrapper names it) -> source, or source and tile. */
function kernelSources(): Record<string, string | Generated> {
  const out: Record<string, string | Generated> = {};

  const matmul = (b: Block, variant: string) =>
    gemmKernel({
      ...b,
      header: [
        "matmul_forward: C[M,N] = op(A)[M,K] op(B)[K,N] (+ bias[N]) (+ C when accumulating).",
        "Layouts by strides, so transposes are free: A(i,k) = a[i*sa0 + k*sa1],",
        "B(k,j) = b[k*sb0 + j*sb1]; C row-major [M,N]. flags: 1 = add bias, 2 = accumulate.",
        `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}).`,
        variant,
      ],
      params: [
        "M: u32",
        "N: u32",
        "K: u32",
        "sa0: u32",
        "sa1: u32",
        "sb0: u32",
        "sb1: u32",
        "flags: u32",
      ],
      bindings: [
        "var<storage, read> a: array<f32>",
        "var<storage, read> b: array<f32>",
        "var<storage, read> bias: array<f32>",
        "var<storage, read_write> c: array<f32>",
      ],
      helpers: `fn put(i: u32, j: u32, v: f32) {
  var o = v;
  if ((p.flags & 1u) != 0u) { o += bias[j]; }
  if ((p.flags & 2u) != 0u) { o += c[i * p.N + j]; }
  c[i * p.N + j] = o;
}`,
      setupRow: (r) => `let ai${r} = m${r} * p.sa0;`,
      setupCol: (s) => `let bj${s} = n${s} * p.sb1;`,
      decodeK: "let ka = k * p.sa1; let kb = k * p.sb0;",
      loadA: (r) => `a[ai${r} + ka]`,
      loadB: (s) => `b[bj${s} + kb]`,
      store: (v, i, j) => `put(${i}, ${j}, ${v});`,
    });
  out["matmul/matmul_forward.wgsl"] = matmul(CPU_BLOCK, CPU_NOTE);
  out["matmul/matmul_forward_gpu.wgsl"] = matmul(GPU_BLOCK, GPU_NOTE);
  out["matmul/matmul_forward_tiled.wgsl"] = matmul(TILED_BLOCK, TILED_NOTE);
  out["matmul/matmul_forward_wide.wgsl"] = matmul(WIDE_BLOCK, WIDE_NOTE);

  const convForward = (b: Block, variant: string) =>
    gemmKernel({
      ...b,
      header: [
        "conv2d_forward: y[n,co,oh,ow] = sum_{ci,kh,kw} w[co,ci,kh,kw] x[n,ci,oh*S-P+kh,ow*S-P+kw]",
        "(zero padding, no bias). NCHW layouts. As implicit GEMM: M = Co, N = B*OH*OW,",
        "K = Ci*KH*KW, A = w viewed [Co, K], B = the im2col matrix gathered on the fly.",
        `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}).`,
        variant,
      ],
      params: conv2dFields,
      bindings: [
        "var<storage, read> x: array<f32>",
        "var<storage, read> w: array<f32>",
        "var<storage, read_write> y: array<f32>",
      ],
      helpers: loadPadded("x"),
      prologue: "let ohw = p.OH * p.OW; let hw = p.H * p.W; let khw = p.KH * p.KW;",
      setupRow: (r) => `let wr${r} = m${r} * p.K;`,
      setupCol: (s) =>
        `let pp${s} = n${s} % ohw; let xb${s} = (n${s} / ohw) * p.C * hw; ` +
        `let yb${s} = (n${s} / ohw) * p.M * ohw + pp${s}; ` +
        `let ih${s} = i32((pp${s} / p.OW) * p.stride) - i32(p.pad); ` +
        `let iw${s} = i32((pp${s} % p.OW) * p.stride) - i32(p.pad);`,
      kCounter: {
        counters: [
          ["ikw", (k) => `${k} % p.KW`],
          ["ikh", (k) => `(${k} / p.KW) % p.KH`],
          ["xc", (k) => `(${k} / khw) * hw`],
        ],
        decode: "let kh = i32(ikh); let kw = i32(ikw);",
        radices: ["p.KW", "p.KH"],
        unit: "hw",
      },
      loadA: (r) => `w[wr${r} + k]`,
      loadB: (s) => `ld(xb${s} + xc, ih${s} + kh, iw${s} + kw)`,
      store: (v, i, _j, _r, s) => `y[yb${s} + (${i}) * ohw] = ${v};`,
    });
  out["conv2d/conv2d_forward.wgsl"] = convForward(CPU_CONV_BLOCK, CPU_NOTE);
  out["conv2d/conv2d_forward_gpu.wgsl"] = convForward(GPU_BLOCK, GPU_NOTE);
  out["conv2d/conv2d_forward_tiled.wgsl"] = convForward(TILED_BLOCK, TILED_NOTE);
  out["conv2d/conv2d_forward_wide.wgsl"] = convForward(WIDE_BLOCK, WIDE_NOTE);

  // The GPU families run every stride phase in one dispatch (grid z, p.phases[z]:
  // kernels/conv2d/phases.ts); the software adapter's keep one dispatch per phase with the phase
  // in scalar uniforms (read by a dynamic index, llvmpipe gathers them lane by lane and divides
  // by them lane by lane: its strided input gradients ran 1.1-1.2x slower folded).
  const backwardInput = (b: Block, variant: string, folded = false) => {
    const q = folded ? "q" : "p";
    return gemmKernel({
      ...b,
      header: [
        "conv2d_backward_input: dx[n,ci,ih,iw] (+)= sum_{co,kh,kw} w[co,ci,kh,kw] dy[n,co,oh,ow]",
        "over the (oh, ow) with oh*S - P + kh = ih and ow*S - P + kw = iw. NCHW layouts.",
        "Stride phases: input pixels with the same (ih+P) mod S = rh (and rw) see the same kernel",
        ...(folded
          ? [
            "taps kh = rh + S*j, at oh = (ih+P) div S - j, so each phase is an implicit GEMM with no",
            "wasted taps: M = Ci, N = B * Hh * Ww pixels of the phase, K = Co * KHh * KWw. Grid z",
            "walks the phases (p.phases[z], kernels/conv2d/phases.ts): all in one dispatch.",
            `p.C is Co here. Grid: x = ceil(max N / ${b.TN * b.WX}), y = ceil(M / ${
              b.TM * b.WY
            }), z = phases.`,
          ]
          : [
            "taps kh = rh + S*j, at oh = (ih+P) div S - j, so one dispatch per phase runs an implicit",
            "GEMM with no wasted taps: M = Ci, N = B * Hh * Ww pixels of the phase, K = Co * KHh * KWw.",
            `p.C is Co here. Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${
              b.TM * b.WY
            }); S*S dispatches.`,
          ]),
        variant,
      ],
      params: [
        ...conv2dFields.slice(0, 13),
        ...(folded
          ? ["@align(16) phases: array<Phase, 16>"]
          : ["rh", "rw", "ih0", "iw0", "Hh", "Ww", "KWw"].map((f) => `${f}: u32`)),
      ],
      bindings: [
        "var<storage, read> dy: array<f32>",
        "var<storage, read> w: array<f32>",
        "var<storage, read_write> dx: array<f32>",
      ],
      helpers: `${folded ? PHASE_2D : ""}fn ldy(base: u32, oh: i32, ow: i32) -> f32 {
  let ok = u32(oh) < p.OH && u32(ow) < p.OW;
  return select(0.0, dy[select(0u, base + u32(oh) * p.OW + u32(ow), ok)], ok);
}

${put("dx")}`,
      ...(folded ? { entry: "let q = p.phases[wid.z];", N: "q.N", K: "q.K" } : {}),
      prologue: "let ohw = p.OH * p.OW; let hw = p.H * p.W; let khw = p.KH * p.KW; " +
        `let phw = ${q}.Hh * ${q}.Ww; let taps = (${q}.K / p.C); let khh = taps / ${q}.KWw;`,
      setupRow: (r) => `let wr${r} = m${r} * khw;`,
      setupCol: (s) =>
        `let pp${s} = n${s} % phw; let ih${s} = ${q}.ih0 + p.stride * (pp${s} / ${q}.Ww); ` +
        `let iw${s} = ${q}.iw0 + p.stride * (pp${s} % ${q}.Ww); ` +
        `let yb${s} = (n${s} / phw) * p.C * ohw; ` +
        `let xb${s} = (n${s} / phw) * p.M * hw + ih${s} * p.W + iw${s}; ` +
        `let qh${s} = i32((ih${s} + p.pad) / p.stride); let qw${s} = i32((iw${s} + p.pad) / p.stride);`,
      kCounter: {
        counters: [
          ["l", (k) => `${k} % ${q}.KWw`],
          ["j", (k) => `(${k} / ${q}.KWw) % khh`],
          ["co", (k) => `${k} / taps`],
        ],
        decode:
          `let wo = co * p.M * khw + (${q}.rh + p.stride * j) * p.KW + ${q}.rw + p.stride * l; ` +
          "let yo = co * ohw; let jj = i32(j); let ll = i32(l);",
        radices: [`${q}.KWw`, "khh"],
        unit: "1u",
      },
      loadA: (r) => `w[wo + wr${r}]`,
      loadB: (s) => `ldy(yb${s} + yo, qh${s} - jj, qw${s} - ll)`,
      store: (v, i, _j, _r, s) => `put(xb${s} + (${i}) * hw, ${v});`,
    });
  };
  out["conv2d/conv2d_backward_input.wgsl"] = backwardInput(
    CPU_CONV_BLOCK,
    `${CPU_NOTE} 32 channels per invocation, for Ci > 8.`,
  );
  out["conv2d/conv2d_backward_input_narrow.wgsl"] = backwardInput(
    { TM: 4, TN: 16, WX: 16, WY: 4 },
    `${CPU_NOTE} 4 channels per invocation, for few input channels (the stem).`,
  );
  out["conv2d/conv2d_backward_input_gpu.wgsl"] = backwardInput(GPU_BLOCK, GPU_NOTE, true);
  out["conv2d/conv2d_backward_input_tiled.wgsl"] = backwardInput(TILED_BLOCK, TILED_NOTE, true);
  out["conv2d/conv2d_backward_input_wide.wgsl"] = backwardInput(WIDE_BLOCK, WIDE_NOTE, true);

  const backwardWeight = (b: Block, variant: string) =>
    gemmKernel({
      ...b,
      header: [
        "conv2d_backward_weight: dw[co,ci,kh,kw] (+)= sum_{n,oh,ow} dy[n,co,oh,ow]",
        "x[n,ci,oh*S-P+kh,ow*S-P+kw]. NCHW layouts. As GEMM: M = Co, N = Ci*KH*KW,",
        "K = B*OH*OW (the reduction), split into chunks of p.kps along grid z; split z writes",
        "slice z of dw ([splits, Co, Ci*KH*KW]) and split_reduce sums the slices.",
        `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}), z = splits.`,
        variant,
      ],
      params: conv2dFields,
      bindings: [
        "var<storage, read> dy: array<f32>",
        "var<storage, read> x: array<f32>",
        "var<storage, read_write> dw: array<f32>",
      ],
      helpers: `${loadPadded("x")}

${put("dw")}`,
      prologue: "let ohw = p.OH * p.OW; let hw = p.H * p.W; let khw = p.KH * p.KW; " +
        "let zo = wid.z * p.M * p.N;",
      kRange: "let k0 = wid.z * p.kps; let k1 = min(k0 + p.kps, p.K);",
      setupRow: (r) => `let yr${r} = m${r} * ohw;`,
      setupCol: (s) =>
        `let kr${s} = n${s} % khw; let xc${s} = (n${s} / khw) * hw; ` +
        `let kh${s} = i32(kr${s} / p.KW); let kw${s} = i32(kr${s} % p.KW);`,
      kCounter: {
        counters: [
          ["iow", (k) => `${k} % p.OW`],
          ["ioh", (k) => `(${k} / p.OW) % p.OH`],
          ["ib", (k) => `${k} / ohw`],
        ],
        decode: "let pp = ioh * p.OW + iow; let yo = ib * p.M * ohw + pp; " +
          "let xo = ib * p.C * hw; let ih = i32(ioh * p.stride) - i32(p.pad); " +
          "let iw = i32(iow * p.stride) - i32(p.pad);",
        radices: ["p.OW", "p.OH"],
        unit: "1u",
      },
      loadA: (r) => `dy[yo + yr${r}]`,
      loadB: (s) => `ld(xo + xc${s}, ih + kh${s}, iw + kw${s})`,
      store: (v, i, j) => `put(zo + (${i}) * p.N + ${j}, ${v});`,
    });
  out["conv2d/conv2d_backward_weight.wgsl"] = backwardWeight(
    CPU_CONV_BLOCK,
    `${CPU_NOTE} 32x16 blocks.`,
  );
  out["conv2d/conv2d_backward_weight_narrow.wgsl"] = backwardWeight(
    { TM: 16, TN: 8, WX: 8, WY: 4 },
    `${CPU_NOTE} 16x8 blocks, for short rows (Ci*KH*KW < 128, e.g. a 1-channel stem).`,
  );
  out["conv2d/conv2d_backward_weight_gpu.wgsl"] = backwardWeight(GPU_BLOCK, GPU_NOTE);
  out["conv2d/conv2d_backward_weight_tiled.wgsl"] = backwardWeight(TILED_BLOCK, TILED_NOTE);
  out["conv2d/conv2d_backward_weight_wide.wgsl"] = backwardWeight(WIDE_BLOCK, WIDE_NOTE);
  // the ResNet stems' 7x7 stride-2 weight gradient, 8 output channels per invocation (4 and 16
  // measured 1.2x and 1.6x slower at the CREMA-D step's stems)
  out["conv2d/conv2d_backward_weight_window.wgsl"] = windowKernel({
    KH: 7,
    KW: 7,
    stride: 2,
    rows: 8,
  });

  const winogradGemm = (b: Block, variant: string) =>
    gemmKernel({
      ...b,
      header: [
        "winograd_gemm: m[xi, o, t] = sum_i u[xi, o, i] v[xi, i, t] for each of the Z points xi",
        "(grid z; Z = 16 for Winograd F(2x2, 3x3), 36 for F(4x4, 3x3)): the products between the",
        "weight and input transforms of a stride-1 3x3 convolution (winograd_*transform.wgsl).",
        "Layouts u [Z, M, K], v [Z, K, N], m [Z, M, N] with M = output channels, K = input",
        "channels, N = tiles.",
        `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}), z = Z.`,
        variant,
      ],
      params: ["M: u32", "N: u32", "K: u32"],
      bindings: [
        "var<storage, read> u: array<f32>",
        "var<storage, read> v: array<f32>",
        "var<storage, read_write> m: array<f32>",
      ],
      prologue: "let xi = wid.z; let vb = xi * p.K * p.N; let mb = xi * p.M * p.N;",
      setupRow: (r) => `let ur${r} = (xi * p.M + m${r}) * p.K;`,
      setupCol: (s) => `let vc${s} = vb + n${s};`,
      decodeK: "let kn = k * p.N;",
      loadA: (r) => `u[ur${r} + k]`,
      loadB: (s) => `v[vc${s} + kn]`,
      store: (v, i, j) => `m[mb + (${i}) * p.N + ${j}] = ${v};`,
    });
  out["conv2d/winograd_gemm.wgsl"] = winogradGemm(CPU_CONV_BLOCK, CPU_NOTE);
  out["conv2d/winograd_gemm_gpu.wgsl"] = winogradGemm(GPU_BLOCK, GPU_NOTE);
  out["conv2d/winograd_gemm_tiled.wgsl"] = winogradGemm(TILED_BLOCK, TILED_NOTE);
  out["conv2d/winograd_gemm_wide.wgsl"] = winogradGemm(WIDE_BLOCK, WIDE_NOTE);
  out["conv2d/winograd_gemm_vec4.wgsl"] = vec4Kernel({
    header: [
      "winograd_gemm_vec4: m[xi, o, t] = sum_i u[xi, i, o] v[xi, i, t] for each of the Z points xi",
      "(grid z): winograd_gemm.wgsl with the weight transform stored k-major, u [Z, K, M], so",
      "that both operands load as vec4 (four output channels of u, four tiles of v at a time).",
      "Layouts u [Z, K, M], v [Z, K, N], m [Z, M, N]; M and N multiples of 4 (the tiles padded).",
      `Grid: x = ceil(N / 128), y = ceil(M / 64), z = Z.`,
      CPU_NOTE,
    ],
    params: ["M: u32", "N: u32", "K: u32"],
    bindings: [
      "var<storage, read> u: array<vec4f>",
      "var<storage, read> v: array<vec4f>",
      "var<storage, read_write> m: array<vec4f>",
    ],
    prologue: "let xi = wid.z; let ub = xi * p.K * p.M / 4u; let vb = xi * p.K * p.N / 4u; " +
      "let mb = xi * p.M * p.N; let m4 = p.M / 4u; let n4 = p.N / 4u;",
    loadA4: (r0) => `u[ub + k * m4 + ${r0} / 4u]`,
    loadB4: (n0) => `v[vb + k * n4 + ${n0} / 4u]`,
    store4: (v, i, j) => `m[(mb + (${i}) * p.N + ${j}) / 4u] = ${v};`,
  });

  const winogradGemmBackward = (b: Block, variant: string) =>
    gemmKernel({
      ...b,
      header: [
        "winograd_gemm_backward: d[xi, z, o, i] = sum_t g[xi, o, t] v[xi, i, t] over the tiles t",
        "of split z: the weight gradient of the Winograd GEMM (winograd_gemm.wgsl), between the",
        "transformed output gradient (winograd_*output_transform_backward) and input transform.",
        "Layouts g [Z, M, K], v [Z, N, K], d [Z, splits, M, N] (Z = 16 or 36 points); M = output",
        "channels, N = input channels, K = tiles, split into chunks of p.kps along grid z.",
        `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}), z = Z * splits.`,
        variant,
      ],
      params: ["M: u32", "N: u32", "K: u32", "splits: u32", "kps: u32"],
      bindings: [
        "var<storage, read> g: array<f32>",
        "var<storage, read> v: array<f32>",
        "var<storage, read_write> d: array<f32>",
      ],
      prologue: "let xi = wid.z / p.splits; let zo = wid.z * p.M * p.N;",
      kRange: "let k0 = (wid.z % p.splits) * p.kps; let k1 = min(k0 + p.kps, p.K);",
      setupRow: (r) => `let gr${r} = (xi * p.M + m${r}) * p.K;`,
      setupCol: (s) => `let vc${s} = (xi * p.N + n${s}) * p.K;`,
      loadA: (r) => `g[gr${r} + k]`,
      loadB: (s) => `v[vc${s} + k]`,
      store: (v, i, j) => `d[zo + (${i}) * p.N + ${j}] = ${v};`,
    });
  out["conv2d/winograd_gemm_backward.wgsl"] = winogradGemmBackward(CPU_CONV_BLOCK, CPU_NOTE);
  out["conv2d/winograd_gemm_backward_gpu.wgsl"] = winogradGemmBackward(GPU_BLOCK, GPU_NOTE);
  out["conv2d/winograd_gemm_backward_tiled.wgsl"] = winogradGemmBackward(TILED_BLOCK, TILED_NOTE);
  out["conv2d/winograd_gemm_backward_wide.wgsl"] = winogradGemmBackward(WIDE_BLOCK, WIDE_NOTE);
  out["conv2d/pointwise_gemm_vec4.wgsl"] = vec4Kernel({
    header: [
      "pointwise_gemm_vec4: c[z, m, n] (+)= sum_k a[k, m] b[z, k, n] for every batch z (grid z): a",
      "pointwise (1x1, stride 1, no padding) convolution as one GEMM per image, the weights shared.",
      "Forward: a = the weights transposed [Ci, Co], b = x [B, Ci, P], c = y [B, Co, P]; input",
      "gradient: a = the weights as stored [Co, Ci], b = dy [B, Co, P], c = dx [B, Ci, P] (P = the",
      "positions per image). M, N (= P) multiples of 4; accumulate != 0 adds to what c holds.",
      `Grid: x = ceil(N / 128), y = ceil(M / 64), z = B.`,
      CPU_NOTE,
    ],
    params: ["M: u32", "N: u32", "K: u32", "accumulate: u32"],
    bindings: [
      "var<storage, read> a: array<vec4f>",
      "var<storage, read> b: array<vec4f>",
      "var<storage, read_write> c: array<vec4f>",
    ],
    prologue: "let bb = wid.z * p.K * p.N / 4u; let cb = wid.z * p.M * p.N; " +
      "let m4 = p.M / 4u; let n4 = p.N / 4u;",
    loadA4: (r0) => `a[k * m4 + ${r0} / 4u]`,
    loadB4: (n0) => `b[bb + k * n4 + ${n0} / 4u]`,
    store4: (v, i, j) =>
      `let o = (cb + (${i}) * p.N + ${j}) / 4u; var r = ${v}; ` +
      `if (p.accumulate != 0u) { r += c[o]; } c[o] = r;`,
  });

  const NARROW: Block = { TM: 32, TN: 8, WX: 8, WY: 2 };
  const NARROW_NOTE = `${CPU_NOTE} 64x64 tiles, for 64 or fewer input channels.`;
  out["conv2d/winograd_gemm_backward_narrow.wgsl"] = winogradGemmBackward(NARROW, NARROW_NOTE);

  const winogradGemmBackwardVec4 = (b: Block, note: string) =>
    vec4Kernel({
      header: [
        "winograd_gemm_backward_vec4: d[xi, z, o, i] = sum_t g[xi, t, o] v[xi, t, i] over the tiles",
        "t of split z: winograd_gemm_backward.wgsl with both transforms stored tile-major, so that",
        "they load as vec4 (four output channels of g, four input channels of v at a time).",
        "Layouts g [Z, K, M], v [Z, K, N], d [Z, splits, M, N]; M = output channels, N = input",
        "channels (both multiples of 4), K = tiles, split into chunks of p.kps along grid z.",
        `Grid: x = ceil(N / ${b.TN * b.WX}), y = ceil(M / ${b.TM * b.WY}), z = Z * splits.`,
        note,
      ],
      params: ["M: u32", "N: u32", "K: u32", "splits: u32", "kps: u32"],
      bindings: [
        "var<storage, read> g: array<vec4f>",
        "var<storage, read> v: array<vec4f>",
        "var<storage, read_write> d: array<vec4f>",
      ],
      prologue: "let xi = wid.z / p.splits; let zo = wid.z * p.M * p.N; " +
        "let gb = xi * p.K * p.M / 4u; let vb = xi * p.K * p.N / 4u; " +
        "let m4 = p.M / 4u; let n4 = p.N / 4u;",
      kRange: "let k0 = (wid.z % p.splits) * p.kps; let k1 = min(k0 + p.kps, p.K);",
      loadA4: (r0) => `g[gb + k * m4 + ${r0} / 4u]`,
      loadB4: (n0) => `v[vb + k * n4 + ${n0} / 4u]`,
      store4: (v, i, j) => `d[(zo + (${i}) * p.N + ${j}) / 4u] = ${v};`,
    }, b);
  out["conv2d/winograd_gemm_backward_vec4.wgsl"] = winogradGemmBackwardVec4(
    CPU_CONV_BLOCK,
    CPU_NOTE,
  );
  out["conv2d/winograd_gemm_backward_vec4_narrow.wgsl"] = winogradGemmBackwardVec4(
    NARROW,
    NARROW_NOTE,
  );

  return {
    ...out,
    ...conv3dKernels(),
    ...winogradF4Kernels(),
    ...winogradF6Kernels(),
    ...winograd3dKernels(),
  };
}

/** A generator's own "do not edit" line (with its line end), moved to line 1 of what it wrote. */
const MARKER = /^\/\/ Generated by tools\/[\w.]+ \(deno task gen\); do not edit by hand\.\n/m;

/** `code` with the generator's marker line first (gen_kernels.ts's when it has none). */
function markedFirst(code: string): string {
  const line = code.match(MARKER)?.[0] ??
    "// Generated by tools/gen_kernels.ts (deno task gen); do not edit by hand.\n";
  return line + code.replace(MARKER, "");
}

/** Where a kernel named `op/name.wgsl` is written: `op/generated/name.wgsl`. */
export function generatedPath(file: string): string {
  const at = file.lastIndexOf("/");
  return `${file.slice(0, at)}/generated/${file.slice(at + 1)}`;
}

/**
 * Every file the generators write, relative to kernels/: the kernels (marker on line 1) and,
 * per generated/ folder holding GEMM-shaped kernels, tiles.json (file -> [rows, cols]).
 */
export function generatedKernels(): Record<string, string> {
  const files: Record<string, string> = {};
  const tiles: Record<string, Record<string, [number, number]>> = {};
  for (const [file, k] of Object.entries(kernelSources())) {
    const path = generatedPath(file);
    files[path] = markedFirst(typeof k === "string" ? k : k.code);
    if (typeof k !== "string") {
      const dir = path.slice(0, path.lastIndexOf("/"));
      (tiles[dir] ??= {})[path.slice(dir.length + 1)] = [k.tile.rows, k.tile.cols];
    }
  }
  for (const [dir, t] of Object.entries(tiles)) {
    files[`${dir}/tiles.json`] = JSON.stringify(t, null, 2) + "\n";
  }
  return files;
}

if (import.meta.main) {
  const root = new URL("../kernels/", import.meta.url);
  for (const [file, code] of Object.entries(generatedKernels())) {
    await Deno.mkdir(new URL(file.slice(0, file.lastIndexOf("/")), root), { recursive: true });
    await Deno.writeTextFile(new URL(file, root), code);
    console.log(`wrote kernels/${file}`);
  }
}
