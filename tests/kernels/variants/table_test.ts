import { gpuTest } from "../../_helpers.ts";
import { Autotuner } from "../../../kernels/variants/autotune.ts";
import { fingerprint, type TiledKernel } from "../../../kernels/variants/table.ts";
import { pick, variantPolicy } from "../../../kernels/variants/policy.ts";

const kernel = (name: string, code: string): TiledKernel => ({
  kernel: { name, code },
  rows: 64,
  cols: 64,
});
const table = (wide: string, cpu = "// cpu v1") => ({
  cpu: kernel("k", cpu),
  gpu: kernel("k_gpu", "// gpu v1"),
  wide: kernel("k_wide", wide),
});

Deno.test("a fingerprint covers the variants it is given, and only those", () => {
  const a = table("// wide v1"), b = table("// wide v2"), c = table("// wide v1", "// cpu v2");
  if (fingerprint(a) === fingerprint(b)) throw new Error("a changed kernel kept the fingerprint");
  if (fingerprint(a, ["cpu", "gpu"]) !== fingerprint(b, ["cpu", "gpu"])) {
    throw new Error("a change outside the given variants moved their fingerprint");
  }
  if (fingerprint(a, ["cpu", "gpu"]) === fingerprint(c, ["cpu", "gpu"])) {
    throw new Error("a change inside the given variants kept their fingerprint");
  }
  if (fingerprint(a) !== fingerprint(a, ["cpu", "gpu", "wide"])) {
    throw new Error("the default is not all of the table's variants");
  }
  if (!/^[0-9a-f]{8}$/.test(fingerprint(a, ["cpu"]))) throw new Error("not 8 hex digits");
});

gpuTest(
  "a changed kernel of a family the adapter does not tune keeps its tuned choices",
  (gpu) => {
    const policy = variantPolicy(gpu);
    const families = policy.tuneFamilies;
    try {
      policy.tuneFamilies = ["cpu", "gpu"];
      const tuner = new Autotuner("test", null);
      policy.tuner = tuner;
      const shape = { key: "1,2,3", flops: 1e12 };
      const setup = () => () => {};
      pick(gpu, "matmul_forward", shape, table("// wide v1"), "cpu", setup);
      pick(gpu, "matmul_forward", shape, table("// wide v2"), "cpu", setup); // wide is not tuned here
      if (tuner.pending !== 1) throw new Error(`pending ${tuner.pending}, want 1`);
      pick(gpu, "matmul_forward", shape, table("// wide v1", "// cpu v2"), "cpu", setup);
      if (tuner.pending as number !== 2) {
        throw new Error("a changed tuned kernel was not queued anew");
      }
    } finally {
      policy.tuner = null;
      policy.tuneFamilies = families;
    }
  },
);
