// batchnorm_backward_reduce_partial: the first stage of the split backward sums (GPUs, large
// planes). For slice p of channel c (chunk p % Q of plane p / Q, as in
// batchnorm_stats_partial.wgsl): [sum g, sum g * xhat] over its values, xhat = (x - mean) /
// sqrt(var + eps), g = dy, or with flags & 4 (a fused ReLU) dy masked by xhat * gamma + beta > 0.
// partial [C, P, 2]; batchnorm_backward_reduce_merge.wgsl sums the slices. One workgroup of
// LANES per slice; grid (P, C).
override LANES: u32 = 256u;

struct Params { B: u32, C: u32, S: u32, Q: u32, chunk: u32, flags: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> gamma: array<f32>;
@group(0) @binding(5) var<storage, read> beta: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial: array<f32>;

var<workgroup> part: array<vec2f, LANES>;

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let slice = wid.x;
  let c = wid.y;
  let lid = lid3.x;
  let mean = stats[c];
  let invstd = inverseSqrt(stats[p.C + c] + p.eps);
  let relu = (p.flags & 4u) != 0u;
  let b = slice / p.Q;
  let start = (slice % p.Q) * p.chunk;
  let end = min(start + p.chunk, p.S);
  let base = (b * p.C + c) * p.S;
  var s = vec2f(0.0);
  for (var e = start + lid; e < end; e += LANES) {
    let xhat = (x[base + e] - mean) * invstd;
    let g = select(dy[base + e], 0.0, relu && xhat * gamma[c] + beta[c] <= 0.0);
    s += vec2f(g, g * xhat);
  }
  part[lid] = s;
  workgroupBarrier();
  for (var w = LANES / 2u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let o = (c * p.B * p.Q + slice) * 2u;
    partial[o] = part[0].x;
    partial[o + 1u] = part[0].y;
  }
}
