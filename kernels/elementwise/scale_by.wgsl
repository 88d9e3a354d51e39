// scale_by: y[j] (+)= x[j] * w[index], a tensor times one element of a GPU-side coefficient
// vector (a weight computed on the GPU, e.g. PMR's, with no readback). Its own backward:
// dx[j] (+)= dy[j] * w[index] (w is a constant). x, y: [n]. Grid: groups1d(n, 64).
struct Params { n: u32, index: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * 64u;
  if (j >= p.n) { return; }
  y[j] = x[j] * w[p.index] + select(0.0, y[j], p.accumulate != 0u);
}
