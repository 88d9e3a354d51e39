/**
 * The public API's examples run: every `@example` in mod.ts's JSDoc (read with `deno doc
 * --json`) is type-checked and run as its own program, importing the package by its name; the
 * main exports must each have one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
/** The exports a newcomer starts from: each needs a runnable example. */
const MAIN = [
  "Gpu",
  "Tensor",
  "Scope",
  "openGpu",
  "backward",
  "conv2d",
  "AugModel",
  "train",
  "setKey",
  "writeSafetensors",
];

interface JsDoc {
  tags?: { kind: string; doc?: string }[];
}
interface DocModule {
  module_doc?: JsDoc;
  symbols: { name: string; declarations: { jsDoc?: JsDoc }[] }[];
}

async function deno(args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder();
  return { ok: r.success, out: text.decode(r.stdout) + text.decode(r.stderr) };
}

/** Every example of mod.ts's exports (and of the module), with the symbol it documents. */
async function examples(): Promise<{ name: string; code: string }[]> {
  const doc = await deno(["doc", "--json", "mod.ts"]);
  assert.ok(doc.ok, doc.out);
  const modules = Object.values(JSON.parse(doc.out).nodes as Record<string, DocModule>);
  const docs = modules.flatMap((m) => [
    { name: "module", jsDoc: m.module_doc },
    ...m.symbols.flatMap((s) => s.declarations.map((d) => ({ name: s.name, jsDoc: d.jsDoc }))),
  ]);
  return docs.flatMap(({ name, jsDoc }) =>
    (jsDoc?.tags ?? []).filter((t) => t.kind === "example").map((t, i) => {
      const code = /```ts\n([\s\S]*?)```/.exec(t.doc ?? "")?.[1];
      assert.ok(code, `${name}: an @example without a ts block`);
      return { name: `${name}_${i}`, code };
    })
  );
}

Deno.test("every public export has JSDoc and names no private type (deno doc --lint)", async () => {
  const lint = await deno(["doc", "--lint", "mod.ts"]);
  assert.ok(lint.ok, lint.out);
});

Deno.test("every main export has an example, and every example type-checks and runs", async () => {
  const all = await examples();
  for (const m of MAIN) assert.ok(all.some((e) => e.name.startsWith(`${m}_`)), `${m}: no @example`);
  const dir = join(ROOT, "tests", ".examples");
  await Deno.mkdir(dir, { recursive: true });
  try {
    const files = [];
    for (const e of all) {
      const file = join(dir, `${e.name}.ts`);
      await Deno.writeTextFile(file, e.code);
      files.push(file);
    }
    const check = await deno(["check", ...files]);
    assert.ok(check.ok, `the examples do not type-check:\n${check.out}`);
    for (const file of files) {
      const run = await deno(["run", "-A", "--no-check", file]);
      assert.ok(run.ok, `${file} failed:\n${run.out}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
