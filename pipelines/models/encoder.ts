/**
 * Modality encoders on a ResNet18 trunk. Audio: a spectrogram [B, 1, F, T] -> global average
 * -> [B, D]. Video [B, T, 3, H, W]: frames folded into the batch (frame t of sample b at row
 * b*T + t), encoded, then averaged over T, H and W -> [B, D], as the reference's VideoEncoder.
 */
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import type { Rng } from "../../kernels/init/init.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import { globalAvgPool } from "../../kernels/pool/pool.ts";
import { reshape } from "../../kernels/elementwise/elementwise.ts";
import { ResNet18 } from "./resnet18.ts";

/** Options of an encoder. */
export interface EncoderOptions {
  inChannels: number;
  width?: number;
  /** Frames per sample folded into the batch (1 for audio). */
  frames?: number;
}

/** A ResNet18 trunk followed by the mean over frames and space. */
export class Encoder {
  readonly trunk: ResNet18;
  readonly frames: number;

  constructor(trunk: ResNet18, frames: number) {
    this.trunk = trunk;
    this.frames = frames;
  }

  static create(gpu: Gpu, rng: Rng, o: EncoderOptions): Encoder {
    return new Encoder(
      ResNet18.create(gpu, rng, { inChannels: o.inChannels, width: o.width }),
      o.frames ?? 1,
    );
  }

  /** Feature size D. */
  get features(): number {
    return this.trunk.features;
  }

  /**
   * x [B, T, C, H, W] (frames folded into the batch here) or [B*frames, C, H, W] -> [B, D].
   */
  forward(x: Tensor, training: boolean): Tensor {
    if (x.shape.length === 5) {
      const [B, T, C, H, W] = x.shape;
      return globalAvgPool(this.trunk.forward(reshape(x, [B * T, C, H, W]), training), T);
    }
    return globalAvgPool(this.trunk.forward(x, training), this.frames);
  }

  destroy(): void {
    this.trunk.destroy();
  }
}
