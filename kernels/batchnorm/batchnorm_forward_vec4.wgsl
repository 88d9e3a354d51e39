// batchnorm_forward_vec4: batchnorm_forward four elements per invocation (x and y as vec4; used
// when B*C*S is a multiple of 4 and S >= 4). y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c]
// + beta[c] over x [B, C, S], plus r when residual = 1, then max(y, 0) when relu = 1.
// stats = [mean[C], var[C]].
// A vec4 starts in plane b*C + c; with S >= 4 it ends in that plane or the next, whose channel
// is d = (c + 1) mod C: each element takes the parameters of its own channel by a select, so
// every element is computed exactly as in batchnorm_forward.
// Why: the software adapter loads storage lane by lane, so one vec4 load costs about as much
// as one f32 load; and it runs both sides of a branch whenever the lanes may differ, so the
// straddling case is a select, not a branch (a branch there ran its element-wise side always:
// 1.34x slower).
// Grid: groups1d(B*C*S / 4, 256).
// C and S are pipeline constants (one pipeline per shape, batchnorm.ts): the divisions by them
// become multiplications (1.2-1.4x faster than dividing by uniforms lane by lane).
override C: u32;
override S: u32;

struct Params { L: u32, relu: u32, residual: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<vec4f>;
@group(0) @binding(6) var<storage, read> r: array<vec4f>;

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
  let mean = select(vec4f(stats[c]), vec4f(stats[d]), next);
  let invstd = inverseSqrt(select(vec4f(stats[C + c]), vec4f(stats[C + d]), next) + p.eps);
  var z = (x[i] - mean) * invstd * select(vec4f(gamma[c]), vec4f(gamma[d]), next) +
    select(vec4f(beta[c]), vec4f(beta[d]), next);
  if (p.residual != 0u) { z += r[i]; }
  y[i] = select(z, max(z, vec4f(0.0)), p.relu != 0u);
}
