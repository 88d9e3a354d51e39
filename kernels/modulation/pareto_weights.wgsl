// pareto_weights: MMPareto's weights of the multimodal (k0) and unimodal (k1) gradients of one
// encoder, from pareto_dots' partials (summed here): with aa = a.a, ab = a.b, bb = b.b,
//   ab > 0 (the gradients agree: cosine > 0):  k = (1/2, 1/2)
//   else the min-norm point of the segment [a, b] (Sener and Koltun's two-task solution):
//     ab >= aa: k0 = 0.999;  ab >= bb: k0 = 0.001;  else k0 = (bb - ab) / (aa + bb - 2 ab)
//     k1 = 1 - k0
// out = [k0, k1, ab / sqrt(aa bb) (the cosine), 0]. One workgroup of 64. Grid: (1).
struct Params { groups: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<vec3f, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  var acc = vec3f(0.0);
  for (var w = lid; w < p.groups; w += 64u) {
    acc += vec3f(partial[3u * w], partial[3u * w + 1u], partial[3u * w + 2u]);
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] += part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let aa = part[0].x;
    let ab = part[0].y;
    let bb = part[0].z;
    var k0 = 0.5;
    if (ab <= 0.0) {
      if (ab >= aa) {
        k0 = 0.999;
      } else if (ab >= bb) {
        k0 = 0.001;
      } else {
        k0 = (bb - ab) / (aa + bb - 2.0 * ab);
      }
    }
    out[0] = k0;
    out[1] = 1.0 - k0;
    out[2] = ab / sqrt(aa * bb);
    out[3] = 0.0;
  }
}
