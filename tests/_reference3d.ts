/**
 * Float64 CPU references of the 3-D kernels (NCDHW), loops straight from the math.
 * Geometry as conv3dShape returns it: per-dimension sizes, strides and FRONT pads.
 */
import type { Conv3dShape } from "../kernels/conv3d/conv3d.ts";

type Arr = ArrayLike<number>;
type Triple = [number, number, number];

/** Visit every in-range (x, w, y) index triple of a 3-D convolution. */
function conv3dTerms(g: Conv3dShape, visit: (xi: number, wi: number, yi: number) => void): void {
  const [D, H, W] = g.input, [OD, OH, OW] = g.output, [KD, KH, KW] = g.kernel;
  for (let n = 0; n < g.B; n++) {
    for (let co = 0; co < g.Co; co++) {
      for (let od = 0; od < OD; od++) {
        for (let oh = 0; oh < OH; oh++) {
          for (let ow = 0; ow < OW; ow++) {
            const yi = (((n * g.Co + co) * OD + od) * OH + oh) * OW + ow;
            for (let ci = 0; ci < g.Ci; ci++) {
              for (let kd = 0; kd < KD; kd++) {
                const id = od * g.stride[0] - g.pad[0] + kd;
                if (id < 0 || id >= D) continue;
                for (let kh = 0; kh < KH; kh++) {
                  const ih = oh * g.stride[1] - g.pad[1] + kh;
                  if (ih < 0 || ih >= H) continue;
                  for (let kw = 0; kw < KW; kw++) {
                    const iw = ow * g.stride[2] - g.pad[2] + kw;
                    if (iw < 0 || iw >= W) continue;
                    visit(
                      (((n * g.Ci + ci) * D + id) * H + ih) * W + iw,
                      (((co * g.Ci + ci) * KD + kd) * KH + kh) * KW + kw,
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
  }
}

const vol = (t: Triple) => t[0] * t[1] * t[2];

export function conv3dRef(x: Arr, w: Arr, g: Conv3dShape): Float64Array {
  const y = new Float64Array(g.B * g.Co * vol(g.output));
  conv3dTerms(g, (xi, wi, yi) => y[yi] += x[xi] * w[wi]);
  return y;
}

export function conv3dBackwardInputRef(dy: Arr, w: Arr, g: Conv3dShape): Float64Array {
  const dx = new Float64Array(g.B * g.Ci * vol(g.input));
  conv3dTerms(g, (xi, wi, yi) => dx[xi] += dy[yi] * w[wi]);
  return dx;
}

export function conv3dBackwardWeightRef(dy: Arr, x: Arr, g: Conv3dShape): Float64Array {
  const dw = new Float64Array(g.Co * g.Ci * vol(g.kernel));
  conv3dTerms(g, (xi, wi, yi) => dw[wi] += dy[yi] * x[xi]);
  return dw;
}

/** Pool geometry: sizes, window, stride and front pads per dimension. */
export interface Pool3dGeo {
  planes: number;
  input: Triple;
  output: Triple;
  kernel: Triple;
  stride: Triple;
  pad: Triple;
}

/** Visit each output with the in-range input offsets of its window (-1 for a padded spot). */
function poolWindows(g: Pool3dGeo, visit: (yi: number, xs: number[]) => void): void {
  const [D, H, W] = g.input, [OD, OH, OW] = g.output;
  for (let pl = 0; pl < g.planes; pl++) {
    for (let od = 0; od < OD; od++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const xs: number[] = [];
          for (let i = 0; i < g.kernel[0]; i++) {
            for (let j = 0; j < g.kernel[1]; j++) {
              for (let l = 0; l < g.kernel[2]; l++) {
                const id = od * g.stride[0] - g.pad[0] + i, ih = oh * g.stride[1] - g.pad[1] + j;
                const iw = ow * g.stride[2] - g.pad[2] + l;
                const inside = id >= 0 && id < D && ih >= 0 && ih < H && iw >= 0 && iw < W;
                xs.push(inside ? pl * D * H * W + (id * H + ih) * W + iw : -1);
              }
            }
          }
          visit(((pl * OD + od) * OH + oh) * OW + ow, xs);
        }
      }
    }
  }
}

/** Max pool forward and the gradient dx for dy (first max wins; zeroPad: pads are zeros). */
export function maxpool3dRef(x: Arr, dy: Arr, g: Pool3dGeo, zeroPad: boolean) {
  const y = new Float64Array(g.planes * vol(g.output)), dx = new Float64Array(x.length);
  // the argmax within its input plane as the kernels store it (0xffffffff: a padded zero)
  const idx = new Uint32Array(y.length).fill(0xffffffff);
  poolWindows(g, (yi, xs) => {
    let best = -Infinity, at = -2;
    for (const xi of xs) {
      if (xi < 0 && !zeroPad) continue;
      const v = xi < 0 ? 0 : x[xi];
      if (at === -2 || v > best) [best, at] = [v, xi];
    }
    y[yi] = best;
    if (at >= 0) {
      dx[at] += dy[yi];
      idx[yi] = at % vol(g.input);
    }
  });
  return { y, dx, idx };
}

/** Average pool forward (count_include_pad) and the gradient dx for dy. */
export function avgpool3dRef(x: Arr, dy: Arr, g: Pool3dGeo) {
  const y = new Float64Array(g.planes * vol(g.output)), dx = new Float64Array(x.length);
  const n = vol(g.kernel);
  poolWindows(g, (yi, xs) => {
    for (const xi of xs) {
      if (xi < 0) continue;
      y[yi] += x[xi] / n;
      dx[xi] += dy[yi] / n;
    }
  });
  return { y, dx };
}
