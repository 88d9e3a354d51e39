/**
 * JPEG decoding and encoding through the npm package jpeg-js (pure JavaScript), and a CPU
 * antialiased bilinear resize (PIL's algorithm, rounded to 8 bits) used when building caches.
 */
import jpeg from "jpeg-js";
import type { RgbImage } from "../../kernels/image/image.ts";

/** Decode JPEG bytes to RGB; errors name `source`. */
export function decodeJpeg(bytes: Uint8Array, source = "<jpeg>"): RgbImage {
  let d: { width: number; height: number; data: Uint8Array };
  try {
    d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new Error(`${source}: not a decodable JPEG (${(e as Error).message})`);
  }
  if (!d.width || !d.height || d.data.length !== d.width * d.height * 3) {
    throw new Error(
      `${source}: JPEG decoded to ${d.width}x${d.height} with ${d.data.length} bytes`,
    );
  }
  return { width: d.width, height: d.height, data: d.data };
}

/** Encode RGB as JPEG (fixtures, the AV-Digits frames). */
export function encodeJpeg(img: RgbImage, quality = 90): Uint8Array {
  const rgba = new Uint8Array(img.width * img.height * 4);
  for (let i = 0; i < img.width * img.height; i++) {
    rgba.set(img.data.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return jpeg.encode({ width: img.width, height: img.height, data: rgba }, quality).data;
}

/** Triangle-filter taps along one axis (PIL's resample coefficients, normalised). */
function coefficients(inSize: number, outSize: number): { first: number; w: Float64Array }[] {
  const scale = inSize / outSize, support = Math.max(scale, 1);
  return Array.from({ length: outSize }, (_, o) => {
    const centre = (o + 0.5) * scale;
    const first = Math.max(Math.trunc(centre - support + 0.5), 0);
    const end = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const w = new Float64Array(end - first);
    let sum = 0;
    for (let i = first; i < end; i++) {
      sum += w[i - first] = Math.max(0, 1 - Math.abs((i - centre + 0.5) / support));
    }
    return { first, w: w.map((v) => v / sum) };
  });
}

/** Resize to width x height (antialiased bilinear, separable, rounded to 8 bits). */
export function resizeRgb(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return img;
  const cx = coefficients(img.width, width), cy = coefficients(img.height, height);
  const mid = new Float64Array(img.height * width * 3); // horizontal pass
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { first, w } = cx[x];
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let i = 0; i < w.length; i++) {
          s += w[i] * img.data[(y * img.width + first + i) * 3 + c];
        }
        mid[(y * width + x) * 3 + c] = s;
      }
    }
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const { first, w } = cy[y];
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let i = 0; i < w.length; i++) s += w[i] * mid[((first + i) * width + x) * 3 + c];
        out[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(s)));
      }
    }
  }
  return { width, height, data: out };
}

/** Resize so the shorter side is `short` (aspect kept); 0 or larger than the image: unchanged. */
export function resizeShortSide(img: RgbImage, short: number): RgbImage {
  const s = Math.min(img.width, img.height);
  if (short <= 0 || s <= short) return img;
  const f = short / s;
  return resizeRgb(
    img,
    Math.max(1, Math.round(img.width * f)),
    Math.max(1, Math.round(img.height * f)),
  );
}
