// batchnorm_stats_partial: the first stage of the split statistics (GPUs, large planes). Slice p
// of channel c is chunk q = p % Q (`chunk` values) of plane b = p / Q of x [B, C, S]; for it,
// the count n_p, the mean m_p and the sum of squared deviations M2_p = sum (x - m_p)^2 (two
// passes over the slice, accurate in f32 where sum x^2 - n m^2 is not). partial [C, P, 3] =
// (n_p, m_p, M2_p), P = B * Q. One workgroup of LANES per slice; grid (P, C).
// batchnorm_stats_merge.wgsl combines the slices (Chan et al.'s pairwise formula).
override LANES: u32 = 256u;

struct Params { B: u32, C: u32, S: u32, Q: u32, chunk: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;

var<workgroup> part: array<f32, LANES>;

fn reduce(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var w = LANES / 2u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  let total = part[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let slice = wid.x;
  let c = wid.y;
  let lid = lid3.x;
  let b = slice / p.Q;
  let start = (slice % p.Q) * p.chunk;
  let end = min(start + p.chunk, p.S);
  let base = (b * p.C + c) * p.S;
  let n = f32(end - start);
  var s = 0.0;
  for (var e = start + lid; e < end; e += LANES) { s += x[base + e]; }
  let mean = reduce(lid, s) / n;
  var d = 0.0;
  for (var e = start + lid; e < end; e += LANES) {
    let t = x[base + e] - mean;
    d += t * t;
  }
  let m2 = reduce(lid, d);
  if (lid == 0u) {
    let o = (c * p.B * p.Q + slice) * 3u;
    partial[o] = n;
    partial[o + 1u] = mean;
    partial[o + 2u] = m2;
  }
}
