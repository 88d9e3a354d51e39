// sgd_update: one step of SGD with momentum and weight decay over a whole parameter arena,
// in PyTorch's order (torch.optim.SGD, dampening 0, no Nesterov):
//   d = g + weight_decay * w;  buf = momentum * buf + d;  w = w - lr * buf
// (PyTorch initialises buf to d on the first step; with buf starting at 0 this is the same.)
// w, g, buf are flat arrays of the same length L, a multiple of 4 (the arenas are padded), read
// as vec4s: four values per invocation (the software adapter loads storage lane by lane, so one
// vec4 load costs about what one f32 load does). Grid: groups1d(L / 4, 256).
struct Params { L: u32, lr: f32, momentum: f32, weight_decay: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<vec4f>;
@group(0) @binding(2) var<storage, read> g: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> buf: array<vec4f>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L / 4u) { return; }
  let v = w[i];
  let d = g[i] + p.weight_decay * v;
  let b = p.momentum * buf[i] + d;
  buf[i] = b;
  w[i] = v - p.lr * b;
}
