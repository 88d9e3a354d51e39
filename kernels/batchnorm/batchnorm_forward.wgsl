// batchnorm_forward: y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c] over x [B, C, S],
// plus r[i] when residual = 1 (a ResNet block's shortcut), then max(y, 0) when relu = 1 (batch
// norm, residual sum and ReLU fused: one pass instead of three).
// stats = [mean[C], var[C]]: the batch statistics in training, the running ones in eval.
// One invocation per element. Grid: groups1d(B*C*S, 256).
struct Params { L: u32, C: u32, S: u32, relu: u32, residual: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read> r: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L) { return; }
  let c = (i / p.S) % p.C;
  let invstd = inverseSqrt(stats[p.C + c] + p.eps);
  var z = (x[i] - stats[c]) * invstd * gamma[c] + beta[c];
  if (p.residual != 0u) { z += r[i]; }
  y[i] = select(z, max(z, 0.0), p.relu != 0u);
}
