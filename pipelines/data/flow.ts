/**
 * Dense optical flow by Horn & Schunck (1981), for the NVGesture prepare step (the reference
 * does not say how its flow was made; this is a standard dense method, documented here).
 * Brightness derivatives are averaged over the 2x2x2 cube of the two frames; each iteration
 * sets u = u_avg - Ix (Ix u_avg + Iy v_avg + It) / (alpha^2 + Ix^2 + Iy^2) (v alike) with the
 * 3x3 weighted neighbourhood mean (1/6 edge, 1/12 corner neighbours). Intensities in [0, 255].
 * Stored as 8-bit images the way the I3D flow models expect: clipped to [-20, 20] pixels and
 * mapped linearly to [0, 255].
 */

/** Flow fields u (x) and v (y) in pixels per frame. */
export interface Flow {
  u: Float32Array;
  v: Float32Array;
}

/** Horn-Schunck flow from `a` to `b` (grey, w x h, values 0..255). */
export function hornSchunck(
  a: Float32Array,
  b: Float32Array,
  w: number,
  h: number,
  alpha = 15,
  iterations = 64,
): Flow {
  const n = w * h;
  const Ix = new Float32Array(n), Iy = new Float32Array(n), It = new Float32Array(n);
  const at = (img: Float32Array, x: number, y: number) =>
    img[Math.min(y, h - 1) * w + Math.min(x, w - 1)];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a00 = at(a, x, y),
        a10 = at(a, x + 1, y),
        a01 = at(a, x, y + 1),
        a11 = at(a, x + 1, y + 1);
      const b00 = at(b, x, y),
        b10 = at(b, x + 1, y),
        b01 = at(b, x, y + 1),
        b11 = at(b, x + 1, y + 1);
      Ix[i] = 0.25 * (a10 - a00 + a11 - a01 + b10 - b00 + b11 - b01);
      Iy[i] = 0.25 * (a01 - a00 + a11 - a10 + b01 - b00 + b11 - b10);
      It[i] = 0.25 * (b00 - a00 + b10 - a10 + b01 - a01 + b11 - a11);
    }
  }
  let u = new Float32Array(n), v = new Float32Array(n);
  let u2 = new Float32Array(n), v2 = new Float32Array(n);
  const a2 = alpha * alpha;
  for (let it = 0; it < iterations; it++) {
    for (let y = 0; y < h; y++) {
      const ym = y > 0 ? y - 1 : y, yp = y < h - 1 ? y + 1 : y;
      for (let x = 0; x < w; x++) {
        const xm = x > 0 ? x - 1 : x, xp = x < w - 1 ? x + 1 : x;
        const i = y * w + x;
        const ub = (u[ym * w + x] + u[yp * w + x] + u[y * w + xm] + u[y * w + xp]) / 6 +
          (u[ym * w + xm] + u[ym * w + xp] + u[yp * w + xm] + u[yp * w + xp]) / 12;
        const vb = (v[ym * w + x] + v[yp * w + x] + v[y * w + xm] + v[y * w + xp]) / 6 +
          (v[ym * w + xm] + v[ym * w + xp] + v[yp * w + xm] + v[yp * w + xp]) / 12;
        const k = (Ix[i] * ub + Iy[i] * vb + It[i]) / (a2 + Ix[i] * Ix[i] + Iy[i] * Iy[i]);
        u2[i] = ub - Ix[i] * k;
        v2[i] = vb - Iy[i] * k;
      }
    }
    [u, u2] = [u2, u];
    [v, v2] = [v2, v];
  }
  return { u, v };
}

/** Flow (pixels) -> 8 bits: clip to [-bound, bound], map to [0, 255]. */
export function quantiseFlow(f: Float32Array, bound = 20): Uint8Array {
  return Uint8Array.from(
    f,
    (x) => Math.round(((Math.max(-bound, Math.min(bound, x)) + bound) / (2 * bound)) * 255),
  );
}

/** RGB bytes -> grey intensities (ITU-R 601 luma). */
export function grey(rgb: Uint8Array): Float32Array {
  const out = new Float32Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) {
    out[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  }
  return out;
}
