// relu_forward: y[i] = max(x[i], 0). Flat over all elements.
// Grid: groups1d(L, 256); y folds above 65535 workgroups.
struct Params { L: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L) { return; }
  y[i] = max(x[i], 0.0);
}
