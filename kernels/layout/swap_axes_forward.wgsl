// swap_axes_forward: y[a,c,t,s] = x[a,t,c,s] for x [A, T, C, S] (row-major), e.g. video
// [B, T, C, H*W] -> [B, C, T, H*W]. The backward is the same kernel with T and C exchanged.
// One invocation per output element. Grid: groups1d(A*T*C*S, 256).
struct Params { L: u32, T: u32, C: u32, S: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * 256u;
  if (o >= p.L) { return; }
  let s = o % p.S;
  let t = (o / p.S) % p.T;
  let c = (o / (p.S * p.T)) % p.C;
  let a = o / (p.S * p.T * p.C);
  y[o] = x[((a * p.T + t) * p.C + c) * p.S + s];
}
