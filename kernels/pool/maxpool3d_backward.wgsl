// maxpool3d_backward: dx[n,c,id,ih,iw] (+)= sum of dy[n,c,od,oh,ow] over the windows whose
// argmax (idx from the forward) is this element. A gather, one invocation per input element, no
// atomics: along each dimension the windows covering i are o in [ceil((i+P-K+1)/S), (i+P) div S].
// Grid: groups1d(B*C*D*H*W, 256).
struct Params {
  L: u32, D: u32, H: u32, W: u32, OD: u32, OH: u32, OW: u32, KD: u32, KH: u32, KW: u32,
  sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, accumulate: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

/** The outputs [first, last] along one dimension whose windows cover padded index i. */
fn span(i: i32, k: u32, s: u32, n: u32) -> vec2i {
  return vec2i(max(0, (i - i32(k) + i32(s)) / i32(s)), min(i32(n) - 1, i / i32(s)));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * 256u;
  if (e >= p.L) { return; }
  let isz = p.D * p.H * p.W;
  let at = e % isz;
  let rd = span(i32(at / (p.H * p.W)) + i32(p.pd), p.KD, p.sd, p.OD);
  let rh = span(i32((at / p.W) % p.H) + i32(p.ph), p.KH, p.sh, p.OH);
  let rw = span(i32(at % p.W) + i32(p.pw), p.KW, p.sw, p.OW);
  let base = (e / isz) * p.OD * p.OH * p.OW;
  var g = 0.0;
  for (var od = rd.x; od <= rd.y; od++) {
    for (var oh = rh.x; oh <= rh.y; oh++) {
      for (var ow = rw.x; ow <= rw.y; ow++) {
        let o = base + (u32(od) * p.OH + u32(oh)) * p.OW + u32(ow);
        if (idx[o] == at) { g += dy[o]; }
      }
    }
  }
  dx[e] = g + select(0.0, dx[e], p.accumulate != 0u);
}
