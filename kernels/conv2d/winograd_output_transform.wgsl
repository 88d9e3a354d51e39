// winograd_output_transform: y[b, o, 2*th + i, 2*tw + j] (+)= (A^T M A)[i, j] for output tile
// t = (b * TH + th) * TW + tw, where M[u, v] = m[4u + v, o, t] is the tile's 4x4 product from the
// Winograd GEMM; F(2x2, 3x3): A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]. Outputs past OH or OW (the
// last tile of an odd size) are not stored.
// Layouts: m [16, O, T]; y [B, O, OH, OW]. One invocation per (o, t), t fastest.
// Grid: groups1d(O * T, 64).
struct Params { O: u32, OH: u32, OW: u32, TH: u32, TW: u32, T: u32, accumulate: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn row(o: u32, stride: u32) -> vec4f {
  return vec4f(m[o], m[o + stride], m[o + 2u * stride], m[o + 3u * stride]);
}

fn put(o: u32, v: f32) {
  y[o] = v + select(0.0, y[o], p.accumulate != 0u);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * 64u;
  if (g >= p.total) { return; }
  let t = g % p.T;
  let o = g / p.T;
  let tw = t % p.TW;
  let th = (t / p.TW) % p.TH;
  let b = t / (p.TW * p.TH);
  let stride = p.O * p.T;
  let m0 = row(g, stride);
  let m1 = row(g + 4u * stride, stride);
  let m2 = row(g + 8u * stride, stride);
  let m3 = row(g + 12u * stride, stride);
  let s0 = m0 + m1 + m2;
  let s1 = m1 - m2 - m3;
  let oh = 2u * th;
  let ow = 2u * tw;
  let base = ((b * p.O + o) * p.OH + oh) * p.OW + ow;
  let right = ow + 1u < p.OW;
  put(base, s0.x + s0.y + s0.z);
  if (right) { put(base + 1u, s0.y - s0.z - s0.w); }
  if (oh + 1u < p.OH) {
    put(base + p.OW, s1.x + s1.y + s1.z);
    if (right) { put(base + p.OW + 1u, s1.y - s1.z - s1.w); }
  }
}
