import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { rejected } from "../../_helpers.ts";
import { decodeJpeg, encodeJpeg } from "../../../pipelines/data/jpeg.ts";
import { JpegPool } from "../../../pipelines/data/jpeg_pool.ts";

Deno.test("JpegPool decodes in parallel workers, in order, and names a file that fails", async () => {
  const dir = await Deno.makeTempDir();
  const pool = new JpegPool(3);
  try {
    const paths: string[] = [];
    for (let i = 0; i < 7; i++) {
      const data = new Uint8Array(8 * 6 * 3).fill(30 * i);
      paths.push(join(dir, `${i}.jpg`));
      await Deno.writeFile(paths[i], encodeJpeg({ width: 8, height: 6, data }));
    }
    const images = await pool.decode(paths);
    assertEquals(images.length, 7);
    for (const [i, img] of images.entries()) {
      const want = decodeJpeg(await Deno.readFile(paths[i]));
      assertEquals([img.width, img.height, Array.from(img.data)], [
        want.width,
        want.height,
        Array.from(want.data),
      ]);
    }
    await Deno.writeTextFile(join(dir, "bad.jpg"), "not a jpeg");
    const msg = await rejected(pool.decode([paths[0], join(dir, "bad.jpg")]));
    if (!msg.includes("bad.jpg") || !msg.includes("not a decodable JPEG")) throw new Error(msg);
    const missing = await rejected(pool.decode([join(dir, "missing.jpg")]));
    if (!missing.includes("missing.jpg")) throw new Error(missing);
  } finally {
    pool.close();
    await Deno.remove(dir, { recursive: true });
  }
});
