// maxpool3d_backward_plane: dx[plane, argmax(o)] += dy[o] for every output o of one (n, c) plane,
// one invocation per plane walking its outputs in the order of maxpool3d_backward_scatter's
// dispatches: by class (cd, ch, cw) = (od, oh, ow) mod q, q = ceil(K/S) per dimension, so that
// each input element receives its gradients in the same order, with the same sums. Outputs of one
// plane only reach that plane's inputs, so the invocations never add to the same element; one
// dispatch replaces the scatter's q_d*q_h*q_w (27 for a 3x3x3 stride-1 pool, each small: the
// software adapter pays per dispatch), and the loops need no integer division per output.
// idx holds the forward's argmax within the plane, 0xffffffff for a padded zero (dropped). dx is
// cleared first unless accumulating. Grid: groups1d(planes, 8).
struct Params { planes: u32, isz: u32, OD: u32, OH: u32, OW: u32, qd: u32, qh: u32, qw: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(8)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let plane = gid.x + gid.y * nwg.x * 8u;
  if (plane >= p.planes) { return; }
  let ob = plane * p.OD * p.OH * p.OW;
  let ib = plane * p.isz;
  for (var cd = 0u; cd < p.qd; cd++) {
    for (var ch = 0u; ch < p.qh; ch++) {
      for (var cw = 0u; cw < p.qw; cw++) {
        for (var od = cd; od < p.OD; od += p.qd) {
          for (var oh = ch; oh < p.OH; oh += p.qh) {
            let row = ob + (od * p.OH + oh) * p.OW;
            for (var ow = cw; ow < p.OW; ow += p.qw) {
              let a = idx[row + ow];
              if (a != 0xffffffffu) { dx[ib + a] += dy[row + ow]; }
            }
          }
        }
      }
    }
  }
}
