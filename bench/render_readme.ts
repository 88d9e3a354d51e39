/**
 * Renders the tables of README.md and bench/README.md from the committed results
 * (bench/results/*.json) and the variant registry. Each table sits between
 *   <!-- render: KIND FILE... -->  and  <!-- /render -->
 * and is replaced whole; the prose around it is kept. KIND: kernels, step, data, sources,
 * avdigits (FILEs under bench/results/), variants, config, datakeys or ops (none).
 *
 *   deno task bench:readme            rewrite both files
 *   deno task bench:readme --check    exit 1 when a file is not what rendering gives (the test)
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { command } from "../pipelines/command.ts";
import {
  avDigitsTable,
  configTable,
  dataKeysTable,
  dataTable,
  kernelTable,
  opsTable,
  sourcesTable,
  stepTable,
  variantTable,
} from "./tables.ts";

await command(import.meta.url);

const { values } = parseArgs({ args: Deno.args, options: { check: { type: "boolean" } } });
const ROOT = new URL("..", import.meta.url).pathname;
/**
 * The rendered documents. deno.json leaves them out of deno fmt: its column padding would double
 * the size of their generated tables.
 */
const DOCS = ["README.md", "bench/README.md", "docs/data.md", "docs/config.md"];
const BLOCK = /<!-- render: ([^>]*?) -->\n[\s\S]*?<!-- \/render -->/g;

// deno-lint-ignore no-explicit-any
async function results(file: string): Promise<any> {
  const path = join(ROOT, "bench", "results", file);
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** The Markdown of one block. */
async function block(spec: string, doc: string): Promise<string> {
  const [kind, ...files] = spec.trim().split(/\s+/);
  const one = async () => {
    if (files.length !== 1) throw new Error(`${doc}: "render: ${spec}" takes one results file`);
    return await results(files[0]);
  };
  switch (kind) {
    case "kernels":
      return kernelTable(await one());
    case "step":
      return stepTable(await Promise.all(files.map(results)));
    case "data":
      return dataTable(await one());
    case "sources":
      return sourcesTable(await one());
    case "avdigits":
      return avDigitsTable(await Promise.all(files.map(results)));
    case "variants":
      return variantTable();
    case "config":
      return configTable();
    case "datakeys":
      return dataKeysTable();
    case "ops":
      return await opsTable(ROOT);
  }
  throw new Error(`${doc}: unknown block "render: ${spec}"`);
}

let stale = 0;
for (const doc of DOCS) {
  const path = join(ROOT, doc);
  const text = await Deno.readTextFile(path);
  const specs = [...text.matchAll(BLOCK)].map((m) => m[1]);
  const blocks = await Promise.all(specs.map((s) => block(s, doc)));
  let i = 0;
  const filled = text.replace(
    BLOCK,
    (_, spec) => `<!-- render: ${spec} -->\n\n${blocks[i++]}\n\n<!-- /render -->`,
  );
  if (filled === text) continue;
  if (values.check) {
    console.log(`${doc}: its tables are not what bench/results/ gives (deno task bench:readme)`);
    stale++;
  } else {
    await Deno.writeTextFile(path, filled);
    console.log(`${doc}: ${specs.length} tables rendered`);
  }
}
Deno.exit(stale ? 1 : 0);
