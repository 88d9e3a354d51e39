// pareto_combine: MMPareto's gradient of one encoder, per parameter tensor (a segment
// [offset, offset + n) of the arenas), written over b in place:
//   t = a + b                     (the summed losses' gradient)
//   c = 2 k0 a + 2 k1 b           (k = pareto_weights' output)
//   s = |t| / |c| when that exceeds 1, else 1   (the authors' rescaling; s = 1 when c = 0)
//   b <- gamma s c
// a: the multimodal loss's gradient, b: the unimodal loss's (the encoder's gradient arena).
// One workgroup of 256 per segment, each invocation on its own elements. Grid: (segments) or
// folded (x, y).
struct Params { segments: u32, gx: u32, gamma: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> seg: array<vec2u>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> a: array<f32>;
@group(0) @binding(4) var<storage, read_write> b: array<f32>;

var<workgroup> part: array<vec2f, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let s = wg.x + wg.y * p.gx;
  if (s >= p.segments) { return; }
  let lid = lid3.x;
  let off = seg[s].x;
  let n = seg[s].y;
  let k0 = 2.0 * k[0];
  let k1 = 2.0 * k[1];
  var acc = vec2f(0.0);
  for (var i = lid; i < n; i += 256u) {
    let x = a[off + i];
    let y = b[off + i];
    let t = x + y;
    let c = k0 * x + k1 * y;
    acc += vec2f(t * t, c * c);
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  let tn = sqrt(part[0].x);
  let cn = sqrt(part[0].y);
  var scale = p.gamma;
  if (cn > 0.0 && tn > cn) { scale = p.gamma * tn / cn; }
  for (var i = lid; i < n; i += 256u) {
    b[off + i] = scale * (k0 * a[off + i] + k1 * b[off + i]);
  }
}
