/**
 * ResNet18 as the reference builds it (torchvision's BasicBlock layout [2,2,2,2]): conv1 7x7/2
 * pad 3 without bias, BN, ReLU, maxpool 3x3/2 pad 1, four stages of two BasicBlocks (the first
 * block of stages 2-4 strided, with a 1x1 conv + BN downsample), no average pool or fc.
 * Channels are width * (1, 2, 4, 8): width 64 is the paper's; smaller widths make quick CPU runs.
 * Parameter and buffer names are torchvision's, so weights map one to one.
 * Init (the reference's weight_init): conv kaiming-normal (fan_out, relu), BN weight 1, bias 0.
 */
import { ParameterSet, type ParameterSpec } from "../../kernels/optim/parameters.ts";
import { kaimingNormalFanOut, type Rng } from "../../kernels/init/init.ts";
import { Tensor } from "../../kernels/tensor.ts";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { conv2d } from "../../kernels/conv2d/conv2d.ts";
import { batchNorm } from "../../kernels/batchnorm/batchnorm.ts";
import { maxpool2d } from "../../kernels/pool/pool.ts";

/** Options of a ResNet18 trunk. */
export interface ResNet18Options {
  /** Input channels (1 for spectrograms, 3 for RGB). */
  inChannels: number;
  /** Channels of the first stage (64 in the paper). */
  width?: number;
}

interface ConvSpec {
  name: string;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: number;
}

/** The conv layers in forward order, with the BN that follows each (name with conv->bn). */
function layout(inChannels: number, w: number): { convs: ConvSpec[]; bns: [string, number][] } {
  const convs: ConvSpec[] = [{ name: "conv1", cin: inChannels, cout: w, k: 7, stride: 2, pad: 3 }];
  const bns: [string, number][] = [["bn1", w]];
  let cin = w;
  for (let stage = 1; stage <= 4; stage++) {
    const cout = w * 2 ** (stage - 1);
    for (let b = 0; b < 2; b++) {
      const p = `layer${stage}.${b}`;
      const stride = stage > 1 && b === 0 ? 2 : 1;
      convs.push({ name: `${p}.conv1`, cin, cout, k: 3, stride, pad: 1 });
      bns.push([`${p}.bn1`, cout]);
      convs.push({ name: `${p}.conv2`, cin: cout, cout, k: 3, stride: 1, pad: 1 });
      bns.push([`${p}.bn2`, cout]);
      if (stride !== 1 || cin !== cout) {
        convs.push({ name: `${p}.downsample.0`, cin, cout, k: 1, stride, pad: 0 });
        bns.push([`${p}.downsample.1`, cout]);
      }
      cin = cout;
    }
  }
  return { convs, bns };
}

/** A ResNet18 trunk: parameters in one arena, BN running statistics beside them. */
export class ResNet18 {
  /** The parameters, under torchvision's names. */
  readonly params: ParameterSet;
  /** BN name -> [2, C] running mean then running variance. */
  readonly running: Map<string, Tensor>;
  /** Channels of the first stage (64 in the paper). */
  readonly width: number;
  /** Input channels. */
  readonly inChannels: number;
  readonly #convs: Map<string, ConvSpec>;

  private constructor(
    params: ParameterSet,
    running: Map<string, Tensor>,
    o: Required<ResNet18Options>,
    convs: ConvSpec[],
  ) {
    this.params = params;
    this.running = running;
    this.width = o.width;
    this.inChannels = o.inChannels;
    this.#convs = new Map(convs.map((c) => [c.name, c]));
  }

  /** A freshly initialised trunk (the reference's init, seeded by `rng`). */
  static create(gpu: Gpu, rng: Rng, options: ResNet18Options): ResNet18 {
    const o = { width: 64, ...options };
    const { convs, bns } = layout(o.inChannels, o.width);
    const specs: ParameterSpec[] = [];
    for (const c of convs) {
      const shape = [c.cout, c.cin, c.k, c.k];
      specs.push({ name: `${c.name}.weight`, shape, data: kaimingNormalFanOut(rng, shape) });
    }
    for (const [name, C] of bns) {
      specs.push({ name: `${name}.weight`, shape: [C], data: new Float32Array(C).fill(1) });
      specs.push({ name: `${name}.bias`, shape: [C], data: new Float32Array(C) });
    }
    const running = new Map<string, Tensor>();
    for (const [name, C] of bns) {
      const init = new Float32Array(2 * C);
      init.fill(1, C); // running_var starts at 1
      running.set(name, Tensor.from(gpu, init, [2, C]).persist());
    }
    return new ResNet18(ParameterSet.create(gpu, specs), running, o, convs);
  }

  /** Output channels (the feature size D after pooling). */
  get features(): number {
    return this.width * 8;
  }

  #conv(x: Tensor, name: string): Tensor {
    const c = this.#convs.get(name)!;
    return conv2d(x, this.params.get(`${name}.weight`), { stride: c.stride, padding: c.pad });
  }

  /** Batch norm, then `residual` added and the ReLU when asked (both fused). */
  #bn(x: Tensor, name: string, training: boolean, relu = false, residual?: Tensor): Tensor {
    const p = (n: string) => this.params.get(`${name}.${n}`);
    const running = this.running.get(name)!;
    return batchNorm(x, p("weight"), p("bias"), running, { training, relu, residual });
  }

  /** x [B, inChannels, H, W] -> feature map [B, 8*width, H/32, W/32] (rounded up). */
  forward(x: Tensor, training: boolean): Tensor {
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) {
      throw new Error(`ResNet18 input: expected [B,${this.inChannels},H,W], got [${x.shape}]`);
    }
    let h = this.#bn(this.#conv(x, "conv1"), "bn1", training, true);
    h = maxpool2d(h, { kernel: 3, stride: 2, padding: 1 });
    for (let stage = 1; stage <= 4; stage++) {
      for (let b = 0; b < 2; b++) {
        const p = `layer${stage}.${b}`;
        const main = this.#bn(this.#conv(h, `${p}.conv1`), `${p}.bn1`, training, true);
        const shortcut = this.#convs.has(`${p}.downsample.0`)
          ? this.#bn(this.#conv(h, `${p}.downsample.0`), `${p}.downsample.1`, training)
          : h;
        // relu(bn2(conv2(main)) + shortcut), the sum and ReLU fused into the batch norm
        h = this.#bn(this.#conv(main, `${p}.conv2`), `${p}.bn2`, training, true, shortcut);
      }
    }
    return h;
  }

  /** Free the GPU memory. */
  destroy(): void {
    this.params.destroy();
    for (const t of this.running.values()) t.dispose();
  }
}
