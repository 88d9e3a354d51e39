/**
 * Seeded CPU-side random numbers and PyTorch's initialisers.
 *
 * Rng is xoshiro128** (4 x u32 state, serialisable for checkpoints); normals by Box-Muller.
 * The streams differ from PyTorch's (which nobody can match bit for bit across devices); the
 * distributions are the same: xavier_normal_ std = gain * sqrt(2 / (fan_in + fan_out)),
 * kaiming_normal_(mode="fan_out", nonlinearity="relu") std = sqrt(2 / fan_out), with
 * fan_in = shape[1] * receptive field and fan_out = shape[0] * receptive field.
 */

/** A small, fast, seedable generator with a state that can be saved and restored. */
export class Rng {
  /** The generator's state (four words); save and restore it to continue a stream. */
  state: Uint32Array;

  /** A generator from a seed, or from a saved `state`. */
  constructor(seed: number | Uint32Array) {
    if (seed instanceof Uint32Array) {
      if (seed.length !== 4) throw new Error(`Rng state must be 4 u32 values, got ${seed.length}`);
      this.state = seed.slice();
    } else {
      // splitmix32 expands the seed into a state that is never all zero
      this.state = new Uint32Array(4);
      let s = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        s = (s + 0x9e3779b9) >>> 0;
        let z = s;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
        this.state[i] = (z ^ (z >>> 16)) >>> 0;
      }
    }
  }

  /** A uniform u32. */
  nextU32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** A standard normal (Box-Muller, one value per call). */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1]
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** fan_in and fan_out of a weight shape, as torch.nn.init computes them. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`fan in/out need at least 2 dims, got [${shape}]`);
  const field = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * field, fanOut: shape[0] * field };
}

function normalArray(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

/** torch.nn.init.xavier_normal_ values for `shape`. */
export function xavierNormal(rng: Rng, shape: readonly number[], gain = 1): Float32Array {
  const { fanIn, fanOut } = fans(shape);
  return normalArray(rng, shape.reduce((a, b) => a * b, 1), gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** torch.nn.init.kaiming_normal_(mode="fan_out", nonlinearity="relu") values for `shape`. */
export function kaimingNormalFanOut(rng: Rng, shape: readonly number[]): Float32Array {
  const { fanOut } = fans(shape);
  return normalArray(rng, shape.reduce((a, b) => a * b, 1), Math.sqrt(2 / fanOut));
}

/**
 * PyTorch's default Conv/Linear weight init (kaiming_uniform_ with a = sqrt(5)):
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
 */
export function torchDefaultUniform(rng: Rng, shape: readonly number[]): Float32Array {
  const bound = 1 / Math.sqrt(fans(shape).fanIn);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}
