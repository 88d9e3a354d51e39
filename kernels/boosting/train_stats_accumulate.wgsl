// train_stats_accumulate: per-epoch training statistics of one modality, kept on the GPU so a
// step needs no readback. With z [B, K] the modality's summed logits, y [B, K] one-hot
// targets and loss[0] the step's batch-mean loss:
//   acc[3s]     += sum_i sum_k softmax(z_i)_k y[i,k]   (the confident score S of ACA)
//   acc[3s + 1] += loss[0] * B                          (summed loss, for the mean and G)
//   acc[3s + 2] += #{i : argmax_k z[i,k] has y = 1}      (correct predictions)
// s = p.slot. One workgroup of 64, rows strided, then a tree sum. Grid: (1).
struct Params { B: u32, K: u32, slot: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> acc: array<f32>;

var<workgroup> part: array<vec2f, 64>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid3: vec3u) {
  let lid = lid3.x;
  var conf = 0.0;
  var correct = 0.0;
  for (var i = lid; i < p.B; i += 64u) {
    let row = i * p.K;
    var m = z[row];
    var arg = 0u;
    for (var k = 1u; k < p.K; k++) {
      if (z[row + k] > m) { m = z[row + k]; arg = k; }
    }
    var s = 0.0;
    var t = 0.0;
    for (var k = 0u; k < p.K; k++) {
      let e = exp(z[row + k] - m);
      s += e;
      t += e * y[row + k];
    }
    conf += t / s;
    correct += select(0.0, 1.0, y[row + arg] > 0.5);
  }
  part[lid] = vec2f(conf, correct);
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid < w) { part[lid] += part[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let base = 3u * p.slot;
    acc[base] += part[0].x;
    acc[base + 1u] += loss[0] * f32(p.B);
    acc[base + 2u] += part[0].y;
  }
}
