// batchnorm_backward_reduce_merge: the second stage of the split backward sums. Per channel c,
// the P slices of partial [C, P, 2] (batchnorm_backward_reduce_partial.wgsl) summed:
//   sums = [sum dy, sum dy * xhat], and the parameter gradients dbeta (+)= sum dy, dgamma (+)=
// sum dy * xhat (flags: 1 = write them, 2 = accumulate), as batchnorm_backward_reduce.wgsl
// writes them. One workgroup of 64 per channel; grid (C).
struct Params { C: u32, P: u32, flags: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> sums: array<f32>;
@group(0) @binding(3) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(4) var<storage, read_write> dbeta: array<f32>;

const LANES = 64u;
var<workgroup> part: array<vec2f, LANES>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let c = wid.x;
  let lid = lid3.x;
  var s = vec2f(0.0);
  for (var i = lid; i < p.P; i += LANES) {
    let o = (c * p.P + i) * 2u;
    s += vec2f(partial[o], partial[o + 1u]);
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
