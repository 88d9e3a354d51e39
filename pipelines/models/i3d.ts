/**
 * I3D (Inflated Inception-v1) as the public pytorch-i3d port builds it, up to Mixed_5c:
 * Unit3D = conv3d without bias, with TensorFlow "same" padding computed per input size, then
 * BatchNorm3d (eps 0.001, momentum 0.01) and ReLU (fused into the batch norm kernels); stem Conv3d_1a_7x7 (7x7x7, stride 2),
 * MaxPool3d_2a_3x3 (1x3x3, stride 1x2x2), Conv3d_2b_1x1, Conv3d_2c_3x3, MaxPool3d_3a_3x3,
 * Mixed_3b/3c, MaxPool3d_4a_3x3 (3x3x3, stride 2), Mixed_4b..4f, MaxPool3d_5a_2x2 (2x2x2,
 * stride 2), Mixed_5b/5c; the pools pad with zeros ("same"), as the port's MaxPool3dSamePadding.
 * An Inception block concatenates b0 (1x1x1), b1a -> b1b (1x1x1 -> 3x3x3), b2a -> b2b and
 * b3a (3x3x3 max pool, stride 1) -> b3b (1x1x1). Output: [B, 1024, T/8, H/32, W/32].
 * Parameter and BN names are the port's (e.g. Mixed_4b.b1b.conv3d.weight, Mixed_4b.b1b.bn.bias),
 * so its checkpoints load one to one (pipelines/models/pretrained.ts).
 * `width` scales every channel count by width/64 (64 = the real I3D) for small test models.
 * Init: PyTorch's defaults for a freshly built port (conv U(+-1/sqrt(fan_in)), BN 1 and 0).
 */
import { ParameterSet, type ParameterSpec } from "../../kernels/optim/parameters.ts";
import { type Rng, torchDefaultUniform } from "../../kernels/init/init.ts";
import { Tensor } from "../../kernels/tensor.ts";
import type { Gpu } from "../../kernels/runtime/gpu.ts";
import { conv3d } from "../../kernels/conv3d/conv3d.ts";
import { batchNorm } from "../../kernels/batchnorm/batchnorm.ts";
import { maxpool3d } from "../../kernels/pool/pool3d.ts";
import { concatChannels } from "../../kernels/layout/layout.ts";

type Triple = [number, number, number];

/** Options of an I3D trunk. */
export interface I3DOptions {
  /** Input channels (3 for RGB, 2 for flow, 1 for depth). */
  inChannels: number;
  /** 64 = the real I3D; other widths scale all channel counts by width / 64. */
  width?: number;
}

interface Unit {
  name: string;
  cin: number;
  cout: number;
  kernel: Triple;
  stride: Triple;
}

/** The Inception blocks: name, then output channels of b0, b1a, b1b, b2a, b2b, b3b. */
const MIXED: [string, number[]][] = [
  ["Mixed_3b", [64, 96, 128, 16, 32, 32]],
  ["Mixed_3c", [128, 128, 192, 32, 96, 64]],
  ["Mixed_4b", [192, 96, 208, 16, 48, 64]],
  ["Mixed_4c", [160, 112, 224, 24, 64, 64]],
  ["Mixed_4d", [128, 128, 256, 24, 64, 64]],
  ["Mixed_4e", [112, 144, 288, 32, 64, 64]],
  ["Mixed_4f", [256, 160, 320, 32, 128, 128]],
  ["Mixed_5b", [256, 160, 320, 32, 128, 128]],
  ["Mixed_5c", [384, 192, 384, 48, 128, 128]],
];

/** Max pools before some blocks: [name, kernel, stride]. */
const POOLS: Record<string, [string, Triple, Triple]> = {
  Mixed_3b: ["MaxPool3d_3a_3x3", [1, 3, 3], [1, 2, 2]],
  Mixed_4b: ["MaxPool3d_4a_3x3", [3, 3, 3], [2, 2, 2]],
  Mixed_5b: ["MaxPool3d_5a_2x2", [2, 2, 2], [2, 2, 2]],
};

const ONE: Triple = [1, 1, 1], THREE: Triple = [3, 3, 3];

function layout(inChannels: number, width: number): Unit[] {
  const ch = (c: number) => {
    const v = c * width / 64;
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`I3D width ${width}: ${c} channels do not scale to a whole number`);
    }
    return v;
  };
  const units: Unit[] = [
    { name: "Conv3d_1a_7x7", cin: inChannels, cout: ch(64), kernel: [7, 7, 7], stride: [2, 2, 2] },
    { name: "Conv3d_2b_1x1", cin: ch(64), cout: ch(64), kernel: ONE, stride: ONE },
    { name: "Conv3d_2c_3x3", cin: ch(64), cout: ch(192), kernel: THREE, stride: ONE },
  ];
  let cin = ch(192);
  for (const [name, raw] of MIXED) {
    const o = raw.map(ch);
    const unit = (b: string, from: number, to: number, kernel: Triple) =>
      units.push({ name: `${name}.${b}`, cin: from, cout: to, kernel, stride: ONE });
    unit("b0", cin, o[0], ONE);
    unit("b1a", cin, o[1], ONE);
    unit("b1b", o[1], o[2], THREE);
    unit("b2a", cin, o[3], ONE);
    unit("b2b", o[3], o[4], THREE);
    unit("b3b", cin, o[5], ONE);
    cin = o[0] + o[2] + o[4] + o[5];
  }
  return units;
}

/** An I3D trunk: parameters in one arena, BN running statistics beside them. */
export class I3D {
  /** The parameters, under pytorch-i3d's names. */
  readonly params: ParameterSet;
  /** BN name (e.g. "Mixed_3b.b0.bn") -> [2, C] running mean then running variance. */
  readonly running: Map<string, Tensor>;
  /** Input channels. */
  readonly inChannels: number;
  /** Feature size (1024 at full width). */
  readonly features: number;
  readonly #units: Map<string, Unit>;

  private constructor(
    params: ParameterSet,
    running: Map<string, Tensor>,
    inChannels: number,
    units: Unit[],
  ) {
    this.params = params;
    this.running = running;
    this.inChannels = inChannels;
    this.#units = new Map(units.map((u) => [u.name, u]));
    const last = MIXED.at(-1)![0], out = (b: string) => this.#units.get(`${last}.${b}`)!.cout;
    this.features = out("b0") + out("b1b") + out("b2b") + out("b3b");
  }

  /** A freshly initialised trunk, seeded by `rng`. */
  static create(gpu: Gpu, rng: Rng, options: I3DOptions): I3D {
    const units = layout(options.inChannels, options.width ?? 64);
    const specs: ParameterSpec[] = [];
    for (const u of units) {
      const shape = [u.cout, u.cin, ...u.kernel];
      specs.push({ name: `${u.name}.conv3d.weight`, shape, data: torchDefaultUniform(rng, shape) });
      specs.push({
        name: `${u.name}.bn.weight`,
        shape: [u.cout],
        data: new Float32Array(u.cout).fill(1),
      });
      specs.push({ name: `${u.name}.bn.bias`, shape: [u.cout], data: new Float32Array(u.cout) });
    }
    const running = new Map<string, Tensor>();
    for (const u of units) {
      const init = new Float32Array(2 * u.cout).fill(1, u.cout);
      running.set(`${u.name}.bn`, Tensor.from(gpu, init, [2, u.cout]).persist());
    }
    return new I3D(ParameterSet.create(gpu, specs), running, options.inChannels, units);
  }

  #unit(x: Tensor, name: string, training: boolean): Tensor {
    const u = this.#units.get(name)!;
    const y = conv3d(x, this.params.get(`${name}.conv3d.weight`), {
      stride: u.stride,
      padding: "same",
    });
    const p = (n: string) => this.params.get(`${name}.bn.${n}`);
    return batchNorm(y, p("weight"), p("bias"), this.running.get(`${name}.bn`)!, {
      training,
      eps: 1e-3,
      momentum: 0.01,
      relu: true,
    });
  }

  /** One Inception block by name (e.g. "Mixed_3b") on its input [B, C, T, H, W]. */
  mixed(x: Tensor, name: string, training: boolean): Tensor {
    const u = (b: string, h: Tensor) => this.#unit(h, `${name}.${b}`, training);
    const pooled = maxpool3d(x, { kernel: 3, stride: 1, padding: "same", zeroPad: true });
    return concatChannels([
      u("b0", x),
      u("b1b", u("b1a", x)),
      u("b2b", u("b2a", x)),
      u("b3b", pooled),
    ]);
  }

  /** x [B, inChannels, T, H, W] -> feature map [B, features, ~T/8, ~H/32, ~W/32]. */
  forward(x: Tensor, training: boolean): Tensor {
    if (x.shape.length !== 5 || x.shape[1] !== this.inChannels) {
      throw new Error(`I3D input: expected [B,${this.inChannels},T,H,W], got [${x.shape}]`);
    }
    const pool = (h: Tensor, kernel: Triple, stride: Triple) =>
      maxpool3d(h, { kernel, stride, padding: "same", zeroPad: true });
    let h = this.#unit(x, "Conv3d_1a_7x7", training);
    h = pool(h, [1, 3, 3], [1, 2, 2]); // MaxPool3d_2a_3x3
    h = this.#unit(h, "Conv3d_2b_1x1", training);
    h = this.#unit(h, "Conv3d_2c_3x3", training);
    for (const [name] of MIXED) {
      if (POOLS[name]) h = pool(h, POOLS[name][1], POOLS[name][2]);
      h = this.mixed(h, name, training);
    }
    return h;
  }

  /** Free the GPU memory. */
  destroy(): void {
    this.params.destroy();
    for (const t of this.running.values()) t.dispose();
  }
}
