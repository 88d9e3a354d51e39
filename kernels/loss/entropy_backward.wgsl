// entropy_backward: gradient of the summed entropy H = sum_i H_i of softmax(z) rows,
//   dz[i,k] (+)= g * -p[i,k] (log p[i,k] + H_i),  g = dH[0]
// z, dz: [B, K] row-major. One invocation per row. Grid: groups1d(B, 64).
struct Params { B: u32, K: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> dh: array<f32>;
@group(0) @binding(3) var<storage, read_write> dz: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.B) { return; }
  let row = i * p.K;
  var m = z[row];
  for (var k = 1u; k < p.K; k++) { m = max(m, z[row + k]); }
  var s = 0.0;
  for (var k = 0u; k < p.K; k++) { s += exp(z[row + k] - m); }
  let ls = log(s);
  var h = 0.0;
  for (var k = 0u; k < p.K; k++) { h -= exp(z[row + k] - m) / s * (z[row + k] - m - ls); }
  for (var k = 0u; k < p.K; k++) {
    let lp = z[row + k] - m - ls;
    let g = -dh[0] * exp(lp) * (lp + h);
    dz[row + k] = g + select(0.0, dz[row + k], p.accumulate != 0u);
  }
}
