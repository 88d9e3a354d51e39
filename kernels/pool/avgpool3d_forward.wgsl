// avgpool3d_forward: y[n,c,od,oh,ow] = (1 / (KD*KH*KW)) * sum over the window
// x[n,c,od*sd-pd+i, oh*sh-ph+j, ow*sw-pw+l] (zero outside x: PyTorch's count_include_pad).
// NCDHW. One invocation per output. Grid: groups1d(B*C*OD*OH*OW, 256).
struct Params {
  L: u32, D: u32, H: u32, W: u32, OD: u32, OH: u32, OW: u32, KD: u32, KH: u32, KW: u32,
  sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * 256u;
  if (o >= p.L) { return; }
  let osz = p.OD * p.OH * p.OW;
  let q = o % osz;
  let d0 = i32((q / (p.OH * p.OW)) * p.sd) - i32(p.pd);
  let h0 = i32(((q / p.OW) % p.OH) * p.sh) - i32(p.ph);
  let w0 = i32((q % p.OW) * p.sw) - i32(p.pw);
  let base = (o / osz) * p.D * p.H * p.W;
  var sum = 0.0;
  for (var i = 0u; i < p.KD; i++) {
    let id = d0 + i32(i);
    if (u32(id) >= p.D) { continue; }
    for (var j = 0u; j < p.KH; j++) {
      let ih = h0 + i32(j);
      if (u32(ih) >= p.H) { continue; }
      for (var l = 0u; l < p.KW; l++) {
        let iw = w0 + i32(l);
        if (u32(iw) >= p.W) { continue; }
        sum += x[base + (u32(id) * p.H + u32(ih)) * p.W + u32(iw)];
      }
    }
  }
  y[o] = sum / f32(p.KD * p.KH * p.KW);
}
