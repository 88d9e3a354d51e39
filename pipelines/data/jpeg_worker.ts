/**
 * Worker of JpegPool: reads and decodes the JPEG files it is sent and posts the RGB pixels back
 * (transferred, not copied). A file that fails is posted back as its error message.
 */
import { decodeJpeg } from "./jpeg.ts";

/** A request: an id and the paths to decode, in order. */
export interface DecodeRequest {
  id: number;
  paths: string[];
}

/** The answer: per path, the image or an error message. */
export interface DecodeReply {
  id: number;
  images: ({ width: number; height: number; data: Uint8Array } | { error: string })[];
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer: Transferable[]): void;
};

scope.onmessage = async (e) => {
  const images: DecodeReply["images"] = [];
  const transfer: Transferable[] = [];
  for (const path of e.data.paths) {
    try {
      const img = decodeJpeg(await Deno.readFile(path), path);
      images.push(img);
      transfer.push(img.data.buffer as ArrayBuffer);
    } catch (err) {
      images.push({ error: (err as Error).message });
    }
  }
  scope.postMessage({ id: e.data.id, images }, transfer);
};
