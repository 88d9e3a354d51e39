// maxpool3d_forward: y[n,c,od,oh,ow] = max over the window x[n,c,od*sd-pd+i, oh*sh-ph+j,
// ow*sw-pw+l], i < KD, j < KH, l < KW. Outside x: skipped (PyTorch's implicit -inf padding), or
// value 0 when zeroPad = 1 (the I3D port pads with zeros before pooling). idx stores the argmax
// as (id*H + ih)*W + iw within the (n,c) volume, 0xffffffff for a padded zero; the first
// maximum in window order wins (PyTorch's tie rule). NCDHW. Grid: groups1d(B*C*OD*OH*OW, 256).
struct Params {
  L: u32, D: u32, H: u32, W: u32, OD: u32, OH: u32, OW: u32, KD: u32, KH: u32, KW: u32,
  sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, zeroPad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<u32>;

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
  var best = -3.4028235e38;
  var arg = 0xffffffffu;
  var found = false;
  for (var i = 0u; i < p.KD; i++) {
    let id = d0 + i32(i);
    for (var j = 0u; j < p.KH; j++) {
      let ih = h0 + i32(j);
      for (var l = 0u; l < p.KW; l++) {
        let iw = w0 + i32(l);
        let inside = u32(id) < p.D && u32(ih) < p.H && u32(iw) < p.W;
        if (!inside && p.zeroPad == 0u) { continue; }
        let at = select(0xffffffffu, (u32(id) * p.H + u32(ih)) * p.W + u32(iw), inside);
        let v = select(0.0, x[base + select(0u, at, inside)], inside);
        if (!found || v > best) { best = v; arg = at; found = true; }
      }
    }
  }
  y[o] = best;
  idx[o] = arg;
}
