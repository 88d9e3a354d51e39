/**
 * Modality encoders.
 * - ResNet18 (CREMA-D, Kinetics-Sounds): audio, a spectrogram [B, 1, F, T] -> global average
 *   -> [B, D]; video [B, T, 3, H, W]: frames folded into the batch (frame t of sample b at row
 *   b*T + t), encoded, then averaged over T, H and W -> [B, D], as the reference's VideoEncoder.
 * - I3D (NVGesture): video [B, T, C, H, W] -> [B, C, T, H, W] -> I3D -> AvgPool3d((8, 7, 7),
 *   stride 1) as the reference -> [B, 1024]. Where the final map is larger than 8x7x7 (the 80-frame
 *   test clips give 10 time steps) the pooled windows are averaged; where it is smaller (small
 *   test inputs) the window shrinks to the map. Both are documented choices; at the training
 *   size (64 x 224 x 224) the map is exactly 8x7x7 and this is the reference's pool.
 */
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import type { Rng } from "../../kernels/init/init.ts";
import type { Tensor } from "../../kernels/tensor.ts";
import type { ParameterSet } from "../../kernels/optim/parameters.ts";
import { globalAvgPool } from "../../kernels/pool/pool.ts";
import { avgpool3d } from "../../kernels/pool/pool3d.ts";
import { reshape } from "../../kernels/elementwise/elementwise.ts";
import { swapAxes12 } from "../../kernels/layout/layout.ts";
import { ResNet18 } from "./resnet18.ts";
import { I3D } from "./i3d.ts";

/** The encoder families. */
export type EncoderKind = "resnet18" | "i3d";

/** What the models need from an encoder of any family. */
export interface ModalityEncoder {
  /** The trunk's parameters and BN running statistics (by the trunk's own names). */
  readonly trunk: { readonly params: ParameterSet; readonly running: Map<string, Tensor> };
  /** Feature size D. */
  readonly features: number;
  /** Inputs [B, ...sample shape] -> features [B, D]. */
  forward(x: Tensor, training: boolean): Tensor;
  /** Releases the encoder's parameters and buffers. */
  destroy(): void;
}

/** An encoder of the given family. */
export function createEncoder(
  gpu: Gpu,
  rng: Rng,
  kind: EncoderKind,
  o: EncoderOptions,
): ModalityEncoder {
  if (kind === "i3d") return new I3DEncoder(I3D.create(gpu, rng, o));
  return Encoder.create(gpu, rng, o);
}

/** Options of an encoder. */
export interface EncoderOptions {
  /** Input channels of the modality. */
  inChannels: number;
  /** ResNet18's first-stage channels (64 in the paper); I3D divides its channels likewise. */
  width?: number;
  /** Frames per sample folded into the batch (1 for audio). */
  frames?: number;
}

/** A ResNet18 trunk followed by the mean over frames and space. */
export class Encoder implements ModalityEncoder {
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

/** An I3D trunk followed by the reference's AvgPool3d((8, 7, 7)) (see the header). */
export class I3DEncoder implements ModalityEncoder {
  readonly trunk: I3D;

  constructor(trunk: I3D) {
    this.trunk = trunk;
  }

  get features(): number {
    return this.trunk.features;
  }

  /** x [B, T, C, H, W] -> [B, 1024]. */
  forward(x: Tensor, training: boolean): Tensor {
    if (x.shape.length !== 5) {
      throw new Error(`I3D encoder: expected [B,T,C,H,W], got [${x.shape}]`);
    }
    const h = this.trunk.forward(swapAxes12(x), training);
    const [B, D, T, H, W] = h.shape;
    const pooled = avgpool3d(h, {
      kernel: [Math.min(8, T), Math.min(7, H), Math.min(7, W)],
      stride: 1,
    });
    const positions = pooled.size / (B * D);
    return globalAvgPool(reshape(pooled, [B, D, positions, 1]), 1);
  }

  destroy(): void {
    this.trunk.destroy();
  }
}
