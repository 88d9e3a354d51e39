/** Worker of JpegPool: reads and decodes the JPEG files of each job, pixels transferred back. */
import type { RgbImage } from "../../kernels/image/image.ts";
import { decodeJpeg } from "./jpeg.ts";
import { serveJobs } from "./workers.ts";

serveJobs(
  async (paths: string[]): Promise<RgbImage[]> => {
    const images: RgbImage[] = [];
    for (const path of paths) images.push(decodeJpeg(await Deno.readFile(path), path));
    return images;
  },
  (images) => images.map((img) => img.data.buffer as ArrayBuffer),
);
