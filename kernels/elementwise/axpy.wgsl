// axpy: y[j] += a * x[j] (moving parameters along a direction, e.g. LFM's finite-difference
// Hessian-vector product). x, y: [n]. Grid: groups1d(n, 256).
struct Params { n: u32, a: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * 256u;
  if (j >= p.n) { return; }
  y[j] += p.a * x[j];
}
