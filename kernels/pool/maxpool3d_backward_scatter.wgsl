// maxpool3d_backward_scatter: dx[n,c,argmax(o)] += dy[o] for the outputs o of one class. Outputs
// whose indices agree modulo q = ceil(K/S) in every dimension (the class (cd, ch, cw)) have
// disjoint windows, so within one dispatch no two invocations add to the same element and no
// atomics are needed; ceil(KD/SD)*ceil(KH/SH)*ceil(KW/SW) dispatches cover every output. dx is
// cleared first unless accumulating. idx holds the forward's argmax within the (n,c) volume,
// 0xffffffff for a padded zero (its gradient is dropped). Work: one pass over the outputs,
// instead of a gather that checks every window covering each input.
// One invocation per output of the class. Grid: groups1d(planes * nd * nh * nw, 256).
struct Params {
  L: u32, isz: u32, OD: u32, OH: u32, OW: u32, cd: u32, ch: u32, cw: u32,
  qd: u32, qh: u32, qw: u32, nd: u32, nh: u32, nw: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let e = gid.x + gid.y * nwg.x * 256u;
  if (e >= p.L) { return; }
  let per = p.nd * p.nh * p.nw;
  let plane = e / per;
  let r = e % per;
  let od = p.cd + p.qd * (r / (p.nh * p.nw));
  let oh = p.ch + p.qh * ((r / p.nw) % p.nh);
  let ow = p.cw + p.qw * (r % p.nw);
  let o = ((plane * p.OD + od) * p.OH + oh) * p.OW + ow;
  let a = idx[o];
  if (a == 0xffffffffu) { return; }
  let i = plane * p.isz + a;
  dx[i] = dx[i] + dy[o];
}
