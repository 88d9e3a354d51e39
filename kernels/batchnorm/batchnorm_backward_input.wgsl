// batchnorm_backward_input: the input gradient of training-mode batch norm over n = B*S values
// per channel, with sums = [sum dy, sum dy*xhat] from batchnorm_backward_reduce:
//   dx (+)= gamma * invstd * (dy - sum_dy / n - xhat * sum_dy_xhat / n)
// with dy masked by z = xhat * gamma + beta > 0 when relu = 1 (a ReLU fused into the forward).
// One invocation per element. Grid: groups1d(B*C*S, 256).
struct Params { L: u32, C: u32, S: u32, n: u32, accumulate: u32, relu: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> sums: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read> beta: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L) { return; }
  let c = (i / p.S) % p.C;
  let invstd = inverseSqrt(stats[p.C + c] + p.eps);
  let xhat = (x[i] - stats[c]) * invstd;
  let n = f32(p.n);
  let d = select(dy[i], 0.0, p.relu != 0u && xhat * gamma[c] + beta[c] <= 0.0);
  let g = gamma[c] * invstd * (d - sums[c] / n - xhat * sums[p.C + c] / n);
  dx[i] = g + select(0.0, dx[i], p.accumulate != 0u);
}
