// cross_entropy_forward: soft-target cross-entropy averaged over the batch,
//   loss = (1/B) sum_i sum_k -q[i,k] log_softmax(z[i,:])_k,   z, q [B, K],
// q need not sum to 1 (the boosting residual target y - lambda y softmax(z_pre) does not).
// log_softmax via the max-shifted log-sum-exp. One workgroup of 64: each invocation takes
// rows lid, lid+64, ..., then a tree sum. Writes loss[0]. Grid: (1).
struct Params { B: u32, K: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;

var<workgroup> part: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  var acc = 0.0;
  for (var i = lid; i < p.B; i += 64u) {
    let row = i * p.K;
    var m = z[row];
    for (var k = 1u; k < p.K; k++) { m = max(m, z[row + k]); }
    var s = 0.0;
    for (var k = 0u; k < p.K; k++) { s += exp(z[row + k] - m); }
    let lse = m + log(s);
    for (var k = 0u; k < p.K; k++) { acc -= q[row + k] * (z[row + k] - lse); }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { loss[0] = part[0] / f32(p.B); }
}
