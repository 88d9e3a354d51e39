// batchnorm_backward_reduce: per channel, over x, dy [B, C, S] with the batch stats:
//   sums = [sum dy, sum dy * xhat], xhat = (x - mean) / sqrt(var + eps),
// and the parameter gradients dbeta (+)= sum dy, dgamma (+)= sum dy * xhat (flags: 1 = write
// them, 2 = accumulate). flags 4: a ReLU was fused into the forward, so dy is first masked by
// z = xhat * gamma + beta > 0 (recomputed: ReLU's backward without reading its output).
// One workgroup of LANES per channel (256, or 64 for planes under 256 values, as in
// batchnorm_stats.wgsl); grid (C).
override LANES: u32 = 256u;

struct Params { B: u32, C: u32, S: u32, flags: u32, eps: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(7) var<storage, read> gamma: array<f32>;
@group(0) @binding(8) var<storage, read> beta: array<f32>;

var<workgroup> part: array<vec2f, LANES>;

// The channel's values, read once per workgroup.
struct Channel { mean: f32, invstd: f32, gamma: f32, beta: f32, relu: bool }

// [g, g * xhat] of element i, g being dy masked by the fused ReLU when there is one.
fn term(i: u32, ch: Channel) -> vec2f {
  let xhat = (x[i] - ch.mean) * ch.invstd;
  let g = select(dy[i], 0.0, ch.relu && xhat * ch.gamma + ch.beta <= 0.0);
  return vec2f(g, g * xhat);
}

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let c = wid.x;
  let lid = lid3.x;
  let ch = Channel(
    stats[c],
    inverseSqrt(stats[p.C + c] + p.eps),
    gamma[c],
    beta[c],
    (p.flags & 4u) != 0u,
  );
  var s = vec2f(0.0);
  if (p.S >= LANES) { // large planes one by one, lanes across each (no division per element)
    for (var b = 0u; b < p.B; b++) {
      let base = (b * p.C + c) * p.S;
      for (var e = lid; e < p.S; e += LANES) { s += term(base + e, ch); }
    }
  } else { // small planes as one flat range, so that the lanes stay busy
    for (var e = lid; e < p.B * p.S; e += LANES) {
      s += term(((e / p.S) * p.C + c) * p.S + e % p.S, ch);
    }
  }
  part[lid] = s;
  workgroupBarrier();
  for (var w = LANES / 2u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let t = part[0];
    sums[c] = t.x;
    sums[p.C + c] = t.y;
    if ((p.flags & 1u) != 0u) {
      let acc = (p.flags & 2u) != 0u;
      dbeta[c] = t.x + select(0.0, dbeta[c], acc);
      dgamma[c] = t.y + select(0.0, dgamma[c], acc);
    }
  }
}
