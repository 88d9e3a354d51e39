// stft_forward: log-magnitude short-time Fourier transform, librosa-style centred:
//   S[c, k, f] = log(|sum_{n<N} w[n] xr[c, f*hop + n - N/2] e^{-2 pi i k n / N}| + 1e-7)
// for clips x [C, L], bins k <= N/2, frames f < F = 1 + L div hop, periodic Hann window
// w[n] = 0.5 - 0.5 cos(2 pi n / N), and reflect padding at both ends (xr[-j] = x[j],
// xr[L-1+j] = x[L-1-j]). twiddle = [cos(2 pi m / N), sin(2 pi m / N)] for m < N, so each
// term indexes (k*n) mod N: no trigonometry in the loop. Output [C, N/2+1, F].
// Each invocation computes 8 consecutive bins of one frame, sharing the windowed samples.
// Grid: x = ceil(F / 64), y = ceil((N/2+1) / 8), z = C.
struct Params { L: u32, N: u32, hop: u32, F: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> twiddle: array<vec2f>;
@group(0) @binding(3) var<storage, read_write> spec: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let f = gid.x;
  let k0 = gid.y * 8u;
  let c = gid.z;
  let bins = p.N / 2u + 1u;
  if (f >= p.F || k0 >= bins) { return; }
  var re = array<f32, 8>();
  var im = array<f32, 8>();
  let start = i32(f * p.hop) - i32(p.N / 2u);
  let last = i32(p.L) - 1;
  for (var n = 0u; n < p.N; n++) {
    var j = start + i32(n);
    j = select(j, -j, j < 0);
    j = select(j, 2 * last - j, j > last);
    let v = (0.5 - 0.5 * twiddle[n].x) * x[c * p.L + u32(clamp(j, 0, last))];
    for (var b = 0u; b < 8u; b++) {
      let t = twiddle[((k0 + b) * n) % p.N];
      re[b] += v * t.x;
      im[b] -= v * t.y;
    }
  }
  for (var b = 0u; b < 8u; b++) {
    let k = k0 + b;
    if (k < bins) {
      spec[(c * bins + k) * p.F + f] = log(sqrt(re[b] * re[b] + im[b] * im[b]) + 1e-7);
    }
  }
}
