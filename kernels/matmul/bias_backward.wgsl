// bias_backward: db[j] (+)= sum_i dy[i, j] for dy row-major [M, N]: the gradient of a bias
// broadcast over rows. One invocation per column; consecutive invocations read consecutive
// addresses. Grid: ceil(N/64) workgroups of 64.
struct Params { M: u32, N: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let j = gid.x;
  if (j >= p.N) { return; }
  var s = 0.0;
  for (var i = 0u; i < p.M; i++) { s += dy[i * p.N + j]; }
  if (p.accumulate != 0u) { s += db[j]; }
  db[j] = s;
}
