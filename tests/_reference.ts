/**
 * Plain float64 CPU references of every kernel: the loops straight from the math, no tricks.
 * Layouts match the kernels (row-major, NCHW).
 */
import type { WinogradConv } from "../kernels/conv2d/winograd.ts";

type Arr = ArrayLike<number>;

/** C = op(A) op(B) (+ bias): A stored [M,K] (or [K,M] transposed), B [K,N] (or [N,K]). */
export function matmulRef(
  a: Arr,
  b: Arr,
  M: number,
  K: number,
  N: number,
  transA = false,
  transB = false,
  bias?: Arr,
): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = bias ? bias[j] : 0;
      for (let k = 0; k < K; k++) {
        s += (transA ? a[k * M + i] : a[i * K + k]) * (transB ? b[j * K + k] : b[k * N + j]);
      }
      c[i * N + j] = s;
    }
  }
  return c;
}

/** Convolution geometry (as conv2dShape computes it). */
export interface ConvGeo {
  B: number;
  Ci: number;
  H: number;
  W: number;
  Co: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  stride: number;
  pad: number;
}

/** Visit every (n, co, oh, ow, ci, kh, kw) term with its x and y/w indices (in-range only). */
function convTerms(
  g: ConvGeo,
  visit: (xi: number, wi: number, yi: number) => void,
): void {
  for (let n = 0; n < g.B; n++) {
    for (let co = 0; co < g.Co; co++) {
      for (let oh = 0; oh < g.OH; oh++) {
        for (let ow = 0; ow < g.OW; ow++) {
          const yi = ((n * g.Co + co) * g.OH + oh) * g.OW + ow;
          for (let ci = 0; ci < g.Ci; ci++) {
            for (let kh = 0; kh < g.KH; kh++) {
              const ih = oh * g.stride - g.pad + kh;
              if (ih < 0 || ih >= g.H) continue;
              for (let kw = 0; kw < g.KW; kw++) {
                const iw = ow * g.stride - g.pad + kw;
                if (iw < 0 || iw >= g.W) continue;
                visit(
                  ((n * g.Ci + ci) * g.H + ih) * g.W + iw,
                  ((co * g.Ci + ci) * g.KH + kh) * g.KW + kw,
                  yi,
                );
              }
            }
          }
        }
      }
    }
  }
}

export function conv2dRef(x: Arr, w: Arr, g: ConvGeo): Float64Array {
  const y = new Float64Array(g.B * g.Co * g.OH * g.OW);
  convTerms(g, (xi, wi, yi) => y[yi] += x[xi] * w[wi]);
  return y;
}

export function conv2dBackwardInputRef(dy: Arr, w: Arr, g: ConvGeo): Float64Array {
  const dx = new Float64Array(g.B * g.Ci * g.H * g.W);
  convTerms(g, (xi, wi, yi) => dx[xi] += dy[yi] * w[wi]);
  return dx;
}

export function conv2dBackwardWeightRef(dy: Arr, x: Arr, g: ConvGeo): Float64Array {
  const dw = new Float64Array(g.Co * g.Ci * g.KH * g.KW);
  convTerms(g, (xi, wi, yi) => dw[wi] += dy[yi] * x[xi]);
  return dw;
}

/** Training-mode batch norm over [B, C, S]: y, batch mean, biased variance. */
export function batchNormRef(
  x: Arr,
  gamma: Arr,
  beta: Arr,
  B: number,
  C: number,
  S: number,
  eps = 1e-5,
) {
  const mean = new Float64Array(C), variance = new Float64Array(C);
  const n = B * S;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let b = 0; b < B; b++) for (let i = 0; i < S; i++) s += x[(b * C + c) * S + i];
    mean[c] = s / n;
    let q = 0;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < S; i++) q += (x[(b * C + c) * S + i] - mean[c]) ** 2;
    }
    variance[c] = q / n;
  }
  const y = new Float64Array(B * C * S);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < S; i++) {
        const k = (b * C + c) * S + i;
        y[k] = (x[k] - mean[c]) / Math.sqrt(variance[c] + eps) * gamma[c] + beta[c];
      }
    }
  }
  return { y, mean, variance };
}

/**
 * Training-mode batch norm backward in float64 (optionally through a fused ReLU): dx, dgamma,
 * dbeta for output gradient dy.
 */
export function batchNormBackwardRef(
  x: Arr,
  dy: Arr,
  gamma: Arr,
  beta: Arr,
  [B, C, S]: [number, number, number],
  relu: boolean,
  eps = 1e-5,
) {
  const { mean, variance } = batchNormRef(x, gamma, beta, B, C, S, eps);
  const n = B * S, dx = new Float64Array(B * C * S);
  const dgamma = new Float64Array(C), dbeta = new Float64Array(C);
  const at = (b: number, c: number, i: number) => (b * C + c) * S + i;
  for (let c = 0; c < C; c++) {
    const invstd = 1 / Math.sqrt(variance[c] + eps);
    const xhat = (k: number) => (x[k] - mean[c]) * invstd;
    const g = (k: number) => (relu && xhat(k) * gamma[c] + beta[c] <= 0 ? 0 : dy[k]);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < S; i++) {
        const k = at(b, c, i);
        dbeta[c] += g(k);
        dgamma[c] += g(k) * xhat(k);
      }
    }
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < S; i++) {
        const k = at(b, c, i);
        dx[k] = gamma[c] * invstd * (g(k) - dbeta[c] / n - xhat(k) * dgamma[c] / n);
      }
    }
  }
  return { dx, dgamma, dbeta };
}

/** Max pool over [B, C, H, W] with -inf padding; returns y and the argmax (plane index). */
export function maxpoolRef(
  x: Arr,
  B: number,
  C: number,
  H: number,
  W: number,
  k: number,
  s: number,
  p: number,
) {
  const OH = Math.floor((H + 2 * p - k) / s) + 1, OW = Math.floor((W + 2 * p - k) / s) + 1;
  const y = new Float64Array(B * C * OH * OW), arg = new Int32Array(y.length);
  for (let pl = 0; pl < B * C; pl++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        let best = -Infinity, at = -1;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            const ih = oh * s - p + i, iw = ow * s - p + j;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const v = x[pl * H * W + ih * W + iw];
            if (v > best) [best, at] = [v, ih * W + iw];
          }
        }
        y[(pl * OH + oh) * OW + ow] = best;
        arg[(pl * OH + oh) * OW + ow] = at;
      }
    }
  }
  return { y, arg, OH, OW };
}

/** Mean over T and S of x [B*T, C, S] -> [B, C]. */
export function avgpoolRef(x: Arr, B: number, T: number, C: number, S: number): Float64Array {
  const y = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let t = 0; t < T; t++) for (let i = 0; i < S; i++) s += x[((b * T + t) * C + c) * S + i];
      y[b * C + c] = s / (T * S);
    }
  }
  return y;
}

/** Row softmax of z [B, K]. */
export function softmaxRef(z: Arr, B: number, K: number): Float64Array {
  const p = new Float64Array(B * K);
  for (let i = 0; i < B; i++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, z[i * K + k]);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(z[i * K + k] - m);
    for (let k = 0; k < K; k++) p[i * K + k] = Math.exp(z[i * K + k] - m) / s;
  }
  return p;
}

/** Batch mean of the soft-target cross-entropy. */
export function crossEntropyRef(z: Arr, q: Arr, B: number, K: number): number {
  const p = softmaxRef(z, B, K);
  let loss = 0;
  for (let i = 0; i < B * K; i++) loss -= q[i] * Math.log(p[i]);
  return loss / B;
}

/** Its gradient with respect to z. */
export function crossEntropyGradRef(z: Arr, q: Arr, B: number, K: number): Float64Array {
  const p = softmaxRef(z, B, K);
  const g = new Float64Array(B * K);
  for (let i = 0; i < B; i++) {
    let qs = 0;
    for (let k = 0; k < K; k++) qs += q[i * K + k];
    for (let k = 0; k < K; k++) g[i * K + k] = (p[i * K + k] * qs - q[i * K + k]) / B;
  }
  return g;
}

/** One PyTorch SGD step in place on float64 copies; returns [w, buf]. */
export function sgdRef(w: Arr, g: Arr, buf: Arr, lr: number, momentum: number, wd: number) {
  const w2 = Float64Array.from(w), b2 = Float64Array.from(buf);
  for (let i = 0; i < w2.length; i++) {
    const d = g[i] + wd * w2[i];
    b2[i] = momentum * b2[i] + d;
    w2[i] -= lr * b2[i];
  }
  return [w2, b2];
}

// Winograd F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3) matrices (Lavin & Gray 2016), written out
// here apart from the kernels and their generator, applied as plain matrix products.
const WINO = {
  2: {
    BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    G: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
    AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
  },
  4: {
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
  },
  // points 0, 1, -1, 2, -2, 1/2, -1/2 (and infinity)
  6: {
    BT: [
      [1, 0, -5.25, 0, 5.25, 0, -1, 0],
      [0, 1, 1, -4.25, -4.25, 1, 1, 0],
      [0, -1, 1, 4.25, -4.25, -1, 1, 0],
      [0, 0.5, 0.25, -2.5, -1.25, 2, 1, 0],
      [0, -0.5, 0.25, 2.5, -1.25, -2, 1, 0],
      [0, 2, 4, -2.5, -5, 0.5, 1, 0],
      [0, -2, 4, 2.5, -5, -0.5, 1, 0],
      [0, -1, 0, 5.25, 0, -5.25, 0, 1],
    ],
    G: [
      [1, 0, 0],
      [-2 / 9, -2 / 9, -2 / 9],
      [-2 / 9, 2 / 9, -2 / 9],
      [1 / 90, 2 / 90, 4 / 90],
      [1 / 90, -2 / 90, 4 / 90],
      [32 / 45, 16 / 45, 8 / 45],
      [32 / 45, -16 / 45, 8 / 45],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0.5, -0.5, 0],
      [0, 1, 1, 4, 4, 0.25, 0.25, 0],
      [0, 1, -1, 8, -8, 0.125, -0.125, 0],
      [0, 1, 1, 16, 16, 1 / 16, 1 / 16, 0],
      [0, 1, -1, 32, -32, 1 / 32, -1 / 32, 1],
    ],
  },
};

/** L X L^T for small dense matrices. */
function sandwich(L: number[][], X: number[][]): number[][] {
  const LX = L.map((row) => X[0].map((_, j) => row.reduce((s, l, k) => s + l * X[k][j], 0)));
  return LX.map((row) => L.map((l) => row.reduce((s, v, k) => s + v * l[k], 0)));
}

const transpose = (m: number[][]): number[][] => m[0].map((_, j) => m.map((row) => row[j]));
const range = (n: number): number[] => [...Array(n).keys()];

/** Geometry of a Winograd pass, as the kernels take it, with its tiling. */
function winogradGeo(g: WinogradConv) {
  const m = g.tile, n = m + 2, TH = Math.ceil(g.OH / m), TW = Math.ceil(g.OW / m);
  return { ...WINO[g.tile], m, n, Z: n * n, TH, TW, T: g.B * TH * TW };
}

/** U [Z, O, I] = G g G^T; g = w[o, i] ([O, I, 3, 3]) or flipped w[i, o] ([I, O, 3, 3]). */
export function winogradWeightRef(w: Arr, g: WinogradConv): Float64Array {
  const { G, Z } = winogradGeo(g);
  const u = new Float64Array(Z * g.O * g.I);
  for (let o = 0; o < g.O; o++) {
    for (let i = 0; i < g.I; i++) {
      const k = range(3).map((r) =>
        range(3).map((c) =>
          g.flip ? w[(i * g.O + o) * 9 + (2 - r) * 3 + 2 - c] : w[(o * g.I + i) * 9 + r * 3 + c]
        )
      );
      sandwich(G, k).flat().forEach((v, xi) => u[(xi * g.O + o) * g.I + i] = v);
    }
  }
  return u;
}

/** V [Z, I, T] = B^T d B for each n x n patch d at (m th - P, m tw - P), zero outside. */
export function winogradInputRef(x: Arr, g: WinogradConv): Float64Array {
  const { BT, m, n, Z, TH, TW, T } = winogradGeo(g);
  const v = new Float64Array(Z * g.I * T);
  for (let b = 0; b < g.B; b++) {
    for (let c = 0; c < g.I; c++) {
      for (let th = 0; th < TH; th++) {
        for (let tw = 0; tw < TW; tw++) {
          const d = range(n).map((r) =>
            range(n).map((q) => {
              const ih = m * th - g.pad + r, iw = m * tw - g.pad + q;
              const inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
              return inside ? x[((b * g.I + c) * g.H + ih) * g.W + iw] : 0;
            })
          );
          const t = (b * TH + th) * TW + tw;
          sandwich(BT, d).flat().forEach((val, xi) => v[(xi * g.I + c) * T + t] = val);
        }
      }
    }
  }
  return v;
}

/** y [B, O, OH, OW] = A^T M A of each tile's n x n products m [Z, O, T] (clipped at the edges). */
export function winogradOutputRef(mt: Arr, g: WinogradConv): Float64Array {
  const { AT, m, n, TH, TW, T } = winogradGeo(g);
  const y = new Float64Array(g.B * g.O * g.OH * g.OW);
  for (let o = 0; o < g.O; o++) {
    for (let t = 0; t < T; t++) {
      const M = range(n).map((r) => range(n).map((q) => mt[((n * r + q) * g.O + o) * T + t]));
      const b = Math.floor(t / (TH * TW)), th = Math.floor(t / TW) % TH, tw = t % TW;
      sandwich(AT, M).forEach((row, i) =>
        row.forEach((val, j) => {
          const oh = m * th + i, ow = m * tw + j;
          if (oh < g.OH && ow < g.OW) y[((b * g.O + o) * g.OH + oh) * g.OW + ow] = val;
        })
      );
    }
  }
  return y;
}

/** g [Z, O, T] = A dy_t A^T of each tile's m x m block of dy (zero past the edges). */
export function winogradOutputBackwardRef(dy: Arr, g: WinogradConv): Float64Array {
  const { AT, m, Z, TH, TW, T } = winogradGeo(g);
  const out = new Float64Array(Z * g.O * T);
  for (let o = 0; o < g.O; o++) {
    for (let t = 0; t < T; t++) {
      const b = Math.floor(t / (TH * TW)), th = Math.floor(t / TW) % TH, tw = t % TW;
      const blk = range(m).map((i) =>
        range(m).map((j) => {
          const oh = m * th + i, ow = m * tw + j;
          return oh < g.OH && ow < g.OW ? dy[((b * g.O + o) * g.OH + oh) * g.OW + ow] : 0;
        })
      );
      sandwich(transpose(AT), blk).flat().forEach((v, xi) => out[(xi * g.O + o) * T + t] = v);
    }
  }
  return out;
}

/** dw [O, I, 3, 3] = G^T D G with D = the sum over the splits of d [Z, splits, O, I]. */
export function winogradWeightBackwardRef(d: Arr, splits: number, g: WinogradConv): Float64Array {
  const { G, n } = winogradGeo(g);
  const dw = new Float64Array(g.O * g.I * 9), OI = g.O * g.I;
  for (let oi = 0; oi < OI; oi++) {
    const D = range(n).map((r) =>
      range(n).map((c) => {
        let s = 0;
        for (let z = 0; z < splits; z++) s += d[((n * r + c) * splits + z) * OI + oi];
        return s;
      })
    );
    sandwich(transpose(G), D).flat().forEach((v, k) => dw[oi * 9 + k] = v);
  }
  return dw;
}
