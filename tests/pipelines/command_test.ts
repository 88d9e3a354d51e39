import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { parseArgs } from "node:util";
import { describeFailure, docComment } from "../../pipelines/command.ts";
import { thrown } from "../_helpers.ts";

const root = new URL("../../", import.meta.url);

/** Run a script of the project with Deno; its exit status, stdout and stderr. */
async function run(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: root,
    env: { XDG_RUNTIME_DIR: Deno.env.get("XDG_RUNTIME_DIR") ?? "/tmp", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("docComment takes a file's first doc comment without its margins", () => {
  const src =
    "// not this\n/**\n * Usage: x [--y]\n *\n *   indented\n */\nconst a = 1;\n/** later */";
  assertEquals(docComment(src), "Usage: x [--y]\n\n  indented");
  assertEquals(docComment("const a = 1;"), "");
});

Deno.test("describeFailure: a bad command line gets the usage and status 2, others status 1", () => {
  const usage = "tool [--n N]";
  const parse = (args: string[]) =>
    parseArgs({ args, options: { n: { type: "string" } }, strict: true });
  let e: unknown = null;
  try {
    parse(["--bogus"]);
  } catch (err) {
    e = err;
  }
  const bad = describeFailure(e, usage, false);
  assertEquals(bad.status, 2);
  assertEquals(bad.text, `error: Unknown option '--bogus'\n\n${usage}`);
  assert(thrown(() => parse(["--n"])).includes("argument missing"));

  const other = describeFailure(new Error("data/x.wav: missing"), usage, false);
  assertEquals(other, { text: "error: data/x.wav: missing", status: 1 });
  const debug = describeFailure(new Error("boom"), usage, true);
  assert(debug.text.startsWith("error: boom\n\nError: boom\n    at "), debug.text);
  assertEquals(describeFailure("a string", usage, false).text, "error: a string");
});

Deno.test("entry scripts: --help prints the usage, bad input one line and no stack", async () => {
  const help = await run("pipelines/av_digits.ts", ["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.includes("deno task train:avdigits"), help.stdout);
  assert(help.stdout.includes("--resume RUN_DIR"), help.stdout);

  const bogus = await run("pipelines/av_digits.ts", ["--bogus"]);
  assertEquals(bogus.code, 2);
  assert(bogus.stderr.startsWith("error: Unknown option '--bogus'\n"), bogus.stderr);
  assert(!bogus.stderr.includes("Uncaught") && !bogus.stderr.includes("    at "), bogus.stderr);

  const missing = `/tmp/mmboost-no-such-folder-${crypto.randomUUID()}`;
  const crema = await run("pipelines/crema.ts", ["--data", missing]);
  assertEquals(crema.code, 1);
  assert(crema.stderr.endsWith(`error: --data ${missing}: no such folder\n`), crema.stderr);
  assertEquals(await Deno.stat(missing).catch(() => null), null); // nothing created there

  const report = await run("pipelines/report.ts", []);
  assertEquals(report.code, 1);
  assertEquals(report.stderr, "error: no run folders given (--help for the usage)\n");
});
