// maxpool2d_backward: dx[n,c,ih,iw] (+)= sum of dy[n,c,oh,ow] over the windows whose argmax
// (idx from the forward) is this pixel. A gather, one invocation per input element, so no
// atomics: the windows covering ih are oh in [ceil((ih+P-K+1)/S), floor((ih+P)/S)].
// Grid: groups1d(B*C*H*W, 256).
struct Params { L: u32, H: u32, W: u32, OH: u32, OW: u32, K: u32, stride: u32, pad: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * 256u;
  if (e >= p.L) { return; }
  let plane = e / (p.H * p.W);
  let at = e % (p.H * p.W);
  let ih = i32(at / p.W) + i32(p.pad);
  let iw = i32(at % p.W) + i32(p.pad);
  let s = i32(p.stride);
  let k = i32(p.K);
  let oh0 = max(0, (ih - k + s) / s);
  let oh1 = min(i32(p.OH) - 1, ih / s);
  let ow0 = max(0, (iw - k + s) / s);
  let ow1 = min(i32(p.OW) - 1, iw / s);
  let base = plane * p.OH * p.OW;
  var g = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    for (var ow = ow0; ow <= ow1; ow++) {
      let o = base + u32(oh) * p.OW + u32(ow);
      if (idx[o] == at) { g += dy[o]; }
    }
  }
  dx[e] = g + select(0.0, dx[e], p.accumulate != 0u);
}
