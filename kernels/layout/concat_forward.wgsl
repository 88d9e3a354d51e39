// concat_forward: out[b, offset + c, s] = x[b, c, s] for one part x [B, C, S] of a channel
// concatenation out [B, Ctotal, S]; one dispatch per part. Grid: groups1d(B*C*S, 256).
struct Params { L: u32, C: u32, S: u32, Ctotal: u32, offset: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L) { return; }
  let s = i % p.S;
  let c = (i / p.S) % p.C;
  let b = i / (p.S * p.C);
  out[(b * p.Ctotal + p.offset + c) * p.S + s] = x[i];
}
