/**
 * Where a bench result came from: the commit (with "+dirty" when the tree had changes), the date,
 * the adapter and the command line, stored with every results JSON so that a rendered table can
 * name them.
 */

/** The provenance fields every bench results file carries. */
export interface Provenance {
  /** `git rev-parse --short HEAD`, "+dirty" when tracked files differed; "unknown" outside git. */
  commit: string;
  /** The UTC date the bench ran, YYYY-MM-DD. */
  date: string;
  /** The WebGPU adapter, as `Gpu.adapterName` reports it. */
  adapter: string;
  /** The command that produced the file, as a user would type it. */
  command: string;
}

async function git(args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null; // no git on PATH
  }
}

/** The arguments without `--json FILE` (where the results went is not part of what ran). */
function withoutJson(args: string[]): string[] {
  return args.filter((a, i) =>
    a !== "--json" && args[i - 1] !== "--json" && !a.startsWith("--json=")
  );
}

/** The provenance of a run of `task` (e.g. "bench:step") with this process's arguments. */
export async function provenance(adapter: string, task: string): Promise<Provenance> {
  const commit = await git(["rev-parse", "--short", "HEAD"]);
  const dirty = await git(["status", "--porcelain", "--untracked-files=no"]);
  return {
    commit: commit === null ? "unknown" : commit + (dirty ? "+dirty" : ""),
    date: new Date().toISOString().slice(0, 10),
    adapter,
    command: ["deno task", task, ...withoutJson(Deno.args)].join(" "),
  };
}
