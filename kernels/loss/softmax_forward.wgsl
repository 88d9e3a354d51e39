// softmax_forward: p[i,k] = exp(z[i,k] - max_k z[i,:]) / sum_k exp(z[i,k] - max) over rows of
// z [B, K]. One invocation per row (K is a class count, small). Grid: groups1d(B, 64).
struct Params { B: u32, K: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> prob: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.B) { return; }
  let row = i * p.K;
  var m = z[row];
  for (var k = 1u; k < p.K; k++) { m = max(m, z[row + k]); }
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) { s += exp(z[row + k] - m); }
  for (var k = 0u; k < p.K; k++) { prob[row + k] = exp(z[row + k] - m) / s; }
}
