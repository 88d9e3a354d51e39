/**
 * The JavaScript peers on the same WebGPU adapter: TensorFlow.js's WebGPU backend and jax-js.
 * Each peer exposes the same three operations as our kernels (matmul, conv2d forward, conv2d
 * backward = input and weight gradients) plus a sync, so the bench times all alike: enqueue k
 * operations, wait once. Inputs are random; each peer uses its native layout (tfjs NHWC, jax-js
 * NCHW), which does not change the FLOP count.
 */

/** A conv2d problem: input [B, Ci, H, W], filters [Co, Ci, K, K], stride, padding. */
export interface ConvCase {
  B: number;
  Ci: number;
  H: number;
  Co: number;
  K: number;
  stride: number;
  pad: number;
}

/** Prepared operations of one library for one problem; `run` enqueues, `sync` waits. */
export interface Prepared {
  run(): void;
  sync(): Promise<void>;
  dispose(): void;
}

/** A peer library. */
export interface Peer {
  name: string;
  matmul(n: number): Prepared;
  convForward(c: ConvCase): Prepared;
  convBackward(c: ConvCase): Prepared;
}

function rand(n: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.random() - 0.5;
  return out;
}

export function outSize(c: ConvCase): number {
  return Math.floor((c.H + 2 * c.pad - c.K) / c.stride) + 1;
}

/** TensorFlow.js with its WebGPU backend. */
export async function tfjsPeer(): Promise<Peer> {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs: the webgpu backend did not start");
  await tf.ready();
  // Waiting: read one element of the newest output. tfjs runs its queue in order, so this
  // waits for everything enqueued before, and moves 4 bytes.
  // deno-lint-ignore no-explicit-any
  const prepared = (inputs: any[], op: () => any[]): Prepared => {
    // deno-lint-ignore no-explicit-any
    let last: any[] = [];
    return {
      run() {
        for (const t of last) t.dispose();
        last = op();
      },
      async sync() {
        if (last.length === 0) return;
        const probe = tf.slice(tf.reshape(last[last.length - 1], [-1]), 0, 1);
        await probe.data();
        probe.dispose();
      },
      dispose() {
        for (const t of [...last, ...inputs]) t.dispose();
      },
    };
  };
  const pad = (c: ConvCase) =>
    [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] as [
      [number, number],
      [number, number],
      [number, number],
      [number, number],
    ];
  return {
    name: "tfjs-webgpu",
    matmul(n) {
      const a = tf.tensor2d(rand(n * n), [n, n]), b = tf.tensor2d(rand(n * n), [n, n]);
      return prepared([a, b], () => [tf.matMul(a, b)]);
    },
    convForward(c) {
      const x = tf.tensor4d(rand(c.B * c.H * c.H * c.Ci), [c.B, c.H, c.H, c.Ci]);
      const w = tf.tensor4d(rand(c.K * c.K * c.Ci * c.Co), [c.K, c.K, c.Ci, c.Co]);
      return prepared([x, w], () => [tf.conv2d(x, w, c.stride, pad(c))]);
    },
    convBackward(c) {
      const O = outSize(c);
      const x = tf.tensor4d(rand(c.B * c.H * c.H * c.Ci), [c.B, c.H, c.H, c.Ci]);
      const w = tf.tensor4d(rand(c.K * c.K * c.Ci * c.Co), [c.K, c.K, c.Ci, c.Co]);
      const dy = tf.tensor4d(rand(c.B * O * O * c.Co), [c.B, O, O, c.Co]);
      const attrs = { strides: c.stride, pad: pad(c), dataFormat: "NHWC" };
      return prepared([x, w, dy], () => [
        tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
          ...attrs,
          inputShape: x.shape,
        }) as unknown,
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
          ...attrs,
          filterShape: w.shape,
        }) as unknown,
      ]);
    },
  };
}

/** jax-js on its WebGPU device, with jit-compiled functions. */
export async function jaxPeer(): Promise<Peer> {
  const jax = await import("@jax-js/jax");
  const devices = await jax.init();
  if (!devices.includes("webgpu")) throw new Error(`jax-js: no webgpu device (have ${devices})`);
  jax.defaultDevice("webgpu");
  const np = jax.numpy;
  type Arr = InstanceType<typeof np.Array>;
  const arr = (n: number, shape: number[]) => np.array(rand(n)).reshape(shape);
  const prepared = (inputs: Arr[], op: () => Arr[]): Prepared => {
    let pending: Arr[] = [];
    return {
      run() {
        pending.push(...op());
      },
      async sync() {
        await jax.blockUntilReady(pending);
        for (const t of pending) t.dispose();
        pending = [];
      },
      dispose() {
        for (const t of inputs) t.dispose();
      },
    };
  };
  const conv = (c: ConvCase) => (x: Arr, w: Arr) =>
    jax.lax.convGeneralDilated(x, w, [c.stride, c.stride], [[c.pad, c.pad], [c.pad, c.pad]]);
  return {
    name: "jax-js",
    matmul(n) {
      const a = arr(n * n, [n, n]), b = arr(n * n, [n, n]);
      const f = jax.jit((x: Arr, y: Arr) => np.matmul(x, y));
      return prepared([a, b], () => [f(a.ref, b.ref)]);
    },
    convForward(c) {
      const x = arr(c.B * c.Ci * c.H * c.H, [c.B, c.Ci, c.H, c.H]);
      const w = arr(c.Co * c.Ci * c.K * c.K, [c.Co, c.Ci, c.K, c.K]);
      const f = jax.jit(conv(c));
      return prepared([x, w], () => [f(x.ref, w.ref)]);
    },
    convBackward(c) {
      const O = outSize(c);
      const x = arr(c.B * c.Ci * c.H * c.H, [c.B, c.Ci, c.H, c.H]);
      const w = arr(c.Co * c.Ci * c.K * c.K, [c.Co, c.Ci, c.K, c.K]);
      const dy = arr(c.B * c.Co * O * O, [c.B, c.Co, O, O]);
      // the VJP of the convolution, jit-compiled: both input and weight gradients
      const f = jax.jit((x: Arr, w: Arr, g: Arr) => {
        const [out, back] = jax.vjp(conv(c), [x, w]);
        out.dispose();
        return back(g) as Arr[];
      });
      return prepared([x, w, dy], () => f(x.ref, w.ref, dy.ref));
    },
  };
}
