// batchnorm_stats_merge: the second stage of the split statistics. Per channel c, from the P
// slices' (n_p, m_p, M2_p) in partial [C, P, 3] (batchnorm_stats_partial.wgsl):
//   n = sum n_p,  mean = sum n_p m_p / n,  var = sum (M2_p + n_p (m_p - mean)^2) / n (biased),
// stats = [mean[C], var[C]], and with update != 0 PyTorch's running-statistics update as in
// batchnorm_stats.wgsl (unbiased variance var * n/(n-1)). One workgroup of 64 per channel.
struct Params { C: u32, P: u32, update: u32, momentum: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> running: array<f32>;

const LANES = 64u;
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

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let c = wid.x;
  let lid = lid3.x;
  var sn = 0.0;
  var sm = 0.0;
  for (var i = lid; i < p.P; i += LANES) {
    let o = (c * p.P + i) * 3u;
    sn += partial[o];
    sm += partial[o] * partial[o + 1u];
  }
  let n = reduce(lid, sn);
  let mean = reduce(lid, sm) / n;
  var m2 = 0.0;
  for (var i = lid; i < p.P; i += LANES) {
    let o = (c * p.P + i) * 3u;
    let dm = partial[o + 1u] - mean;
    m2 += partial[o + 2u] + partial[o] * dm * dm;
  }
  let variance = reduce(lid, m2) / n;
  if (lid == 0u) {
    stats[c] = mean;
    stats[p.C + c] = variance;
    if (p.update != 0u) {
      let m = p.momentum;
      running[c] = (1.0 - m) * running[c] + m * mean;
      running[p.C + c] = (1.0 - m) * running[p.C + c] + m * variance * n / (n - 1.0);
    }
  }
}
