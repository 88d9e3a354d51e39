// maxpool3d_forward: y[n,c,od,oh,ow] = max over the window x[n,c,od*sd-pd+i, oh*sh-ph+j,
// ow*sw-pw+l], i < KD, j < KH, l < KW. Outside x: skipped (PyTorch's implicit -inf padding), or
// value 0 when zeroPad = 1 (the I3D port pads with zeros before pooling). idx stores the argmax
// as (id*H + ih)*W + iw within the (n,c) volume, 0xffffffff for a padded zero; the first
// maximum in window order wins (PyTorch's tie rule). NCDHW.
// Each invocation computes a run of 4 outputs along ow: every input value of a row is loaded
// once for the 4 windows (3*sw + KW loads per row instead of 4*KW; for the Inception blocks'
// 3x3x3 stride-1 pools 6 instead of 12), each window still visited in order.
// The window, the stride and the padding mode are pipeline constants (one pipeline per pool
// shape, pool3d.ts): the loops unroll and the window tests fold (1.07-1.6x at I3D's pools).
// L = B*C*OD*OH*ceil(OW/4) runs. Grid: groups1d(L, 256).
override KD: u32;
override KH: u32;
override KW: u32;
override SD: u32;
override SH: u32;
override SW: u32;
override ZERO_PAD: bool;

struct Params { L: u32, D: u32, H: u32, W: u32, OD: u32, OH: u32, OW: u32, pd: u32, ph: u32, pw: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> idx: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = gid.x + gid.y * nwg.x * 256u;
  if (o >= p.L) { return; }
  let runs = (p.OW + 3u) / 4u;
  let ow0 = (o % runs) * 4u;
  let row = o / runs; // (plane, od, oh)
  let oh = row % p.OH;
  let od = (row / p.OH) % p.OD;
  let plane = row / (p.OH * p.OD);
  let d0 = i32(od * SD) - i32(p.pd);
  let h0 = i32(oh * SH) - i32(p.ph);
  let w0 = i32(ow0 * SW) - i32(p.pw);
  let base = plane * p.D * p.H * p.W;
  let span = 3u * SW + KW; // input columns under the 4 windows
  var best = vec4f(-3.4028235e38);
  var arg = vec4u(0xffffffffu);
  var found = vec4<bool>(false);
  for (var i = 0u; i < KD; i++) {
    let id = d0 + i32(i);
    for (var j = 0u; j < KH; j++) {
      let ih = h0 + i32(j);
      for (var l = 0u; l < span; l++) {
        let iw = w0 + i32(l);
        let inside = u32(id) < p.D && u32(ih) < p.H && u32(iw) < p.W;
        if (!inside && !ZERO_PAD) { continue; }
        let at = select(0xffffffffu, (u32(id) * p.H + u32(ih)) * p.W + u32(iw), inside);
        let v = select(0.0, x[base + select(0u, at, inside)], inside);
        if (l >= 0u * SW && l < 0u * SW + KW && (!found.x || v > best.x)) {
          best.x = v; arg.x = at; found.x = true;
        }
        if (l >= 1u * SW && l < 1u * SW + KW && (!found.y || v > best.y)) {
          best.y = v; arg.y = at; found.y = true;
        }
        if (l >= 2u * SW && l < 2u * SW + KW && (!found.z || v > best.z)) {
          best.z = v; arg.z = at; found.z = true;
        }
        if (l >= 3u * SW && l < 3u * SW + KW && (!found.w || v > best.w)) {
          best.w = v; arg.w = at; found.w = true;
        }
      }
    }
  }
  let out = (row * p.OW) + ow0;
  if (ow0 + 0u < p.OW) { y[out + 0u] = best.x; idx[out + 0u] = arg.x; }
  if (ow0 + 1u < p.OW) { y[out + 1u] = best.y; idx[out + 1u] = arg.y; }
  if (ow0 + 2u < p.OW) { y[out + 2u] = best.z; idx[out + 2u] = arg.z; }
  if (ow0 + 3u < p.OW) { y[out + 3u] = best.w; idx[out + 3u] = arg.w; }
}
