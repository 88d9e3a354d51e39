// sgd_update: one step of SGD with momentum and weight decay over a whole parameter arena,
// in PyTorch's order (torch.optim.SGD, dampening 0, no Nesterov):
//   d = g + weight_decay * w;  buf = momentum * buf + d;  w = w - lr * buf
// (PyTorch initialises buf to d on the first step; with buf starting at 0 this is the same.)
// w, g, buf are flat arrays of the same length L. Grid: groups1d(L, 256).
struct Params { L: u32, lr: f32, momentum: f32, weight_decay: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> w: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.L) { return; }
  let d = g[i] + p.weight_decay * w[i];
  let b = p.momentum * buf[i] + d;
  buf[i] = b;
  w[i] = w[i] - p.lr * b;
}
