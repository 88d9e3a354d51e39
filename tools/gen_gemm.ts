/**
 * Generator of register-blocked GEMM-shaped WGSL kernels (matmul, conv2d as implicit GEMM).
 *
 * Every such kernel computes C[M,N] = sum_k A(m,k) B(k,n) where only the loads of A and B and
 * the final store differ. Each invocation keeps a TM x TN block of C in registers (as TM/4 x TN
 * vec4 accumulators over rows), with its TN columns interleaved WX apart so that neighbouring
 * invocations read neighbouring columns. There is no shared memory and no barrier: on the
 * software adapter (llvmpipe) barriers are expensive and large register blocks pay most (a
 * 1024^3 matmul went from 7.9 GFLOP/s at 4x4 to 24 at 16x16 and 31 at 32x16; 32x24, 48x16 and
 * 64x16 were slower again, 18-24); a long unrolled body is what gets the accumulators into
 * registers, so it is written out here instead of looped.
 * The optional split-K grid dimension (z) lets a kernel with few outputs and a long reduction
 * (the conv weight gradient) fill the machine; each split writes its own slice of C.
 *
 * `deno task gen` writes the generated .wgsl files; a test keeps them in sync with this file.
 */

/** What a GEMM-shaped kernel needs to say; the code snippets are WGSL. */
export interface GemmSpec extends Block {
  /** Header comment lines (math, layouts, grid) without the leading "// ". */
  header: string[];
  /** Fields of the Params struct, e.g. "M: u32". M, N, K must be among them. */
  params: string[];
  /** Storage bindings from binding 1 on, e.g. "var<storage, read> a: array<f32>". */
  bindings: string[];
  /** WGSL functions placed before `main`. */
  helpers?: string;
  /** Statements after the bounds check, before the per-row/column setup. */
  prologue?: string;
  /** Per row r (clamped index `m${r}`): statements run once. */
  setupRow?: (r: number) => string;
  /** Per column s (clamped index `n${s}`): statements run once. */
  setupCol?: (s: number) => string;
  /** Statements at the top of each k iteration (decode k into scalars). */
  decodeK?: string;
  /** Expression of A(m_r, k). */
  loadA: (r: number) => string;
  /** Expression of B(k, n_s). */
  loadB: (s: number) => string;
  /** Statements storing `v` (an f32 expression) at row `i`, column `j` (both in range). */
  store: (v: string, i: string, j: string, r: number, s: number) => string;
  /** The k range of this invocation; default the whole [0, K). */
  kRange?: string;
  /**
   * Statements at the very top of `main`, before the bounds check (e.g. reading this
   * workgroup's part of the problem by wid.z), and expressions of the GEMM's N and K when they
   * are not p.N and p.K (they may read what `entry` defines).
   */
  entry?: string;
  N?: string;
  K?: string;
  /**
   * k decoded into counters (instead of decodeK): `counters` gives each as an expression of k,
   * the mixed-radix digits first (fastest first, digit i counting over [0, radices[i])) and last
   * the counter that a carry out of the digits advances by `unit`; `decode` the statements that
   * read them. The register-blocked loop starts them at k0 and steps them by one each iteration
   * (`counterStep`), with no division per iteration (integer division is emulated lane by lane on
   * the software adapter; dividing k every iteration cost 3-20 % of a convolution there). The
   * tiled form steps them too (`counterStepBy`), by one between an invocation's consecutive B
   * loads and by a constant between tiles, so that it divides only where a load falls past the
   * end of k (GPUs have no integer divider either: a division is a dozen or more instructions).
   */
  kCounter?: KCounter;
}

/** k as mixed-radix counters (GemmSpec.kCounter). */
export interface KCounter {
  counters: [string, (k: string) => string][];
  radices: string[];
  unit: string;
  decode: string;
}

/** Statements decoding k = `k` (the counters computed from it, or the spec's decodeK). */
function decodeAt(spec: GemmSpec, k: string): string | undefined {
  const c = spec.kCounter;
  if (!c) return spec.decodeK;
  return [...c.counters.map(([name, at]) => `let ${name} = ${at(k)};`), c.decode].join(" ");
}

/**
 * Statements advancing mixed-radix counters by one, fastest first: digits [["a", "A"],
 * ["b", "B"]] and carry "c += 1u;" count a over [0, A), then b over [0, B), then run the carry.
 */
export function odometer(digits: [string, string][], carry: string): string {
  return digits.reduceRight(
    (inner, [name, limit]) => `${name} += 1u; if (${name} == ${limit}) { ${name} = 0u; ${inner} }`,
    carry,
  );
}

/** Statements advancing a KCounter's counters (named `<name><suffix>`) by one: an odometer. */
export function counterStep(c: KCounter, suffix = ""): string {
  const top = c.counters[c.radices.length][0];
  const digits = c.radices.map((r, i): [string, string] => [`${c.counters[i][0]}${suffix}`, r]);
  return odometer(digits, `${top}${suffix} += ${c.unit};`);
}

/**
 * Statements advancing counters named `<name><suffix>` by an amount whose own counters, the
 * KCounter's expressions evaluated at it once, are named `<name><by>`: digit by digit, with at
 * most one carry each since both summands are below the radix. Declares `cy0`.. in its scope.
 */
export function counterStepBy(c: KCounter, suffix: string, by: string): string {
  const out = c.radices.map((r, i) => {
    const v = `${c.counters[i][0]}${suffix}`;
    const carry = i ? ` + select(0u, 1u, cy${i - 1})` : "";
    return `${v} += ${c.counters[i][0]}${by}${carry}; let cy${i} = ${v} >= ${r}; ` +
      `${v} = select(${v}, ${v} - ${r}, cy${i});`;
  });
  const n = c.radices.length, top = c.counters[n][0];
  const carry = n ? ` + select(0u, ${c.unit}, cy${n - 1})` : "";
  out.push(`${top}${suffix} += ${top}${by}${carry};`);
  return out.join(" ");
}

/** The register block of a variant: TM x TN outputs per invocation, workgroup WX x WY. */
/** WGSL `ld`: x (buffer `buf`) at base + ih*W + iw, zero outside the H x W image (padding). */
export const loadPadded2d = (buf: string): string =>
  `fn ld(base: u32, ih: i32, iw: i32) -> f32 {
  let ok = u32(ih) < p.H && u32(iw) < p.W;
  return select(0.0, ${buf}[select(0u, base + u32(ih) * p.W + u32(iw), ok)], ok);
}`;

/** WGSL `put`: store into buffer `buf`, added to what is there when p.accumulate is set. */
export const putAccumulating = (buf: string): string =>
  `fn put(o: u32, v: f32) {
  ${buf}[o] = v + select(0.0, ${buf}[o], p.accumulate != 0u);
}`;

export interface Block {
  TM: number;
  TN: number;
  WX: number;
  WY: number;
  /** The shared-memory tiled form (tiledKernel: 64x64 or 128x128 per 16x16 workgroup). */
  tiled?: boolean;
}

/** Small blocks and 256-invocation workgroups: many threads, few registers (real GPUs). */
export const GPU_BLOCK: Block = { TM: 4, TN: 4, WX: 16, WY: 16 };
/** Large register blocks (the software adapter): 32 rows x 16 columns per invocation. */
export const CPU_BLOCK: Block = { TM: 32, TN: 16, WX: 8, WY: 4 };
/**
 * The same block for the convolution passes, in 64 x 128 tiles (16 invocations) so that 64
 * output channels fill a tile; 20-35 % faster than 16x16 on the ResNet18 layers.
 */
export const CPU_CONV_BLOCK: Block = { TM: 32, TN: 16, WX: 8, WY: 2 };
export const CPU_NOTE = "Variant for the software adapter: large register blocks, no barriers.";
export const GPU_NOTE =
  "Variant for real GPUs: 4x4 blocks, 256 invocations per workgroup (more parallelism, no spills).";
/** Shared-memory tiles: 64x64 outputs per 16x16 workgroup (the same grid as GPU_BLOCK). */
export const TILED_BLOCK: Block = { TM: 4, TN: 4, WX: 16, WY: 16, tiled: true };
export const TILED_NOTE =
  "Variant for real GPUs: shared-memory tiles (64x64 per workgroup, k in steps of 16), barriers.";
/** Shared-memory tiles of 128x128 outputs per 16x16 workgroup, 8x8 per invocation. */
export const WIDE_BLOCK: Block = { TM: 8, TN: 8, WX: 16, WY: 16, tiled: true };
export const WIDE_NOTE =
  "Variant for real GPUs: shared-memory tiles (128x128 per workgroup, 8x8 per invocation, k in " +
  "steps of 8), barriers.";

/** A generated GEMM-shaped kernel: its source and the tile of outputs one workgroup computes. */
export interface Generated {
  code: string;
  /** Written to generated/tiles.json, which the wrappers size their grids by. */
  tile: { rows: number; cols: number };
}

/** The header line that shows a reader the kernel's tile (the wrappers read tiles.json). */
function tileLine(rows: number, cols: number): string {
  return `// Tile: ${rows} x ${cols} outputs per workgroup.`;
}

/**
 * The lines every generated GEMM kernel starts with: its header comment, the generator note, the
 * block description, the tile line, the Params struct and the bindings.
 */
function preamble(
  spec: { header: string[]; params: string[]; bindings: string[] },
  blockLine: string,
  rows: number,
  cols: number,
): string[] {
  return [
    ...spec.header.map((h) => h ? `// ${h}` : "//"),
    "// Generated by tools/gen_gemm.ts (deno task gen); do not edit by hand.",
    blockLine,
    tileLine(rows, cols),
    "",
    `struct Params { ${spec.params.join(", ")} }`,
    "",
    "@group(0) @binding(0) var<uniform> p: Params;",
    ...spec.bindings.map((b, i) => `@group(0) @binding(${i + 1}) ${b};`),
  ];
}

/** The WGSL source of a GEMM-shaped kernel. */
export function gemmKernel(spec: GemmSpec): Generated {
  if (spec.tiled) return tiledKernel(spec);
  const { TM, TN, WX, WY } = spec;
  if (TM % 4 !== 0) throw new Error("TM must be a multiple of 4");
  const Q = TM / 4, N = spec.N ?? "p.N";
  const L: string[] = [];
  const emit = (s: string) => L.push(s);
  L.push(...preamble(
    spec,
    `// Block per invocation: ${TM} rows x ${TN} columns (columns ${WX} apart); workgroup ${WX}x${WY}.`,
    TM * WY,
    TN * WX,
  ));
  emit("");
  if (spec.helpers) {
    emit(spec.helpers);
    emit("");
  }
  emit(`@compute @workgroup_size(${WX}, ${WY})`);
  emit("fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {");
  if (spec.entry) emit(`  ${spec.entry}`);
  emit(`  let row0 = (wid.y * ${WY}u + lid.y) * ${TM}u;`);
  emit(`  let col0 = wid.x * ${WX * TN}u + lid.x;`);
  emit(`  if (row0 >= p.M || col0 >= ${N}) { return; }`);
  if (spec.prologue) emit(`  ${spec.prologue}`);
  for (let r = 0; r < TM; r++) emit(`  let m${r} = min(row0 + ${r}u, p.M - 1u);`);
  for (let s = 0; s < TN; s++) emit(`  let n${s} = min(col0 + ${s * WX}u, ${N} - 1u);`);
  if (spec.setupRow) { for (let r = 0; r < TM; r++) emit(`  ${spec.setupRow(r)}`); }
  if (spec.setupCol) { for (let s = 0; s < TN; s++) emit(`  ${spec.setupCol(s)}`); }
  for (let q = 0; q < Q; q++) {
    emit(`  ${range(TN).map((s) => `var c${q}_${s} = vec4f(0.0);`).join(" ")}`);
  }
  emit(`  ${spec.kRange ?? `let k0 = 0u; let k1 = ${spec.K ?? "p.K"};`}`);
  if (spec.kCounter) {
    emit(`  ${spec.kCounter.counters.map(([name, at]) => `var ${name} = ${at("k0")};`).join(" ")}`);
  }
  emit("  for (var k = k0; k < k1; k++) {");
  const decode = spec.kCounter?.decode ?? spec.decodeK;
  if (decode) emit(`    ${decode}`);
  for (let s = 0; s < TN; s++) emit(`    let b${s} = ${spec.loadB(s)};`);
  for (let q = 0; q < Q; q++) {
    const a = range(4).map((i) => spec.loadA(4 * q + i));
    emit(`    let a${q} = vec4f(${a.join(", ")});`);
    for (let s = 0; s < TN; s++) emit(`    c${q}_${s} = fma(a${q}, vec4f(b${s}), c${q}_${s});`);
  }
  if (spec.kCounter) emit(`    ${counterStep(spec.kCounter)}`);
  emit("  }");
  for (let q = 0; q < Q; q++) {
    for (let i = 0; i < 4; i++) {
      const r = 4 * q + i;
      emit(`  if (row0 + ${r}u < p.M) {`);
      for (let s = 0; s < TN; s++) {
        const j = `col0 + ${s * WX}u`;
        emit(`    if (${j} < ${N}) { ${spec.store(`c${q}_${s}[${i}]`, `row0 + ${r}u`, j, r, s)} }`);
      }
      emit("  }");
    }
  }
  emit("}");
  return { code: L.join("\n") + "\n", tile: { rows: TM * WY, cols: TN * WX } };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Whether `code` names any of the counters of `c` or the values its decode defines. */
function readsCounters(c: KCounter, code: string): boolean {
  const names = [
    ...c.counters.map(([n]) => n),
    ...[...c.decode.matchAll(/let (\w+) =/g)].map((m) => m[1]),
  ];
  return names.some((n) => new RegExp(`\\b${n}\\b`).test(code));
}

/**
 * The loop over k tiles of tiledKernel and its loads into workgroup memory: A's rows at
 * k = kt + t % BK, B's column at `loads` k, consecutive from kt + (t / T) * loads with a
 * KCounter (else t / T + (256 / T) i, each decoded by the spec's decodeK). With a KCounter the counters are set up once and stepped (by one between B's loads, by a constant
 * between tiles), and recomputed from k only for a load past the end of the range (the last
 * tile), so every address stays in range; otherwise each load decodes its k.
 */
function emitTileLoads(
  spec: GemmSpec,
  g: { T: number; G: number; GA: number; BK: number; loads: number; aRow: (r: number) => string },
  emit: (s: string) => void,
): void {
  const { T, G, GA, BK, loads, aRow } = g;
  const c = spec.kCounter;
  const countedA = c !== undefined && readsCounters(c, spec.loadA(0));
  const bStart = `(t / ${T}u) * ${loads}u`;
  const set = (sfx: string, k: string, kw: string) =>
    c!.counters.map(([n, at]) => `${kw}${n}${sfx} = ${at(k)};`).join(" ");
  const take = (sfx: string) =>
    [...c!.counters.map(([n]) => `let ${n} = ${n}${sfx};`), c!.decode].join(" ");
  if (c) {
    if (countedA) emit(`  ${set("_sa", `${BK}u`, "let ")} ${set("_a", "(k0 + kkA)", "var ")}`);
    emit(`  ${set("_sb", `${BK - loads + 1}u`, "let ")} ${set("_b", `(k0 + ${bStart})`, "var ")}`);
  }
  const decode = c ? undefined : decodeAt(spec, "k");
  emit(`  for (var kt = k0; kt < k1; kt += ${BK}u) {`);
  emit("    {");
  emit("      let kq = kt + kkA; let k = min(kq, k1 - 1u);");
  if (countedA) emit(`      if (kq >= k1) { ${set("_a", "k", "")} } ${take("_a")}`);
  if (decode) emit(`      ${decode}`);
  for (let r = 0; r < loads; r++) {
    const m = aRow(r);
    emit(
      `      As[kkA * ${GA}u + (${m}) / 4u][(${m}) % 4u] = select(0.0, ${spec.loadA(r)}, kq < k1);`,
    );
  }
  if (countedA) emit(`      ${counterStepBy(c!, "_a", "_sa")}`);
  emit("    }");
  for (let i = 0; i < loads; i++) {
    emit("    {");
    const kk = c ? `${bStart} + ${i}u` : `t / ${T}u + ${(256 / T) * i}u`;
    emit(`      let kk = ${kk}; let kq = kt + kk; let k = min(kq, k1 - 1u);`);
    if (c) emit(`      if (kq >= k1) { ${set("_b", "k", "")} } ${take("_b")}`);
    if (decode) emit(`      ${decode}`);
    emit(
      `      Bs[kk * ${G}u + (t % ${T}u) / 4u][t % 4u] = select(0.0, ${spec.loadB(0)}, kq < k1);`,
    );
    if (c) {
      emit(`      ${i < loads - 1 ? counterStep(c, "_b") : counterStepBy(c, "_b", "_sb")}`);
    }
    emit("    }");
  }
}

/**
 * The shared-memory tiled form of the same GemmSpec, for real GPUs: a 16x16 workgroup computes a
 * 64x64 block of C (TILED_BLOCK: each invocation 4x4, rows 4*ty.., columns 4*tx..) or a 128x128
 * one (WIDE_BLOCK: each invocation 8x8, the same 4x4 again 64 rows and/or 64 columns further), and
 * stages BK-long slices of A (64 or 128 rows) and of B (64 or 128 columns) in workgroup memory, so
 * that every loaded element is used 64 (or 128) times instead of 4, with 2 (or 4) vec4 reads of
 * workgroup memory per 16 (or 64) multiply-adds. Invocation t loads rows t/BK + (256/BK)i of A at
 * k = t%BK (the spec's per-row setup runs once per invocation) and column t%T of B at `loads`
 * values of k (one column setup; see emitTileLoads). Out-of-range k loads zero; out-of-range rows
 * and columns are clamped and not stored.
 */
export function tiledKernel(spec: GemmSpec): Generated {
  const H = spec.TM / 4; // 1: 64x64 tiles, 2: 128x128
  if (spec.TM !== spec.TN || (H !== 1 && H !== 2) || spec.WX !== 16 || spec.WY !== 16) {
    throw new Error("tiled kernels are 4x4 or 8x8 per invocation in 16x16 workgroups");
  }
  const T = 64 * H, G = T / 4, BK = H === 1 ? 16 : 8, loads = (T * BK) / 256;
  const N = spec.N ?? "p.N";
  const L: string[] = [];
  const emit = (s: string) => L.push(s);
  L.push(...preamble(
    spec,
    `// Shared-memory tiles: ${T}x${T} outputs per 16x16 workgroup, ${spec.TM}x${spec.TN} ` +
      `per invocation, k in ${BK}s.`,
    T,
    T,
  ));
  // A's rows are padded by one vec4 per k: invocations t..t+BK-1 store one row at successive k, so
  // an unpadded stride of G vec4 (256 or 512 bytes) would put them all in one memory bank.
  const GA = G + 1;
  emit(`var<workgroup> As: array<vec4f, ${BK * GA}>; // [${BK} k][${G} groups of 4 rows + 1 pad]`);
  emit(`var<workgroup> Bs: array<vec4f, ${BK * G}>; // [${BK} k][${G} groups of 4 columns]`);
  emit("");
  if (spec.helpers) {
    emit(spec.helpers);
    emit("");
  }
  emit("@compute @workgroup_size(16, 16)");
  emit(
    "fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, " +
      "@builtin(local_invocation_index) t: u32) {",
  );
  if (spec.entry) emit(`  ${spec.entry}`);
  emit(`  let rowBase = wid.y * ${T}u;`);
  emit(`  let colBase = wid.x * ${T}u;`);
  // a whole workgroup past this part's columns (N varies along z): leave before any barrier
  if (spec.N) emit(`  if (colBase >= ${N}) { return; }`);
  if (spec.prologue) emit(`  ${spec.prologue}`);
  // A-load rows (setupRow r) and the B-load column (setupCol 0)
  const aRow = (r: number) => `t / ${BK}u + ${(256 / BK) * r}u`;
  for (let r = 0; r < loads; r++) emit(`  let m${r} = min(rowBase + ${aRow(r)}, p.M - 1u);`);
  emit(`  let kkA = t % ${BK}u;`);
  emit(`  let n0 = min(colBase + t % ${T}u, ${N} - 1u);`);
  if (spec.setupRow) { for (let r = 0; r < loads; r++) emit(`  ${spec.setupRow(r)}`); }
  if (spec.setupCol) emit(`  ${spec.setupCol(0)}`);
  // output columns c (setupCol s = 4 + c): colBase + 64g + 4 lid.x + j; rows 64h + 4 lid.y + i
  // accumulate in c<h>_<c>, a vec4 over the four rows i
  const outCols = range(4 * H).map((c) => {
    const g = Math.floor(c / 4), j = c % 4;
    const at = `colBase + ${g ? `${64 * g}u + ` : ""}lid.x * 4u + ${j}u`;
    return { s: 4 + c, at, g, j, acc: (h: number) => `c${h}_${c}` };
  });
  for (const c of outCols) emit(`  let n${c.s} = min(${c.at}, ${N} - 1u);`);
  if (spec.setupCol) { for (const c of outCols) emit(`  ${spec.setupCol(c.s)}`); }
  for (let h = 0; h < H; h++) {
    emit(`  ${outCols.map((c) => `var ${c.acc(h)} = vec4f(0.0);`).join(" ")}`);
  }
  emit(`  ${spec.kRange ?? `let k0 = 0u; let k1 = ${spec.K ?? "p.K"};`}`);
  emitTileLoads(spec, { T, G, GA, BK, loads, aRow }, emit);
  emit("    workgroupBarrier();");
  emit(`    for (var kk = 0u; kk < ${BK}u; kk++) {`);
  for (let h = 0; h < H; h++) emit(`      let a${h} = As[kk * ${GA}u + ${16 * h}u + lid.y];`);
  for (let g = 0; g < H; g++) emit(`      let b${g} = Bs[kk * ${G}u + ${16 * g}u + lid.x];`);
  for (let h = 0; h < H; h++) {
    for (const c of outCols) {
      emit(`      ${c.acc(h)} = fma(a${h}, vec4f(b${c.g}[${c.j}]), ${c.acc(h)});`);
    }
  }
  emit("    }");
  emit("    workgroupBarrier();");
  emit("  }");
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < 4; i++) {
      const row = `rowBase + ${h ? `${64 * h}u + ` : ""}lid.y * 4u + ${i}u`;
      emit(`  if (${row} < p.M) {`);
      for (const c of outCols) {
        emit(
          `    if (${c.at} < ${N}) { ${
            spec.store(`${c.acc(h)}[${i}]`, row, c.at, 4 * h + i, c.s)
          } }`,
        );
      }
      emit("  }");
    }
  }
  emit("}");
  return { code: L.join("\n") + "\n", tile: { rows: T, cols: T } };
}

/** A GEMM whose operands are read four values at a time (vec4Kernel). */
export interface Vec4GemmSpec {
  header: string[];
  /** Fields of the Params struct; M, N, K among them (M and N multiples of 4). */
  params: string[];
  bindings: string[];
  /** Statements after the bounds check. */
  prologue?: string;
  /** vec4 of A(r0 + 0..3, k) for the clamped row `r0` (a multiple of 4). */
  loadA4: (r0: string) => string;
  /** vec4 of B(k, n0 + 0..3) for the clamped column `n0` (a multiple of 4). */
  loadB4: (n0: string) => string;
  /** Statements storing the vec4 `v` at row `i`, columns `j`..`j` + 3 (all in range). */
  store4: (v: string, i: string, j: string) => string;
  /** The k range of this invocation; default the whole [0, K). */
  kRange?: string;
}

/**
 * The software adapter's register-blocked GEMM (by default CPU_CONV_BLOCK: 32 x 16 per
 * invocation, 8x2 workgroups) reading both operands as vec4: A four rows at a time (A stored
 * k-major, [K, M]), B four neighbouring columns at a time, so each invocation's TN columns are
 * groups of 4, the groups 4 * WX apart; the results are stored four columns at a time too.
 * llvmpipe loads and stores storage values lane by lane, one loop per instruction, so a k step
 * costs 8 + 4 loads instead of 32 + 16 (1024x1024x256: 32 vs 25 GFLOP/s in one process; vec4
 * loads along k instead held 32 vec4 rows live and were slower than scalar loads). M and N must
 * be multiples of 4.
 */
export function vec4Kernel(spec: Vec4GemmSpec, block: Block = CPU_CONV_BLOCK): Generated {
  const { TM, TN, WX, WY } = block;
  if (TM % 4 !== 0 || TN % 4 !== 0) throw new Error("TM and TN must be multiples of 4");
  const Q = TM / 4, J = TN / 4;
  // the generator's own names: rows r<q>, columns n<j>, operands a<q> and b<j>
  const clash = (spec.prologue ?? "").match(/\blet ([rnab])(\d+)\b/g)?.find((d) => {
    const [, kind, i] = d.match(/let ([rnab])(\d+)/)!;
    return Number(i) < ("ra".includes(kind) ? Q : J);
  });
  if (clash) throw new Error(`vec4Kernel: the prologue's "${clash}" clashes with a generated name`);
  const L: string[] = [];
  const emit = (s: string) => L.push(s);
  L.push(...preamble(
    spec,
    `// Block per invocation: ${TM} rows x ${TN} columns (vec4 groups ${4 * WX} apart); ` +
      `workgroup ${WX}x${WY}.`,
    TM * WY,
    TN * WX,
  ));
  emit("");
  emit(`@compute @workgroup_size(${WX}, ${WY})`);
  emit("fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {");
  emit(`  let row0 = (wid.y * ${WY}u + lid.y) * ${TM}u;`);
  emit(`  let col0 = wid.x * ${WX * TN}u + lid.x * 4u;`);
  emit("  if (row0 >= p.M || col0 >= p.N) { return; }");
  if (spec.prologue) emit(`  ${spec.prologue}`);
  for (let q = 0; q < Q; q++) emit(`  let r${q} = min(row0 + ${4 * q}u, p.M - 4u);`);
  for (let j = 0; j < J; j++) emit(`  let n${j} = min(col0 + ${4 * WX * j}u, p.N - 4u);`);
  for (let q = 0; q < Q; q++) {
    emit(`  ${range(TN).map((s) => `var c${q}_${s} = vec4f(0.0);`).join(" ")}`);
  }
  emit(`  ${spec.kRange ?? "let k0 = 0u; let k1 = p.K;"}`);
  emit("  for (var k = k0; k < k1; k++) {");
  for (let j = 0; j < J; j++) emit(`    let b${j} = ${spec.loadB4(`n${j}`)};`);
  for (let q = 0; q < Q; q++) {
    emit(`    let a${q} = ${spec.loadA4(`r${q}`)};`);
    for (let s = 0; s < TN; s++) {
      emit(`    c${q}_${s} = fma(a${q}, vec4f(b${s >> 2}[${s & 3}]), c${q}_${s});`);
    }
  }
  emit("  }");
  for (let q = 0; q < Q; q++) {
    for (let i = 0; i < 4; i++) {
      const r = 4 * q + i;
      emit(`  if (row0 + ${r}u < p.M) {`);
      for (let g = 0; g < J; g++) {
        const j = `col0 + ${4 * WX * g}u`;
        const v = `vec4f(${range(4).map((e) => `c${q}_${4 * g + e}[${i}]`).join(", ")})`;
        emit(`    if (${j} < p.N) { ${spec.store4(v, `row0 + ${r}u`, j)} }`);
      }
      emit("  }");
    }
  }
  emit("}");
  return { code: L.join("\n") + "\n", tile: { rows: TM * WY, cols: TN * WX } };
}
