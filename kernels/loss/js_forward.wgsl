// js_forward: BalanceBenchmark's LFM alignment between two modalities' predictions, the mean over
// the batch of 0.5 (KL(m || p) + KL(m || q)), p = softmax(z1), q = softmax(z2), m = (p + q) / 2
// (its F.kl_div(p.log(), m) is KL(m || p): the Jensen-Shannon form with the arguments reversed).
// z1, z2: [B, K] row-major, out: [1]. One workgroup of 64, rows strided, then a tree sum.
// Grid: (1).
struct Params { B: u32, K: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z1: array<f32>;
@group(0) @binding(2) var<storage, read> z2: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<f32, 64>;

// log softmax(z[row..row+K])_k, z = z1 or z2
fn logSoftmax(row: u32, k: u32, second: bool) -> f32 {
  var m = -3.4e38;
  for (var j = 0u; j < p.K; j++) { m = max(m, select(z1[row + j], z2[row + j], second)); }
  var s = 0.0;
  for (var j = 0u; j < p.K; j++) { s += exp(select(z1[row + j], z2[row + j], second) - m); }
  return select(z1[row + k], z2[row + k], second) - m - log(s);
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  var acc = 0.0;
  for (var i = lid; i < p.B; i += 64u) {
    let row = i * p.K;
    for (var k = 0u; k < p.K; k++) {
      let lp = logSoftmax(row, k, false);
      let lq = logSoftmax(row, k, true);
      let mk = 0.5 * (exp(lp) + exp(lq));
      acc += 0.5 * mk * (2.0 * log(mk) - lp - lq);
    }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = part[0] / f32(p.B); }
}
