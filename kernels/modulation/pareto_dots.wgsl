// pareto_dots: partial dot products of two gradient arenas a (the multimodal loss's) and b (the
// unimodal loss's) of one encoder: workgroup w writes
//   out[3w..3w+2] = (sum a.a, sum a.b, sum b.b) over its elements (i = w*256*ITEMS + ... strided)
// for pareto_weights to sum. n: the arena's length. Grid: (groups) or folded (x, y); 256 lanes.
struct Params { n: u32, groups: u32, gx: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<vec3f, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let w = wg.x + wg.y * p.gx;
  if (w >= p.groups) { return; }
  let lid = lid3.x;
  var acc = vec3f(0.0);
  for (var i = w * 256u + lid; i < p.n; i += p.groups * 256u) {
    let x = a[i];
    let y = b[i];
    acc += vec3f(x * x, x * y, y * y);
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] += part[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[3u * w] = part[0].x;
    out[3u * w + 1u] = part[0].y;
    out[3u * w + 2u] = part[0].z;
  }
}
