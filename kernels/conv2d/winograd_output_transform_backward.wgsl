// winograd_output_transform_backward: the adjoint of winograd_output_transform, for the weight
// gradient: g[4u + v, o, t] = (A dy_t A^T)[u, v] where dy_t is the 2x2 block of dy at output tile
// t = (b * TH + th) * TW + tw, dy_t[i, j] = dy[b, o, 2*th + i, 2*tw + j] (zero past OH or OW);
// F(2x2, 3x3): A^T = [[1, 1, 1, 0], [0, 1, -1, -1]].
// Layouts: dy [B, O, OH, OW]; g [16, O, T] with T = B * TH * TW, or with kmajor = 1 g [16, T, O]
// (the vec4 weight-gradient GEMM's order). One invocation per (o, t),
// t fastest (o fastest with kmajor). Grid: groups1d(O * T, 64).
struct Params { O: u32, OH: u32, OW: u32, TH: u32, TW: u32, T: u32, kmajor: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;

// (r A^T) for a row r = (left, right) of A dy_t
fn cols(r: vec2f) -> vec4f {
  return vec4f(r.x, r.x + r.y, r.x - r.y, -r.y);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.total) { return; }
  // (o, t) with t fastest, or with kmajor (t, o) with o fastest: i is g's flat index either way
  // one division (the software adapter divides lane by lane)
  let dv_ = select(p.T, p.O, p.kmajor != 0u); let q_ = i / dv_; let r_ = i - q_ * dv_;
  let o = select(q_, r_, p.kmajor != 0u); let t = select(r_, q_, p.kmajor != 0u);
  let tw = t % p.TW;
  let th = (t / p.TW) % p.TH;
  let b = t / (p.TW * p.TH);
  let oh = 2u * th;
  let ow = 2u * tw;
  let base = ((b * p.O + o) * p.OH + oh) * p.OW + ow;
  let right = ow + 1u < p.OW;
  let down = oh + 1u < p.OH;
  let top = vec2f(dy[base], select(0.0, dy[select(base, base + 1u, right)], right));
  let lo = select(base, base + p.OW, down);
  let bottom = select(vec2f(0.0), vec2f(dy[lo], select(0.0, dy[select(lo, lo + 1u, right)], right)), down);
  let q = array<vec4f, 4>(cols(top), cols(top + bottom), cols(top - bottom), cols(-bottom));
  let stride = p.O * p.T;
  for (var r = 0u; r < 4u; r++) {
    let at = 4u * r * stride + i;
    g[at] = q[r].x;
    g[at + stride] = q[r].y;
    g[at + 2u * stride] = q[r].z;
    g[at + 3u * stride] = q[r].w;
  }
}
