// winograd_weight_transform_backward: the adjoint of winograd_weight_transform, for the weight
// gradient: dw[o, i] (+)= G^T D G, where D[xi / 4, xi % 4] = sum_z d[xi, z, o, i] sums the split-K
// slices of the Winograd GEMM's result; F(2x2, 3x3):
// G^T = [[1, 1/2, 1/2, 0], [0, 1/2, -1/2, 0], [0, 1/2, 1/2, 1]].
// Layouts: d [16, splits, O, I]; dw [O, I, 3, 3]. One invocation per (o, i), i fastest.
// Grid: groups1d(O * I, 64).
struct Params { O: u32, I: u32, splits: u32, accumulate: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> d: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;

// D[xi] summed over the splits
fn sum(xi: u32, g: u32) -> f32 {
  var s = 0.0;
  for (var z = 0u; z < p.splits; z++) { s += d[(xi * p.splits + z) * p.total + g]; }
  return s;
}

fn row(r: u32, g: u32) -> vec4f {
  return vec4f(sum(4u * r, g), sum(4u * r + 1u, g), sum(4u * r + 2u, g), sum(4u * r + 3u, g));
}

// (q G) for a row q of G^T D
fn cols(q: vec4f) -> vec3f {
  return vec3f(q.x + 0.5 * (q.y + q.z), 0.5 * (q.y - q.z), 0.5 * (q.y + q.z) + q.w);
}

fn put(o: u32, v: f32) {
  dw[o] = v + select(0.0, dw[o], p.accumulate != 0u);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * 64u;
  if (g >= p.total) { return; }
  let d0 = row(0u, g);
  let d1 = row(1u, g);
  let d2 = row(2u, g);
  let d3 = row(3u, g);
  let q = array<vec3f, 3>(cols(d0 + 0.5 * (d1 + d2)), cols(0.5 * (d1 - d2)), cols(0.5 * (d1 + d2) + d3));
  for (var r = 0u; r < 3u; r++) {
    put(g * 9u + 3u * r, q[r].x);
    put(g * 9u + 3u * r + 1u, q[r].y);
    put(g * 9u + 3u * r + 2u, q[r].z);
  }
}
