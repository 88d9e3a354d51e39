// residual_target_forward: the boosting residual target of the newest classifier,
//   q[i,k] = y[i,k] - lambda * y[i,k] * softmax(z_pre[i,:])_k,
// with softmax(z_pre) treated as a constant (detached): only the true class is reduced, by
// lambda times the confidence the earlier classifiers already have in it. z_pre, y, q [B, K].
// One invocation per row. Grid: groups1d(B, 64).
struct Params { B: u32, K: u32, lambda: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> zpre: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> q: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.B) { return; }
  let row = i * p.K;
  var m = zpre[row];
  for (var k = 1u; k < p.K; k++) { m = max(m, zpre[row + k]); }
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) { s += exp(zpre[row + k] - m); }
  for (var k = 0u; k < p.K; k++) {
    let prob = exp(zpre[row + k] - m) / s;
    q[row + k] = y[row + k] - p.lambda * y[row + k] * prob;
  }
}
