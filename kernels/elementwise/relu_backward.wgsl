// relu_backward: dx[i] (+)= dy[i] where y[i] > 0, else 0 (PyTorch: the gradient at 0 is 0).
// Reads the forward output y. Grid: groups1d(L, 256).
struct Params { L: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L) { return; }
  let g = select(0.0, dy[i], y[i] > 0.0);
  dx[i] = g + select(0.0, dx[i], p.accumulate != 0u);
}
