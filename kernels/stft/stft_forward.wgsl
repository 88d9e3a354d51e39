// stft_forward: log-magnitude short-time Fourier transform, librosa-style centred:
//   S[c, k, f] = log(|sum_{n<N} w[n] xr[c, f*hop + n - N/2] e^{-2 pi i k n / N}| + 1e-7)
// for clips x [C, L], bins k <= N/2, frames f < F = 1 + L div hop, periodic Hann window
// w[n] = 0.5 - 0.5 cos(2 pi n / N), and reflect padding at both ends (xr[-j] = x[j],
// xr[L-1+j] = x[L-1-j]). N is a power of two. twiddle = [cos(2 pi m / N), sin(2 pi m / N)],
// and each bin's angle index k*n mod N is advanced by k per sample (a mask, no multiply or
// modulo), so the loop has no trigonometry. Output [C, N/2+1, F].
// Each invocation computes 8 consecutive bins of one frame, held in two vec4 pairs (named
// registers: arrays indexed in a loop stay in memory on the software adapter).
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
  let mask = p.N - 1u;
  let start = i32(f * p.hop) - i32(p.N / 2u);
  let last = i32(p.L) - 1;
  let base = c * p.L;
  let step0 = vec4u(k0, k0 + 1u, k0 + 2u, k0 + 3u);
  let step1 = step0 + vec4u(4u);
  var a0 = vec4u(0u);
  var a1 = vec4u(0u);
  var re0 = vec4f(0.0);
  var re1 = vec4f(0.0);
  var im0 = vec4f(0.0);
  var im1 = vec4f(0.0);
  for (var n = 0u; n < p.N; n++) {
    var j = start + i32(n);
    j = select(j, -j, j < 0);
    j = select(j, 2 * last - j, j > last);
    let v = (0.5 - 0.5 * twiddle[n].x) * x[base + u32(clamp(j, 0, last))];
    let t0 = twiddle[a0.x];
    let t1 = twiddle[a0.y];
    let t2 = twiddle[a0.z];
    let t3 = twiddle[a0.w];
    let t4 = twiddle[a1.x];
    let t5 = twiddle[a1.y];
    let t6 = twiddle[a1.z];
    let t7 = twiddle[a1.w];
    re0 = fma(vec4f(v), vec4f(t0.x, t1.x, t2.x, t3.x), re0);
    im0 = fma(vec4f(-v), vec4f(t0.y, t1.y, t2.y, t3.y), im0);
    re1 = fma(vec4f(v), vec4f(t4.x, t5.x, t6.x, t7.x), re1);
    im1 = fma(vec4f(-v), vec4f(t4.y, t5.y, t6.y, t7.y), im1);
    a0 = (a0 + step0) & vec4u(mask);
    a1 = (a1 + step1) & vec4u(mask);
  }
  let mag0 = log(sqrt(re0 * re0 + im0 * im0) + vec4f(1e-7));
  let mag1 = log(sqrt(re1 * re1 + im1 * im1) + vec4f(1e-7));
  let out = array<f32, 8>(mag0.x, mag0.y, mag0.z, mag0.w, mag1.x, mag1.y, mag1.z, mag1.w);
  for (var b = 0u; b < 8u; b++) {
    if (k0 + b < bins) { spec[(c * bins + k0 + b) * p.F + f] = out[b]; }
  }
}
