/**
 * Image batches on the GPU: u8 RGB images packed into one buffer, then one dispatch crops,
 * resizes (antialiased bilinear), flips and normalises them all (resized_crop_forward.wgsl).
 * `randomResizedCropBox` draws torchvision's RandomResizedCrop parameters from a seeded Rng.
 */
import src from "./resized_crop_forward.wgsl" with { type: "text" };
import { Tensor } from "../tensor.ts";
import type { Gpu } from "../runtime/gpu.ts";
import type { Rng } from "../init/init.ts";

const kernel = { name: "resized_crop_forward", code: src };

/** An image as HWC RGB bytes. */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width * height * 3 bytes, row-major, RGB interleaved. */
  data: Uint8Array;
}

/** A crop box in pixels, and whether to flip the result horizontally. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
  flip: boolean;
}

/** ImageNet statistics (torchvision's Normalize in the reference). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision RandomResizedCrop.get_params: area fraction in `scale`, log-uniform aspect ratio
 * in `ratio`, 10 tries, then a centre crop clamped to the ratio range.
 */
export function randomResizedCropBox(
  rng: Rng,
  height: number,
  width: number,
  scale: [number, number] = [0.08, 1],
  ratio: [number, number] = [3 / 4, 4 / 3],
): Omit<CropBox, "flip"> {
  const area = height * width;
  const [lo, hi] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let t = 0; t < 10; t++) {
    const target = area * (scale[0] + rng.uniform() * (scale[1] - scale[0]));
    const aspect = Math.exp(lo + rng.uniform() * (hi - lo));
    const w = roundHalfEven(Math.sqrt(target * aspect)),
      h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width, h = height;
  if (inRatio < ratio[0]) h = roundHalfEven(w / ratio[0]);
  else if (inRatio > ratio[1]) w = roundHalfEven(h * ratio[1]);
  return {
    top: Math.floor((height - h) / 2),
    left: Math.floor((width - w) / 2),
    height: h,
    width: w,
  };
}

/** The whole image, unflipped (test-time resize). */
export function fullBox(img: RgbImage): CropBox {
  return { top: 0, left: 0, height: img.height, width: img.width, flip: false };
}

/** Options of `resizedCrops`. */
export interface ResizedCropOptions {
  height: number;
  width: number;
  mean?: number[];
  std?: number[];
  /** Output channels, the first 1..3 of RGB (default 3). */
  channels?: number;
}

/** Crop, resize, flip and normalise a batch of images -> [B, channels, height, width]. */
export function resizedCrops(
  gpu: Gpu,
  images: RgbImage[],
  boxes: CropBox[],
  o: ResizedCropOptions,
): Tensor {
  if (images.length !== boxes.length || images.length === 0) {
    throw new Error(`resizedCrops: ${images.length} images, ${boxes.length} boxes`);
  }
  const C = o.channels ?? 3;
  if (!(C >= 1 && C <= 3)) throw new Error(`resizedCrops: ${C} channels; 1 to 3 are supported`);
  const pad = (v: number[], fill: number) => [...v, fill, fill, fill].slice(0, 3);
  const mean = pad(o.mean ?? IMAGENET_MEAN, 0), std = pad(o.std ?? IMAGENET_STD, 1);
  let bytes = 0;
  const meta = new Uint32Array(8 * images.length);
  images.forEach((img, b) => {
    const box = boxes[b];
    if (img.data.length !== img.width * img.height * 3) {
      throw new Error(`image ${b}: ${img.data.length} bytes for ${img.width}x${img.height} RGB`);
    }
    if (
      box.top < 0 || box.left < 0 || box.height < 1 || box.width < 1 ||
      box.top + box.height > img.height || box.left + box.width > img.width
    ) {
      throw new Error(
        `image ${b}: crop box ${JSON.stringify(box)} outside ${img.width}x${img.height}`,
      );
    }
    meta.set([
      bytes,
      img.height,
      img.width,
      box.top,
      box.left,
      box.height,
      box.width,
      box.flip ? 1 : 0,
    ], 8 * b);
    bytes += Math.ceil(img.data.length / 4) * 4;
  });
  const packed = new Uint8Array(bytes);
  images.forEach((img, b) => packed.set(img.data, meta[8 * b]));
  const pixels = Tensor.from(gpu, new Float32Array(packed.buffer), [bytes / 4]);
  const boxT = Tensor.from(gpu, new Float32Array(meta.buffer), [meta.length]);
  const out = Tensor.empty(gpu, [images.length, C, o.height, o.width]);
  gpu.dispatch(kernel, [pixels.range, boxT.range, out.range], {
    u: [o.height, o.width, images.length, C],
    f: [...mean, 0, ...std.map((s) => 1 / s), 0],
  }, [Math.ceil((o.height * o.width) / 64), images.length]);
  pixels.dispose();
  boxT.dispose();
  return out;
}
