// prototype_logits_forward: negative Euclidean distances of features to class prototypes (PMR),
//   s[i,k] = -sqrt(sum_d (f[i,d] - c[k,d])^2)
// f: [B, D], c: [K, D], s: [B, K], row-major. One invocation per (i, k). Grid: groups1d(B*K, 64).
struct Params { B: u32, K: u32, D: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> f: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.B * p.K) { return; }
  let i = t / p.K;
  let k = t % p.K;
  var acc = 0.0;
  for (var d = 0u; d < p.D; d++) {
    let diff = f[i * p.D + d] - c[k * p.D + d];
    acc += diff * diff;
  }
  s[t] = -sqrt(acc);
}
