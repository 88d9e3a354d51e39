/**
 * The 3-D Winograd transform kernels (kernels/conv3d/winograd3d*_*.wgsl): one-dimensional F(m, 3)
 * along each of D, H and W, applied as mode products (one axis per stage), unrolled like the
 * 2-D F(4x4, 3x3) ones (gen_winograd.ts): F(2x2x2, 3x3x3) and F(2x4x4, 3x3x3).
 */
import {
  ENTRY,
  F4_AT,
  F4_BT,
  F4_G,
  generatedBy,
  kMajorCoords,
  type Matrix,
  pairedRows,
  show,
  transpose,
  WEIGHT_BACKWARD_PRELUDE,
  WEIGHT_COORDS,
} from "./gen_winograd.ts";

const HEADER_NOTE = generatedBy("gen_winograd3d.ts");

/** F(2, 3): B^T (4x4), G (4x3), A^T (2x4). */
export const F2_BT: Matrix = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]];
export const F2_G: Matrix = [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]];
export const F2_AT: Matrix = [[1, 1, 1, 0], [0, 1, -1, -1]];

/** A one-dimensional F(m, 3): its output block m and matrices. */
interface Axis {
  m: number;
  BT: Matrix;
  G: Matrix;
  AT: Matrix;
}
const AXIS_F2: Axis = { m: 2, BT: F2_BT, G: F2_G, AT: F2_AT };
const AXIS_F4: Axis = { m: 4, BT: F4_BT, G: F4_G, AT: F4_AT };

/** A 3-D algorithm: kernel-name prefix, title, and the F(m, 3) of each axis (D, H, W). */
interface Scheme3d {
  prefix: string;
  title: string;
  axes: [Axis, Axis, Axis];
}

type Index3 = [number, number, number];
const box = ([a, b, c]: number[]): Index3[] =>
  [...Array(a * b * c).keys()].map((i) => [Math.floor(i / (b * c)), Math.floor(i / c) % b, i % c]);

/**
 * `let` lines for Ls[0], Ls[1], Ls[2] applied along axes 0, 1, 2 of a block named `x(i, j, k)`
 * (the mode products), one axis per stage, each fiber by pairedRows (the work of symmetric points
 * shared), and the result's names in row-major order.
 */
function modeProducts(
  Ls: [Matrix, Matrix, Matrix],
  x: (i: number, j: number, k: number) => string,
  tmp: string,
): { lines: string[]; out: string[] } {
  const [R, n] = [Ls.map((L) => L.length), Ls.map((L) => L[0].length)];
  const terms = (len: number, f: (r: number) => string) => [...Array(len).keys()].map(f);
  const a = (i: number, j: number, k: number) => `${tmp}a_${i}_${j}_${k}`;
  const b = (i: number, j: number, k: number) => `${tmp}b_${i}_${j}_${k}`;
  const y = (i: number, j: number, k: number) => `${tmp}y_${i}_${j}_${k}`;
  const lines = [
    ...box([1, n[1], n[2]]).flatMap(([, j, k]) =>
      pairedRows(Ls[0], terms(n[0], (r) => x(r, j, k)), (i) => a(i, j, k), `${tmp}u${j}_${k}_`)
    ),
    ...box([R[0], 1, n[2]]).flatMap(([i, , k]) =>
      pairedRows(Ls[1], terms(n[1], (r) => a(i, r, k)), (j) => b(i, j, k), `${tmp}v${i}_${k}_`)
    ),
    ...box([R[0], R[1], 1]).flatMap(([i, j]) =>
      pairedRows(Ls[2], terms(n[2], (r) => b(i, j, r)), (k) => y(i, j, k), `${tmp}w${i}_${j}_`)
    ),
  ];
  return { lines, out: box(R).map(([i, j, k]) => y(i, j, k)) };
}

const patch = (c: Scheme3d) => c.axes.map((a) => a.m + 2);
const block = (c: Scheme3d) => c.axes.map((a) => a.m);
const points = (c: Scheme3d) => patch(c).reduce((x, y) => x * y);
const showAxes = (c: Scheme3d, key: "BT" | "G" | "AT", name: string, t = false) =>
  (c.axes[0] === c.axes[1] && c.axes[1] === c.axes[2] ? [c.axes[0]] : [c.axes[0], c.axes[2]])
    .flatMap((a, i, all) =>
      show(
        `${name}${all.length > 1 ? (i === 0 ? " along D" : " along H and W") : ""}`,
        t ? transpose(a[key]) : a[key],
      )
    );
const TILE_COORDS_3D = (g: string) =>
  `  let t = ${g} % p.T;
  let tw = t % p.TW;
  let th = (t / p.TW) % p.TH;
  let td = (t / (p.TW * p.TH)) % p.TD;
  let b = t / (p.TW * p.TH * p.TD);`;
const xiOf = (c: Scheme3d, [i, j, k]: number[]) => (i * patch(c)[1] + j) * patch(c)[2] + k;

function input3d(c: Scheme3d): string {
  const [mD, mH, mW] = block(c), Z = points(c);
  const d = (i: number, j: number, k: number) => `d_${i}_${j}_${k}`;
  const loads = box(patch(c)).map(([i, j, k]) =>
    `  let ${d(i, j, k)} = ld(base, z0 + ${i}, y0 + ${j}, x0 + ${k});`
  );
  const { lines, out } = modeProducts([c.axes[0].BT, c.axes[1].BT, c.axes[2].BT], d, "s");
  return [
    `// ${c.prefix}_input_transform: V[xi, c, t] = B^T applied along each axis of the input patch`,
    `// d of output tile t (${patch(c).join("x")}, xi its row-major index): d[u, v, w] =`,
    `// x[b, c, ${mD}*td - PD + u, ${mH}*th - PH + v, ${mW}*tw - PW + w] (zero outside the clip),`,
    `// t = ((b * TD + td) * TH + th) * TW + tw. ${c.title}:`,
    ...showAxes(c, "BT", "B^T"),
    `// Layouts: x [B, C, D, H, W]; V [${Z}, C, T] with T = B * TD * TH * TW, or with kmajor = 1`,
    `// V [${Z}, T, C] (the vec4 weight-gradient GEMM's order).`,
    "// One invocation per (c, t), t fastest (c fastest with kmajor). Grid: groups1d(C * T, 64).",
    `// ${HEADER_NOTE}`,
    "struct Params {",
    "  C: u32, D: u32, H: u32, W: u32, TD: u32, TH: u32, TW: u32, T: u32,",
    "  PD: u32, PH: u32, PW: u32, kmajor: u32, total: u32,",
    "}",
    "",
    "@group(0) @binding(0) var<uniform> p: Params;",
    "@group(0) @binding(1) var<storage, read> x: array<f32>;",
    "@group(0) @binding(2) var<storage, read_write> v: array<f32>;",
    "",
    "fn ld(base: u32, z: i32, y: i32, w: i32) -> f32 {",
    "  let ok = u32(z) < p.D && u32(y) < p.H && u32(w) < p.W;",
    "  return select(0.0, x[select(0u, base + (u32(z) * p.H + u32(y)) * p.W + u32(w), ok)], ok);",
    "}",
    "",
    ENTRY,
    kMajorCoords(TILE_COORDS_3D("g"), "g", "c", "C"),
    "  let base = (b * p.C + c) * p.D * p.H * p.W;",
    `  let z0 = i32(${mD}u * td) - i32(p.PD);`,
    `  let y0 = i32(${mH}u * th) - i32(p.PH);`,
    `  let x0 = i32(${mW}u * tw) - i32(p.PW);`,
    ...loads,
    ...lines,
    "  let stride = p.C * p.T;",
    ...out.map((e, xi) => `  v[${xi}u * stride + g] = ${e};`),
    "}",
    "",
  ].join("\n");
}

function weight3d(c: Scheme3d): string {
  const Z = points(c);
  const k = (i: number, j: number, l: number) => `k_${i}_${j}_${l}`;
  const taps = box([3, 3, 3]).map(([i, j, l]) =>
    `  let ${k(i, j, l)} = tap(o, i, ${9 * i + 3 * j + l}u);`
  );
  const { lines, out } = modeProducts([c.axes[0].G, c.axes[1].G, c.axes[2].G], k, "s");
  return [
    `// ${c.prefix}_weight_transform: U[xi, o, i] = G applied along each axis of the 3x3x3 kernel g`,
    `// of output channel o and input channel i (${patch(c).join("x")} points, xi row-major).`,
    `// ${c.title}:`,
    ...showAxes(c, "G", "G"),
    "// As given (flip = 0): g = w[o, i] with w [O, I, 3, 3, 3] (the forward pass). Flipped",
    "// (flip = 1): g[u, v, w] = w[i, o, 2 - u, 2 - v, 2 - w] with w [I, O, 3, 3, 3] (the input",
    "// gradient of a stride-1 convolution: dy convolved with the flipped, transposed kernel).",
    `// Layout: U [${Z}, O, I], or with kmajor = 1 U [${Z}, I, O] (the vec4 GEMM's operand order).`,
    "// One invocation per (o, i), i fastest (o fastest with kmajor). Grid: groups1d(O * I, 64).",
    `// ${HEADER_NOTE}`,
    "struct Params { O: u32, I: u32, flip: u32, kmajor: u32, total: u32 }",
    "",
    "@group(0) @binding(0) var<uniform> p: Params;",
    "@group(0) @binding(1) var<storage, read> w: array<f32>;",
    "@group(0) @binding(2) var<storage, read_write> u: array<f32>;",
    "",
    "// tap q = 9 * depth + 3 * row + column of g",
    "fn tap(o: u32, i: u32, q: u32) -> f32 {",
    "  if (p.flip != 0u) { return w[(i * p.O + o) * 27u + 26u - q]; }",
    "  return w[(o * p.I + i) * 27u + q];",
    "}",
    "",
    ENTRY,
    WEIGHT_COORDS,
    ...taps,
    ...lines,
    "  let stride = p.O * p.I;",
    ...out.map((e, xi) => `  u[${xi}u * stride + g] = ${e};`),
    "}",
    "",
  ].join("\n");
}

function output3d(c: Scheme3d): string {
  const [mD, mH, mW] = block(c), Z = points(c);
  const m = (i: number, j: number, k: number) => `m_${i}_${j}_${k}`;
  const loads = box(patch(c)).map((ix) => `  let ${m(...ix)} = m[${xiOf(c, ix)}u * stride + g];`);
  const { lines, out } = modeProducts([c.axes[0].AT, c.axes[1].AT, c.axes[2].AT], m, "s");
  const stores = box([mD, mH, mW]).map(([i, j, k], n) => {
    const at = `base + (${i}u * p.OH + ${j}u) * p.OW + ${k}u`;
    const inside = `oz + ${i}u < p.OD && oy + ${j}u < p.OH && ox + ${k}u < p.OW`;
    return `  if (${inside}) { put(${at}, ${out[n]}); }`;
  });
  return [
    `// ${c.prefix}_output_transform: y[b, o, ${mD}*td + i, ${mH}*th + j, ${mW}*tw + k] (+)= A^T`,
    "// applied along each axis of the tile's product M (M's row-major element xi = m[xi, o, t]",
    "// from the Winograd GEMM), for output tile t = ((b * TD + td) * TH + th) * TW + tw.",
    `// ${c.title}:`,
    ...showAxes(c, "AT", "A^T"),
    "// Outputs past OD, OH or OW (the last tile of a size the block does not divide) are not",
    `// stored. Layouts: m [${Z}, O, T]; y [B, O, OD, OH, OW]. One invocation per (o, t), t`,
    "// fastest. Grid: groups1d(O * T, 64).",
    `// ${HEADER_NOTE}`,
    "struct Params {",
    "  O: u32, OD: u32, OH: u32, OW: u32, TD: u32, TH: u32, TW: u32, T: u32,",
    "  accumulate: u32, total: u32,",
    "}",
    "",
    "@group(0) @binding(0) var<uniform> p: Params;",
    "@group(0) @binding(1) var<storage, read> m: array<f32>;",
    "@group(0) @binding(2) var<storage, read_write> y: array<f32>;",
    "",
    "fn put(o: u32, v: f32) {",
    "  y[o] = v + select(0.0, y[o], p.accumulate != 0u);",
    "}",
    "",
    ENTRY,
    TILE_COORDS_3D("g"),
    "  let o = g / p.T;",
    "  let stride = p.O * p.T;",
    ...loads,
    ...lines,
    `  let oz = ${mD}u * td;`,
    `  let oy = ${mH}u * th;`,
    `  let ox = ${mW}u * tw;`,
    "  let base = (((b * p.O + o) * p.OD + oz) * p.OH + oy) * p.OW + ox;",
    ...stores,
    "}",
    "",
  ].join("\n");
}

function outputBackward3d(c: Scheme3d): string {
  const [mD, mH, mW] = block(c), Z = points(c);
  const e = (i: number, j: number, k: number) => `e_${i}_${j}_${k}`;
  const loads = box([mD, mH, mW]).flatMap(([i, j, k]) => {
    const ok = `ok_${i}_${j}_${k}`;
    const at = `base + (${i}u * p.OH + ${j}u) * p.OW + ${k}u`;
    return [
      `  let ${ok} = oz + ${i}u < p.OD && oy + ${j}u < p.OH && ox + ${k}u < p.OW;`,
      `  let ${e(i, j, k)} = select(0.0, dy[select(base, ${at}, ${ok})], ${ok});`,
    ];
  });
  const As = c.axes.map((a) => transpose(a.AT)) as [Matrix, Matrix, Matrix];
  const { lines, out } = modeProducts(As, e, "s");
  return [
    `// ${c.prefix}_output_transform_backward: the adjoint of ${c.prefix}_output_transform, for`,
    "// the weight gradient: g[xi, o, t] = A applied along each axis of dy_t (xi row-major), the",
    `// ${mD}x${mH}x${mW} block of dy at output tile t = ((b * TD + td) * TH + th) * TW + tw (zero`,
    `// past OD, OH or OW). ${c.title}:`,
    ...showAxes(c, "AT", "A^T"),
    `// Layouts: dy [B, O, OD, OH, OW]; g [${Z}, O, T] with T = B * TD * TH * TW, or with`,
    `// kmajor = 1 g [${Z}, T, O] (the vec4 weight-gradient GEMM's order). One invocation per`,
    "// (o, t), t fastest (o fastest with kmajor). Grid: groups1d(O * T, 64).",
    `// ${HEADER_NOTE}`,
    "struct Params {",
    "  O: u32, OD: u32, OH: u32, OW: u32, TD: u32, TH: u32, TW: u32, T: u32, kmajor: u32, total: u32,",
    "}",
    "",
    "@group(0) @binding(0) var<uniform> p: Params;",
    "@group(0) @binding(1) var<storage, read> dy: array<f32>;",
    "@group(0) @binding(2) var<storage, read_write> g: array<f32>;",
    "",
    ENTRY.replaceAll("let g =", "let at =").replace("if (g >=", "if (at >="),
    kMajorCoords(TILE_COORDS_3D("at"), "at", "o", "O"),
    `  let oz = ${mD}u * td;`,
    `  let oy = ${mH}u * th;`,
    `  let ox = ${mW}u * tw;`,
    "  let base = (((b * p.O + o) * p.OD + oz) * p.OH + oy) * p.OW + ox;",
    ...loads,
    ...lines,
    "  let stride = p.O * p.T;",
    ...out.map((x, xi) => `  g[${xi}u * stride + at] = ${x};`),
    "}",
    "",
  ].join("\n");
}

function weightBackward3d(c: Scheme3d): string {
  const Z = points(c);
  const D = (i: number, j: number, k: number) => `d_${i}_${j}_${k}`;
  const sums = box(patch(c)).map((ix) => `  let ${D(...ix)} = sum(${xiOf(c, ix)}u, g);`);
  const GTs = c.axes.map((a) => transpose(a.G)) as [Matrix, Matrix, Matrix];
  const { lines, out } = modeProducts(GTs, D, "s");
  return [
    `// ${c.prefix}_weight_transform_backward: the adjoint of ${c.prefix}_weight_transform, for`,
    "// the weight gradient: dw[o, i] (+)= G^T applied along each axis of D, where D[xi] =",
    "// sum_z d[xi, z, o, i] (xi row-major) sums the split-K slices of the Winograd GEMM's result.",
    `// ${c.title}:`,
    ...showAxes(c, "G", "G^T", true),
    `// Layouts: d [${Z}, splits, O, I]; dw [O, I, 3, 3, 3]. One invocation per (o, i), i fastest.`,
    "// Grid: groups1d(O * I, 64).",
    `// ${HEADER_NOTE}`,
    ...WEIGHT_BACKWARD_PRELUDE,
    ENTRY,
    ...sums,
    ...lines,
    ...out.map((e, q) => `  put(g * 27u + ${q}u, ${e});`),
    "}",
    "",
  ].join("\n");
}

const SCHEMES_3D: Scheme3d[] = [
  {
    prefix: "winograd3d",
    title: "Winograd F(2x2x2, 3x3x3) (Lavin & Gray 2016), F(2, 3) along D, H and W",
    axes: [AXIS_F2, AXIS_F2, AXIS_F2],
  },
  {
    prefix: "winograd3d_f4",
    title: "Winograd F(2x4x4, 3x3x3), F(2, 3) along D and F(4, 3) along H and W",
    axes: [AXIS_F2, AXIS_F4, AXIS_F4],
  },
];

/** The transform kernels of the 3-D algorithms, by path under kernels/. */
export function winograd3dKernels(): Record<string, string> {
  return Object.fromEntries(SCHEMES_3D.flatMap((c) => [
    [`conv3d/${c.prefix}_input_transform.wgsl`, input3d(c)],
    [`conv3d/${c.prefix}_weight_transform.wgsl`, weight3d(c)],
    [`conv3d/${c.prefix}_output_transform.wgsl`, output3d(c)],
    [`conv3d/${c.prefix}_output_transform_backward.wgsl`, outputBackward3d(c)],
    [`conv3d/${c.prefix}_weight_transform_backward.wgsl`, weightBackward3d(c)],
  ]));
}
