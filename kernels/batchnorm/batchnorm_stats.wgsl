// batchnorm_stats: per channel c of x [B, C, S] (S = H*W, or T*H*W for video), the batch mean
// and biased variance over B*S values (two passes: mean, then mean squared deviation, which is
// accurate in f32 where E[x^2] - E[x]^2 is not). stats = [mean[C], var[C]].
// When update != 0, also PyTorch's running-statistics update with the unbiased variance:
//   running_mean = (1 - m) running_mean + m mean;  running_var = (1 - m) running_var + m var * n/(n-1)
// running = [running_mean[C], running_var[C]]. One workgroup of LANES per channel; grid (C).
// LANES (an override constant): 256, or 64 for planes under 256 values (batchnorm.ts), where the
// software adapter spent most of its time switching between the 256 lanes (2-3.5x faster).
override LANES: u32 = 256u;

struct Params { B: u32, C: u32, S: u32, update: u32, momentum: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> running: array<f32>;

var<workgroup> part: array<f32, LANES>;

fn reduce(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var w = LANES / 2u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  let total = part[0];
  workgroupBarrier();
  return total;
}

// Sum over channel c's values of (x - shift), or of its square. Large planes (S >= LANES) are
// walked plane by plane with the lanes across each (no integer division per element, which the
// software adapter does lane by lane); small ones as one flat range (lanes stay busy).
fn channelSum(c: u32, lid: u32, shift: f32, square: bool) -> f32 {
  var s = 0.0;
  if (p.S >= LANES) {
    for (var b = 0u; b < p.B; b++) {
      let base = (b * p.C + c) * p.S;
      for (var e = lid; e < p.S; e += LANES) {
        let d = x[base + e] - shift;
        s += select(d, d * d, square);
      }
    }
  } else {
    for (var e = lid; e < p.B * p.S; e += LANES) {
      let d = x[((e / p.S) * p.C + c) * p.S + e % p.S] - shift;
      s += select(d, d * d, square);
    }
  }
  return s;
}

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u) {
  let c = wid.x;
  let lid = lid3.x;
  let n = p.B * p.S;
  let mean = reduce(lid, channelSum(c, lid, 0.0, false)) / f32(n);
  let variance = reduce(lid, channelSum(c, lid, mean, true)) / f32(n);
  if (lid == 0u) {
    stats[c] = mean;
    stats[p.C + c] = variance;
    if (p.update != 0u) {
      let m = p.momentum;
      running[c] = (1.0 - m) * running[c] + m * mean;
      running[p.C + c] = (1.0 - m) * running[p.C + c] + m * variance * f32(n) / f32(n - 1u);
    }
  }
}
