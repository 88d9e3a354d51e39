import { assertClose, fixture, gpuTest } from "../../_helpers.ts";
import { Rng } from "../../../kernels/init/init.ts";
import { Scope } from "../../../kernels/tensor.ts";
import {
  type CropBox,
  randomResizedCropBox,
  resizedCrops,
  type RgbImage,
} from "../../../kernels/image/image.ts";

/** float64 reference of the antialiased bilinear crop-resize (PIL's algorithm), HWC u8 in. */
function cropRef(
  img: RgbImage,
  box: CropBox,
  OH: number,
  OW: number,
  mean: number[],
  std: number[],
): Float64Array {
  const taps = (o: number, outSize: number, inSize: number) => {
    const scale = inSize / outSize, support = Math.max(scale, 1), centre = (o + 0.5) * scale;
    const first = Math.max(Math.trunc(centre - support + 0.5), 0),
      end = Math.min(Math.trunc(centre + support + 0.5), inSize);
    const w: number[] = [];
    for (let i = first; i < end; i++) {
      w.push(Math.max(0, 1 - Math.abs((i - centre + 0.5) / support)));
    }
    const sum = w.reduce((a, b) => a + b);
    return { first, w: w.map((v) => v / sum) };
  };
  const out = new Float64Array(3 * OH * OW);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      const ty = taps(oy, OH, box.height), tx = taps(box.flip ? OW - 1 - ox : ox, OW, box.width);
      for (let c = 0; c < 3; c++) {
        let v = 0;
        ty.w.forEach((ky, a) =>
          tx.w.forEach((kx, b) => {
            v += ky * kx *
              img.data[((box.top + ty.first + a) * img.width + box.left + tx.first + b) * 3 + c];
          })
        );
        out[(c * OH + oy) * OW + ox] = (v / 255 - mean[c]) / std[c];
      }
    }
  }
  return out;
}

function randomImage(rng: Rng, width: number, height: number): RgbImage {
  return {
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)),
  };
}

gpuTest(
  "resized crops (down- and up-scaling, flips, odd sizes) match the CPU reference",
  async (gpu) => {
    const rng = new Rng(95);
    using _ = new Scope(gpu);
    const images = [randomImage(rng, 53, 37), randomImage(rng, 9, 7), randomImage(rng, 64, 48)];
    const boxes: CropBox[] = [
      { top: 3, left: 5, height: 30, width: 41, flip: false },
      { top: 0, left: 0, height: 7, width: 9, flip: true },
      { ...randomResizedCropBox(rng, 48, 64), flip: true },
    ];
    const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
    const [OH, OW] = [13, 17];
    const got = await resizedCrops(gpu, images, boxes, { height: OH, width: OW, mean, std }).read();
    const per = 3 * OH * OW;
    images.forEach((img, b) => {
      assertClose(got.subarray(b * per, (b + 1) * per), cropRef(img, boxes[b], OH, OW, mean, std), {
        atol: 1e-4,
        rtol: 1e-5,
      }, `image ${b}`);
    });
  },
);

gpuTest(
  "resized crops match torchvision's resized_crop (bilinear, antialias) with flips",
  async (gpu) => {
    const fx = await fixture("resized_crop");
    using _ = new Scope(gpu);
    const [C, H, W] = fx.shape("image"), src = fx.get("image");
    const data = new Uint8Array(H * W * 3);
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < H * W; i++) {
        data[i * 3 + c] = Math.round(src[c * H * W + i] * 255);
      }
    }
    const img = { width: W, height: H, data };
    for (let i = 0; i < 4; i++) {
      const [top, left, h, w, oh, ow, flip] = Array.from(fx.get(`box${i}`));
      const box = { top, left, height: h, width: w, flip: flip === 1 };
      const got = await resizedCrops(gpu, [img], [box], {
        height: oh,
        width: ow,
        mean: [0, 0, 0],
        std: [1, 1, 1],
      }).read();
      assertClose(got, fx.get(`crop${i}`), { atol: 1e-5, rtol: 1e-5 }, `crop ${i}`);
    }
  },
);

gpuTest(
  "resized crops keep the first 1 or 2 channels when asked (depth, optical flow)",
  async (gpu) => {
    const rng = new Rng(97);
    using _ = new Scope(gpu);
    const img = randomImage(rng, 20, 16);
    const box: CropBox = { top: 2, left: 3, height: 12, width: 14, flip: false };
    const mean = [0.1, 0.2, 0.3], std = [0.5, 0.6, 0.7];
    const all = cropRef(img, box, 8, 9, mean, std);
    for (const C of [1, 2]) {
      const got = await resizedCrops(gpu, [img], [box], {
        height: 8,
        width: 9,
        mean,
        std,
        channels: C,
      }).read();
      assertClose(got, all.subarray(0, C * 72), { atol: 1e-4, rtol: 1e-5 }, `${C} channels`);
    }
  },
);

Deno.test("RandomResizedCrop boxes stay inside the image with torchvision's area and ratio ranges", () => {
  const rng = new Rng(96);
  for (let t = 0; t < 2000; t++) {
    const [H, W] = [30 + rng.int(300), 30 + rng.int(300)];
    const b = randomResizedCropBox(rng, H, W);
    if (b.top < 0 || b.left < 0 || b.top + b.height > H || b.left + b.width > W) {
      throw new Error(`outside: ${JSON.stringify(b)} in ${W}x${H}`);
    }
    const area = (b.height * b.width) / (H * W), ratio = b.width / b.height;
    const fallback = b.top === Math.floor((H - b.height) / 2) &&
      b.left === Math.floor((W - b.width) / 2);
    if (!fallback && (area < 0.07 || area > 1.01 || ratio < 0.7 || ratio > 1.4)) {
      throw new Error(`out of range: ${area} ${ratio}`);
    }
  }
  const fixed = (seed: number) => JSON.stringify(randomResizedCropBox(new Rng(seed), 100, 120));
  if (fixed(3) !== fixed(3)) throw new Error("not seeded");
});
