// entropy_forward: the summed prediction entropy of a batch (PMR's regulariser),
//   H = sum_i H_i,  H_i = -sum_k p[i,k] log p[i,k],  p = softmax(z) by rows
// z: [B, K] row-major, out: [1]. One workgroup of 64, rows strided, then a tree sum. Grid: (1).
struct Params { B: u32, K: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

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
    // H_i = log s - sum_k p_k (z_k - m)
    var e = 0.0;
    for (var k = 0u; k < p.K; k++) { e += exp(z[row + k] - m) / s * (z[row + k] - m); }
    acc += log(s) - e;
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = part[0]; }
}
