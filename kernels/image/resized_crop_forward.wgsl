// resized_crop_forward: crop a box out of each u8 RGB image, resize it to OH x OW with
// antialiased bilinear filtering (PIL's resize, and torchvision's resize with antialias=True:
// a triangle filter widened by the downscale factor, weights normalised per output pixel),
// optionally flip horizontally, scale to [0, 1] and normalise per channel:
//   out[b, c, oy, ox] = (sum_{y,x} ky(y) kx(x) img_b[top + y, left + x, c] / 255 - mean[c]) * invstd[c]
// with, along x (y alike), scale = w / OW, support = max(scale, 1), centre = (sx + 0.5) * scale,
// taps x in [max(trunc(centre - support + 0.5), 0), min(trunc(centre + support + 0.5), w)),
// kx(x) = max(0, 1 - |x - centre + 0.5| / support), and sx = flip ? OW - 1 - ox : ox.
// pixels: bytes of HWC RGB images packed 4 per u32 (little-endian), image b starting at byte
// boxes[8b]; boxes[8b..8b+8] = byteOffset, H, W, top, left, h, w, flip. out [B, C, OH, OW]
// holds the first C (1..3) channels (depth: 1; optical flow x/y packed in R/G: 2).
// One invocation per output pixel (all channels). Grid: x = ceil(OH*OW / 64), y = B.
struct Params { OH: u32, OW: u32, B: u32, C: u32, mean: vec4f, invstd: vec4f }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read> boxes: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn byteAt(i: u32) -> f32 {
  return f32((pixels[i / 4u] >> ((i % 4u) * 8u)) & 255u);
}

struct Taps { first: i32, end: i32, centre: f32, support: f32 }

fn taps(o: u32, outSize: u32, inSize: u32) -> Taps {
  let scale = f32(inSize) / f32(outSize);
  let support = max(scale, 1.0);
  let centre = (f32(o) + 0.5) * scale;
  return Taps(max(i32(centre - support + 0.5), 0), min(i32(centre + support + 0.5), i32(inSize)), centre, support);
}

fn weight(t: Taps, i: i32) -> f32 {
  return max(0.0, 1.0 - abs((f32(i) - t.centre + 0.5) / t.support));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let b = gid.y;
  let o = gid.x;
  if (b >= p.B || o >= p.OH * p.OW) { return; }
  let base = boxes[8u * b];
  let W = boxes[8u * b + 2u];
  let top = boxes[8u * b + 3u];
  let left = boxes[8u * b + 4u];
  let h = boxes[8u * b + 5u];
  let w = boxes[8u * b + 6u];
  let oy = o / p.OW;
  let ox = select(o % p.OW, p.OW - 1u - o % p.OW, boxes[8u * b + 7u] != 0u);
  let ty = taps(oy, p.OH, h);
  let tx = taps(ox, p.OW, w);
  var acc = vec3f(0.0);
  var wy = 0.0;
  for (var y = ty.first; y < ty.end; y++) {
    let ky = weight(ty, y);
    var row = vec3f(0.0);
    var wx = 0.0;
    for (var x = tx.first; x < tx.end; x++) {
      let kx = weight(tx, x);
      let at = base + (((top + u32(y)) * W + left + u32(x)) * 3u);
      row += kx * vec3f(byteAt(at), byteAt(at + 1u), byteAt(at + 2u));
      wx += kx;
    }
    acc += ky * row / wx;
    wy += ky;
  }
  let v = (acc / wy / 255.0 - p.mean.xyz) * p.invstd.xyz;
  let plane = p.OH * p.OW;
  out[(b * p.C) * plane + o] = v.x;
  if (p.C > 1u) { out[(b * p.C + 1u) * plane + o] = v.y; }
  if (p.C > 2u) { out[(b * p.C + 2u) * plane + o] = v.z; }
}
