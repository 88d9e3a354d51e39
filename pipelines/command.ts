/**
 * What every entry script (train:*, demo, report, the benches) does first: `--help` / `-h`
 * prints its usage, and a failure ends the process with one readable line instead of a stack
 * trace: `error: <message>` and exit status 1, or for a bad command line (an unknown option, a
 * missing value) the usage too and status 2. MMBOOST_DEBUG=1 prints the stack as well; a bad
 * MMBOOST_* value (pipelines/env.ts) ends it at once with status 2.
 */
import { envOptions } from "./env.ts";

/** parseArgs's errors about the command line itself (node:util error codes). */
const USAGE_ERRORS = /^ERR_PARSE_ARGS_|^ERR_INVALID_ARG_VALUE$/;

/** The message, exit status and stack to print for an uncaught failure. */
export function describeFailure(
  e: unknown,
  usage: string,
  debug: boolean,
): { text: string; status: number } {
  const error = e instanceof Error ? e : new Error(String(e));
  const code = (error as { code?: unknown }).code;
  const badCommand = typeof code === "string" && USAGE_ERRORS.test(code);
  const lines = [`error: ${error.message}`];
  if (badCommand) lines.push("", usage);
  if (debug && error.stack) lines.push("", error.stack);
  return { text: lines.join("\n"), status: badCommand ? 2 : 1 };
}

/** The text of a source file's first doc comment, without its `*` margins. */
export function docComment(source: string): string {
  const m = source.match(/\/\*\*([\s\S]*?)\*\//);
  if (!m) return "";
  return m[1].split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n").trim();
}

/**
 * The entry script at `moduleUrl` (its `import.meta.url`) starts: its doc comment (plus
 * `extra`) is its usage, printed on `--help` / `-h` (then exit 0); uncaught errors and rejections
 * (top-level await included) end the process as `describeFailure` says.
 */
export async function command(
  moduleUrl: string,
  extra = "",
  args: readonly string[] = Deno.args,
): Promise<void> {
  const doc = docComment(await Deno.readTextFile(new URL(moduleUrl)));
  const usage = extra ? `${doc}\n\n${extra}` : doc;
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    Deno.exit(0);
  }
  let debug = false;
  try {
    debug = envOptions().debug; // a bad MMBOOST_* value stops here, before any work
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(2);
  }
  const fail = (e: unknown) => {
    const { text, status } = describeFailure(e, usage, debug);
    console.error(text);
    Deno.exit(status);
  };
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    fail(e.error);
  });
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    fail(e.reason);
  });
}
