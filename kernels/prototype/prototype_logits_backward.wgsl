// prototype_logits_backward: gradient of s[i,k] = -|f_i - c_k| with respect to the features,
//   df[i,d] (+)= sum_k ds[i,k] * (f[i,d] - c[k,d]) / s[i,k]      (0 where s[i,k] = 0)
// (c is a constant). f: [B, D], c: [K, D], s, ds: [B, K]. One invocation per (i, d).
// Grid: groups1d(B*D, 64).
struct Params { B: u32, K: u32, D: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> f: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read> s: array<f32>;
@group(0) @binding(4) var<storage, read> ds: array<f32>;
@group(0) @binding(5) var<storage, read_write> df: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.B * p.D) { return; }
  let i = t / p.D;
  let d = t % p.D;
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) {
    let sk = s[i * p.K + k];
    if (sk != 0.0) {
      acc += ds[i * p.K + k] * (f[t] - c[k * p.D + d]) / sk;
    }
  }
  df[t] = acc + select(0.0, df[t], p.accumulate != 0u);
}
