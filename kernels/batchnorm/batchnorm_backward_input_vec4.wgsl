// batchnorm_backward_input_vec4: batchnorm_backward_input four elements per invocation (x, dy,
// dx as vec4; used when B*C*S is a multiple of 4 and S >= 4), sums = [sum dy, sum dy*xhat]:
//   dx (+)= gamma * invstd * (dy - sum_dy / n - xhat * sum_dy_xhat / n)
// with dy masked by z = xhat * gamma + beta > 0 when relu = 1. A vec4 starts in plane b*C + c
// and ends in it or in the next (channel d = (c + 1) mod C); each element selects its own
// channel's values, so every element is computed exactly as in batchnorm_backward_input (a
// select, not a branch: the software adapter runs both sides of a divergent branch).
// Grid: groups1d(B*C*S / 4, 256).
// C and S are pipeline constants, as in batchnorm_forward_vec4.wgsl (1.1-1.15x here).
override C: u32;
override S: u32;

struct Params { L: u32, n: u32, accumulate: u32, relu: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> dy: array<vec4f>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> sums: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<vec4f>;
@group(0) @binding(7) var<storage, read> beta: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L / 4u) { return; }
  let e = 4u * i;
  let plane = e / S;
  let c = plane % C;
  let d = select(c + 1u, 0u, c + 1u == C);
  // Which of the four elements lie in the next plane (channel d).
  let next = vec4u(e - plane * S) + vec4u(0u, 1u, 2u, 3u) >= vec4u(S);
  let invstd = inverseSqrt(select(vec4f(stats[C + c]), vec4f(stats[C + d]), next) + p.eps);
  let xhat = (x[i] - select(vec4f(stats[c]), vec4f(stats[d]), next)) * invstd;
  let gam = select(vec4f(gamma[c]), vec4f(gamma[d]), next);
  let n = f32(p.n);
  let relu = vec4<bool>(p.relu != 0u);
  let masked = relu & (xhat * gam + select(vec4f(beta[c]), vec4f(beta[d]), next) <= vec4f(0.0));
  let g = select(dy[i], vec4f(0.0), masked);
  var r = gam * invstd * (g - select(vec4f(sums[c]), vec4f(sums[d]), next) / n -
    xhat * select(vec4f(sums[C + c]), vec4f(sums[C + d]), next) / n);
  if (p.accumulate != 0u) { r += dx[i]; }
  dx[i] = r;
}
