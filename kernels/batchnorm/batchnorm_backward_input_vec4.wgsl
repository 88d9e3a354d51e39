// batchnorm_backward_input_vec4: batchnorm_backward_input four elements per invocation (x, dy,
// dx as vec4; used when B*C*S is a multiple of 4), sums = [sum dy, sum dy*xhat]:
//   dx (+)= gamma * invstd * (dy - sum_dy / n - xhat * sum_dy_xhat / n)
// with dy masked by z = xhat * gamma + beta > 0 when relu = 1. A vec4 within one channel (the
// usual case) reads the channel's values once; one straddling two channels goes element-wise.
// Grid: groups1d(B*C*S / 4, 256).
struct Params { L: u32, C: u32, S: u32, n: u32, accumulate: u32, relu: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> dy: array<vec4f>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> sums: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<vec4f>;
@group(0) @binding(7) var<storage, read> beta: array<f32>;

fn channel(e: u32) -> u32 {
  return (e / p.S) % p.C;
}

// The input gradient of values v (inputs) and d (output gradients) of channel c.
fn grad(v: vec4f, d: vec4f, c: u32) -> vec4f {
  let invstd = inverseSqrt(stats[p.C + c] + p.eps);
  let xhat = (v - stats[c]) * invstd;
  let n = f32(p.n);
  let g = select(d, vec4f(0.0), vec4<bool>(p.relu != 0u) & (xhat * gamma[c] + beta[c] <= vec4f(0.0)));
  return gamma[c] * invstd * (g - sums[c] / n - xhat * sums[p.C + c] / n);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L / 4u) { return; }
  let e = 4u * i;
  let plane = e / p.S;
  let c = plane % p.C;
  let v = x[i];
  let d = dy[i];
  var g: vec4f;
  if (e - plane * p.S + 3u < p.S) { // all four in channel c
    g = grad(v, d, c);
  } else {
    g = vec4f(
      grad(v, d, c).x,
      grad(v, d, channel(e + 1u)).y,
      grad(v, d, channel(e + 2u)).z,
      grad(v, d, channel(e + 3u)).w,
    );
  }
  if (p.accumulate != 0u) { g += dx[i]; }
  dx[i] = g;
}
