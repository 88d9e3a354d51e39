// global_avgpool_backward: dx[((b*T + t)*C + c)*S + s] (+)= dy[b,c] / (T*S).
// One invocation per input element. Grid: groups1d(B*T*C*S, 256).
struct Params { B: u32, T: u32, C: u32, S: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * 256u;
  if (e >= p.B * p.T * p.C * p.S) { return; }
  let c = (e / p.S) % p.C;
  let b = e / (p.S * p.C * p.T);
  let g = dy[b * p.C + c] / f32(p.T * p.S);
  dx[e] = g + select(0.0, dx[e], p.accumulate != 0u);
}
