// split_reduce: out[i] (+)= sum_{z < splits} parts[z * L + i], i < L. Sums the per-split
// partial results of a split-K kernel (conv2d_backward_weight). One invocation per output.
// Grid: groups1d(L, 64) (y folds above 65535 workgroups).
struct Params { L: u32, splits: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> parts: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.L) { return; }
  var s = select(0.0, out[i], p.accumulate != 0u);
  for (var z = 0u; z < p.splits; z++) { s += parts[z * p.L + i]; }
  out[i] = s;
}
