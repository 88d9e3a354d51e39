// grad_modulate: OGM-GE's change to one encoder's gradients, in place, per parameter tensor
// (a segment [offset, offset + n) of the ParameterSet's gradient arena):
//   g <- k g                               (k = coeff[p.which], the modality's coefficient)
//   g <- g + (std(g) + 1e-8) * N(0, 1)      (with p.noise: GE; std unbiased, of the scaled g)
// The normal draws come from a counter-based hash of (p.seed, p.step, p.stream, segment,
// element), so a step's noise is the same run after run and on resume. One workgroup of 256
// per segment; each invocation keeps to its own elements (i = lid, lid + 256, ...), so only the
// reductions need barriers. Grid: (segments) or folded (x, y).
struct Params { segments: u32, which: u32, noise: u32, seed: u32, step: u32, stream: u32, gx: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> seg: array<vec2u>;
@group(0) @binding(2) var<storage, read> coeff: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;

var<workgroup> part: array<f32, 256>;

fn pcg(x: u32) -> u32 {
  let s = x * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

// A uniform in (0, 1] from the counter (seed, step, stream, segment, element, draw).
fn uniform01(s: u32, i: u32, draw: u32) -> f32 {
  let h = pcg(pcg(pcg(pcg(pcg(p.seed) ^ p.step) ^ p.stream) ^ s) ^ (2u * i + draw));
  return (f32(h >> 8u) + 1.0) / 16777216.0;
}

fn total(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  let t = part[0];
  workgroupBarrier();
  return t;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let s = wg.x + wg.y * p.gx;
  if (s >= p.segments) { return; }
  let lid = lid3.x;
  let off = seg[s].x;
  let n = seg[s].y;
  let k = coeff[p.which];
  var sum = 0.0;
  for (var i = lid; i < n; i += 256u) {
    let v = g[off + i] * k;
    g[off + i] = v;
    sum += v;
  }
  if (p.noise == 0u) { return; }
  let mean = total(lid, sum) / f32(n);
  var sq = 0.0;
  for (var i = lid; i < n; i += 256u) {
    let d = g[off + i] - mean;
    sq += d * d;
  }
  let m2 = total(lid, sq);
  let sd = select(0.0, sqrt(m2 / f32(n - 1u)), n > 1u) + 1e-8;
  for (var i = lid; i < n; i += 256u) {
    let r = sqrt(-2.0 * log(uniform01(s, i, 0u)));
    g[off + i] += sd * r * cos(6.283185307179586 * uniform01(s, i, 1u));
  }
}
