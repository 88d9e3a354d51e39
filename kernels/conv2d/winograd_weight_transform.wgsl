// winograd_weight_transform: U[xi, o, i] = (G g G^T)[xi / 4, xi % 4] for the 3x3 kernel g of
// output channel o and input channel i; F(2x2, 3x3):
// G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
// As given (flip = 0): g[u, v] = w[o, i, u, v] with w [O, I, 3, 3] (the forward pass).
// Flipped (flip = 1): g[u, v] = w[i, o, 2 - u, 2 - v] with w [I, O, 3, 3]: the input gradient
// of a stride-1 convolution is the convolution of dy with the flipped, transposed kernel.
// Layout: U [16, O, I], or with kmajor = 1 U [16, I, O] (the vec4 GEMM's operand order).
// One invocation per (o, i), i fastest (o fastest with kmajor). Grid: groups1d(O * I, 64).
struct Params { O: u32, I: u32, flip: u32, kmajor: u32, total: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> u: array<f32>;

// tap (r, c) of g
fn tap(o: u32, i: u32, r: u32, c: u32) -> f32 {
  if (p.flip != 0u) { return w[(i * p.O + o) * 9u + 8u - (3u * r + c)]; }
  return w[(o * p.I + i) * 9u + 3u * r + c];
}

// (q G^T) for a row q of G g
fn cols(q: vec3f) -> vec4f {
  return vec4f(q.x, 0.5 * (q.x + q.y + q.z), 0.5 * (q.x - q.y + q.z), q.z);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * 64u;
  if (g >= p.total) { return; }
  // (o, i) with i fastest, or with kmajor (i, o) with o fastest: g is U's flat index either way
  var i: u32; var o: u32; // one division either way (the software adapter divides lane by lane)
  if (p.kmajor != 0u) { i = g / p.O; o = g - i * p.O; } else { o = g / p.I; i = g - o * p.I; }
  let g0 = vec3f(tap(o, i, 0u, 0u), tap(o, i, 0u, 1u), tap(o, i, 0u, 2u));
  let g1 = vec3f(tap(o, i, 1u, 0u), tap(o, i, 1u, 1u), tap(o, i, 1u, 2u));
  let g2 = vec3f(tap(o, i, 2u, 0u), tap(o, i, 2u, 1u), tap(o, i, 2u, 2u));
  let q = array<vec4f, 4>(
    cols(g0),
    cols(0.5 * (g0 + g1 + g2)),
    cols(0.5 * (g0 - g1 + g2)),
    cols(g2),
  );
  let stride = p.O * p.I;
  for (var r = 0u; r < 4u; r++) {
    let at = 4u * r * stride + g;
    u[at] = q[r].x;
    u[at + stride] = q[r].y;
    u[at + 2u * stride] = q[r].z;
    u[at + 3u * stride] = q[r].w;
  }
}
