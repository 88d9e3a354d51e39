// global_avgpool_forward: y[b,c] = mean over t < T and s < S of x[((b*T + t)*C + c)*S + s].
// Audio: T = 1, S = H*W. Video: frames folded into the batch as (B*T, C, H, W), so the mean
// runs over T, H and W at once. One invocation per (b, c). Grid: groups1d(B*C, 64).
struct Params { B: u32, T: u32, C: u32, S: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * 64u;
  if (o >= p.B * p.C) { return; }
  let b = o / p.C;
  let c = o % p.C;
  var sum = 0.0;
  for (var t = 0u; t < p.T; t++) {
    let base = ((b * p.T + t) * p.C + c) * p.S;
    for (var s = 0u; s < p.S; s++) { sum += x[base + s]; }
  }
  y[o] = sum / f32(p.T * p.S);
}
