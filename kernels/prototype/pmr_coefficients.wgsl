// pmr_coefficients: PMR's loss coefficients for one step (Fan et al., CVPR 2023), from the two
// modalities' prototype logits, kept on the GPU so the step needs no readback.
//   s_u = sum_i softmax(p_u,i)[y_i]       (u = a, v: the summed true-class prototype score)
//   rho = s_a / s_v
//   rho >= 1:  beta = 0,                      lambda = clamp(rho - 1, 0, 1)
//   else:      beta = clamp(1 / rho - 1, 0, 1), lambda = 0
//   out = [alpha beta, alpha lambda, -mu lambda, -mu beta]: the weights of the prototype losses
//   of a and v and of the entropies of a and v (entropy = 0: the last two are 0).
// pa, pv, y: [B, K] row-major. One workgroup of 64, rows strided, then a tree sum. Grid: (1).
struct Params { B: u32, K: u32, entropy: u32, alpha: f32, mu: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pa: array<f32>;
@group(0) @binding(2) var<storage, read> pv: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<vec2f, 64>;

// sum_k softmax(z[row..row+K])_k y[row + k], z = pa or pv
fn trueScore(row: u32, useV: bool) -> f32 {
  var m = -3.4e38;
  for (var k = 0u; k < p.K; k++) {
    m = max(m, select(pa[row + k], pv[row + k], useV));
  }
  var s = 0.0;
  var t = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let e = exp(select(pa[row + k], pv[row + k], useV) - m);
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
    let rho = part[0].x / part[0].y;
    var beta = 0.0;
    var lambda = 0.0;
    if (rho >= 1.0) {
      lambda = clamp(rho - 1.0, 0.0, 1.0);
    } else {
      beta = clamp(1.0 / rho - 1.0, 0.0, 1.0);
    }
    let on = select(0.0, 1.0, p.entropy != 0u);
    out[0] = p.alpha * beta;
    out[1] = p.alpha * lambda;
    out[2] = -p.mu * lambda * on;
    out[3] = -p.mu * beta * on;
  }
}
