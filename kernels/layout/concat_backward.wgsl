// concat_backward: dx[b, c, s] (+)= g[b, offset + c, s], the gradient of one part of a channel
// concatenation g [B, Ctotal, S]. Grid: groups1d(B*C*S, 256).
struct Params { L: u32, C: u32, S: u32, Ctotal: u32, offset: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L) { return; }
  let s = i % p.S;
  let c = (i / p.S) % p.C;
  let b = i / (p.S * p.C);
  dx[i] = g[(b * p.Ctotal + p.offset + c) * p.S + s] + select(0.0, dx[i], p.accumulate != 0u);
}
