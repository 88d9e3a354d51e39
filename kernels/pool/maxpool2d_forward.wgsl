// maxpool2d_forward: y[n,c,oh,ow] = max over the window x[n,c,oh*S-P+i, ow*S-P+j], i,j < K,
// padding excluded (implicit -inf). idx stores the argmax as ih*W+iw within the (n,c) plane,
// the first maximum in row-major window order (PyTorch's tie rule). NCHW layouts.
// One invocation per output. Grid: groups1d(B*C*OH*OW, 256).
struct Params { L: u32, H: u32, W: u32, OH: u32, OW: u32, K: u32, stride: u32, pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * 256u;
  if (o >= p.L) { return; }
  let plane = o / (p.OH * p.OW);
  let q = o % (p.OH * p.OW);
  let h0 = i32((q / p.OW) * p.stride) - i32(p.pad);
  let w0 = i32((q % p.OW) * p.stride) - i32(p.pad);
  let base = plane * p.H * p.W;
  var best = -3.4028235e38;
  var arg = 0u;
  var found = false;
  for (var i = 0u; i < p.K; i++) {
    let ih = h0 + i32(i);
    if (ih < 0 || ih >= i32(p.H)) { continue; }
    for (var j = 0u; j < p.K; j++) {
      let iw = w0 + i32(j);
      if (iw < 0 || iw >= i32(p.W)) { continue; }
      let at = u32(ih) * p.W + u32(iw);
      let v = x[base + at];
      if (!found || v > best) { best = v; arg = at; found = true; }
    }
  }
  y[o] = best;
  idx[o] = arg;
}
