// cross_entropy_backward: gradient of the batch-mean soft-target cross-entropy,
//   dz[i,k] (+)= g * (softmax(z_i)_k * sum_k' q[i,k'] - q[i,k]) / B,
// g = dloss[0] the upstream gradient (1 for a loss). One invocation per row.
// Grid: groups1d(B, 64).
struct Params { B: u32, K: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> dloss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dz: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.B) { return; }
  let row = i * p.K;
  var m = z[row];
  for (var k = 1u; k < p.K; k++) { m = max(m, z[row + k]); }
  var s = 0.0;
  var qs = 0.0;
  for (var k = 0u; k < p.K; k++) {
    s += exp(z[row + k] - m);
    qs += q[row + k];
  }
  let scale = dloss[0] / f32(p.B);
  for (var k = 0u; k < p.K; k++) {
    let g = scale * (exp(z[row + k] - m) / s * qs - q[row + k]);
    dz[row + k] = g + select(0.0, dz[row + k], p.accumulate != 0u);
  }
}
