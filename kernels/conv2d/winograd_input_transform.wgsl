// winograd_input_transform: V[xi, c, t] = (B^T d B)[i, j] with xi = 4i + j, for the 4x4 input
// patch d of output tile t: d[u, v] = x[b, c, 2*th - P + u, 2*tw - P + v] (zero outside the
// image), t = (b * TH + th) * TW + tw. Winograd F(2x2, 3x3) (Lavin & Gray 2016):
// B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
// Layouts: x [B, C, H, W]; V [16, C, T] with T = B * TH * TW (so the GEMM reads V[xi] as [C, T]),
// or with kmajor = 1 V [16, T, C] (the vec4 weight-gradient GEMM's order).
// One invocation per (c, t), t fastest (c fastest with kmajor). Grid: groups1d(C * T, 64).
struct Params { C: u32, H: u32, W: u32, TH: u32, TW: u32, T: u32, pad: u32, kmajor: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;

fn ld(base: u32, ih: i32, iw: i32) -> f32 {
  let ok = u32(ih) < p.H && u32(iw) < p.W;
  return select(0.0, x[select(0u, base + u32(ih) * p.W + u32(iw), ok)], ok);
}

fn row(base: u32, ih: i32, iw: i32) -> vec4f {
  return vec4f(ld(base, ih, iw), ld(base, ih, iw + 1), ld(base, ih, iw + 2), ld(base, ih, iw + 3));
}

// (r B)[j] for a row r of B^T d
fn cols(r: vec4f) -> vec4f {
  return vec4f(r.x - r.z, r.y + r.z, r.z - r.y, r.y - r.w);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * 64u;
  if (g >= p.total) { return; }
  // (c, t) with t fastest, or with kmajor (t, c) with c fastest: g is V's flat index either way
  // one division (the software adapter divides lane by lane)
  let dv_ = select(p.T, p.C, p.kmajor != 0u); let q_ = g / dv_; let r_ = g - q_ * dv_;
  let c = select(q_, r_, p.kmajor != 0u); let t = select(r_, q_, p.kmajor != 0u);
  let tw = t % p.TW;
  let th = (t / p.TW) % p.TH;
  let b = t / (p.TW * p.TH);
  let base = (b * p.C + c) * p.H * p.W;
  let ih = i32(2u * th) - i32(p.pad);
  let iw = i32(2u * tw) - i32(p.pad);
  let d0 = row(base, ih, iw);
  let d1 = row(base, ih + 1, iw);
  let d2 = row(base, ih + 2, iw);
  let d3 = row(base, ih + 3, iw);
  let q = array<vec4f, 4>(cols(d0 - d2), cols(d1 + d2), cols(d2 - d1), cols(d1 - d3));
  let stride = p.C * p.T;
  for (var i = 0u; i < 4u; i++) {
    let o = 4u * i * stride + g;
    v[o] = q[i].x;
    v[o + stride] = q[i].y;
    v[o + 2u * stride] = q[i].z;
    v[o + 3u * stride] = q[i].w;
  }
}
