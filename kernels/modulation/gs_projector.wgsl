// gs_projector: MLA's gradient-modification projector (Zhang et al., CVPR 2024), one recursive
// least-squares step in place, from the features f [B, D] the shared head just saw:
//   r = mean_i f[i, :]            (1 x D)
//   k = P r^T                     (D x 1)
//   P <- P - k k^T / (alpha + r k)
//   P <- P / |P|_F
// P: [D, D] row-major, D <= 1024 (r and k live in workgroup memory). One workgroup of 256;
// each invocation keeps to its own rows / elements between barriers. Grid: (1).
struct Params { B: u32, D: u32, alpha: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> f: array<f32>;
@group(0) @binding(2) var<storage, read_write> P: array<f32>;

var<workgroup> r: array<f32, 1024>;
var<workgroup> k: array<f32, 1024>;
var<workgroup> part: array<f32, 256>;

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
fn main(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  let D = p.D;
  for (var j = lid; j < D; j += 256u) {
    var s = 0.0;
    for (var i = 0u; i < p.B; i++) { s += f[i * D + j]; }
    r[j] = s / f32(p.B);
  }
  workgroupBarrier();
  var rk = 0.0;
  for (var i = lid; i < D; i += 256u) {
    var s = 0.0;
    for (var j = 0u; j < D; j++) { s += P[i * D + j] * r[j]; }
    k[i] = s;
    rk += r[i] * s;
  }
  let denom = p.alpha + total(lid, rk); // the barrier in total() also publishes k
  var sq = 0.0;
  for (var e = lid; e < D * D; e += 256u) {
    let v = P[e] - k[e / D] * k[e % D] / denom;
    P[e] = v;
    sq += v * v;
  }
  let norm = sqrt(total(lid, sq));
  for (var e = lid; e < D * D; e += 256u) { P[e] = P[e] / norm; }
}
