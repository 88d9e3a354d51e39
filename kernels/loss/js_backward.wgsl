// js_backward: gradients of js_forward's L = mean_i 0.5 sum_k m_k (2 log m_k - log p_k - log q_k)
// with respect to both logits. Per row, with a_k = dL_i/dp_k = 0.5 (log m_k + 1 - 0.5 log p_k
// - m_k / p_k - 0.5 log q_k) and b_k the same with p and q swapped:
//   dz1[i,j] (+)= g / B * p_j (a_j - sum_k p_k a_k),  dz2[i,j] (+)= g / B * q_j (b_j - sum_k q_k b_k)
// z1, z2, dz1, dz2: [B, K]; g = dL[0]. One invocation per row. Grid: groups1d(B, 64).
struct Params { B: u32, K: u32, accumulate1: u32, accumulate2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z1: array<f32>;
@group(0) @binding(2) var<storage, read> z2: array<f32>;
@group(0) @binding(3) var<storage, read> dl: array<f32>;
@group(0) @binding(4) var<storage, read_write> dz1: array<f32>;
@group(0) @binding(5) var<storage, read_write> dz2: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.B) { return; }
  let row = i * p.K;
  var m1 = -3.4e38;
  var m2 = -3.4e38;
  for (var k = 0u; k < p.K; k++) { m1 = max(m1, z1[row + k]); m2 = max(m2, z2[row + k]); }
  var s1 = 0.0;
  var s2 = 0.0;
  for (var k = 0u; k < p.K; k++) { s1 += exp(z1[row + k] - m1); s2 += exp(z2[row + k] - m2); }
  let ls1 = log(s1);
  let ls2 = log(s2);
  // sum_k p_k a_k and sum_k q_k b_k
  var pa = 0.0;
  var qb = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let lp = z1[row + k] - m1 - ls1;
    let lq = z2[row + k] - m2 - ls2;
    let pk = exp(lp);
    let qk = exp(lq);
    let mk = 0.5 * (pk + qk);
    pa += pk * 0.5 * (log(mk) + 1.0 - 0.5 * lp - mk / pk - 0.5 * lq);
    qb += qk * 0.5 * (log(mk) + 1.0 - 0.5 * lq - mk / qk - 0.5 * lp);
  }
  let scale = dl[0] / f32(p.B);
  for (var k = 0u; k < p.K; k++) {
    let lp = z1[row + k] - m1 - ls1;
    let lq = z2[row + k] - m2 - ls2;
    let pk = exp(lp);
    let qk = exp(lq);
    let mk = 0.5 * (pk + qk);
    let a = 0.5 * (log(mk) + 1.0 - 0.5 * lp - mk / pk - 0.5 * lq);
    let b = 0.5 * (log(mk) + 1.0 - 0.5 * lq - mk / qk - 0.5 * lp);
    let g1 = scale * pk * (a - pa);
    let g2 = scale * qk * (b - qb);
    dz1[row + k] = g1 + select(0.0, dz1[row + k], p.accumulate1 != 0u);
    dz2[row + k] = g2 + select(0.0, dz2[row + k], p.accumulate2 != 0u);
  }
}
