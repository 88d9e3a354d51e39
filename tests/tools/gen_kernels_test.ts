import { generatedKernels } from "../../tools/gen_kernels.ts";

Deno.test("generated kernels on disk match tools/gen_kernels.ts (run `deno task gen`)", async () => {
  for (const [file, code] of Object.entries(generatedKernels())) {
    const onDisk = await Deno.readTextFile(new URL(`../../kernels/${file}`, import.meta.url));
    if (onDisk !== code) throw new Error(`kernels/${file} is stale: run deno task gen`);
  }
});
