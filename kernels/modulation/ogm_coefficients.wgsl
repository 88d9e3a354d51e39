// ogm_coefficients: OGM-GE's modulation coefficients for one step (Peng et al., CVPR 2022,
// Eq. 10), from each modality's logits, kept on the GPU so the step needs no readback.
//   s_u = sum_i sum_k softmax(z_u,i)_k y[i,k]   (u = a, v: the summed true-class score)
//   rho = s_v / s_a
//   rho > 1:  k_v = 1 - tanh(alpha * rho),  k_a = 1
//   else:     k_a = 1 - tanh(alpha / rho),  k_v = 1
//   out = [k_a, k_v, rho, 0]; with p.modulate = 0 (outside the modulation window) k_a = k_v = 1.
// za, zv, y: [B, K] row-major. One workgroup of 64, rows strided, then a tree sum. Grid: (1).
struct Params { B: u32, K: u32, modulate: u32, alpha: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> za: array<f32>;
@group(0) @binding(2) var<storage, read> zv: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<vec2f, 64>;

// sum_k softmax(z[row..row+K])_k y[row + k]
fn trueScore(row: u32, useV: bool) -> f32 {
  var m = -3.4e38;
  for (var k = 0u; k < p.K; k++) {
    m = max(m, select(za[row + k], zv[row + k], useV));
  }
  var s = 0.0;
  var t = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let e = exp(select(za[row + k], zv[row + k], useV) - m);
    s += e;
    t += e * y[row + k];
  }
  return t / s;
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  var acc = vec2f(0.0);
  for (var i = lid; i < p.B; i += 64u) {
    acc += vec2f(trueScore(i * p.K, false), trueScore(i * p.K, true));
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let rho = part[0].y / part[0].x;
    var ka = 1.0;
    var kv = 1.0;
    if (p.modulate != 0u) {
      if (rho > 1.0) { kv = 1.0 - tanh(p.alpha * rho); } else { ka = 1.0 - tanh(p.alpha / rho); }
    }
    out[0] = ka;
    out[1] = kv;
    out[2] = rho;
    out[3] = 0.0;
  }
}
