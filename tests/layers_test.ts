/**
 * The layer rules, read off the module graph (`deno info --json` of every entry point and test):
 * no import cycle (value or type imports); kernels/runtime/ imports nothing of the project above
 * it; kernels/ never imports pipelines/; pipelines/data/ never imports pipelines/train/; and no
 * dataset reader imports another (a reader is a pipelines/data/ file named after its dataset).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { relative } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const READERS = ["cremad", "kinetics_sounds", "nvgesture", "av_digits"];

/** Project module -> the project modules it imports (values and types), from deno info. */
async function moduleGraph(entries: string[]): Promise<Map<string, string[]>> {
  // one module importing every entry, so that one `deno info` reads the whole graph
  const all = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(
    all,
    entries.map((e) => `import ${JSON.stringify(new URL(e, `file://${ROOT}`).href)};\n`).join(""),
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", `${ROOT}deno.json`, all],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(all);
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const graph = new Map<string, string[]>();
  const local = (s: string | undefined) =>
    s?.startsWith("file://") ? relative(ROOT, fromFileUrl(s)) : null;
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  {
    for (const m of info.modules ?? []) {
      const from = local(m.specifier);
      if (!from || !from.endsWith(".ts")) continue;
      const deps = new Set<string>();
      for (const d of m.dependencies ?? []) {
        for (const r of [d.code?.specifier, d.type?.specifier]) {
          const to = local(r);
          if (to?.endsWith(".ts")) deps.add(to);
        }
      }
      graph.set(from, [...deps]);
    }
  }
  return graph;
}

/** Every project entry point and test (so that every module is in the graph). */
async function entries(): Promise<string[]> {
  const files = ["mod.ts"];
  for (const dir of ["pipelines", "bench", "tools", "tests"]) {
    const walk = async (d: string): Promise<void> => {
      for await (const e of Deno.readDir(`${ROOT}${d}`)) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory && e.name !== "fixtures") await walk(p);
        else if (e.isFile && p.endsWith(".ts")) files.push(p);
      }
    };
    await walk(dir);
  }
  return files;
}

/** The cycles of a graph (each as the path that closes it), none when it is a DAG. */
function cycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">(), found: string[][] = [], stack: string[] = [];
  const visit = (m: string) => {
    state.set(m, "open");
    stack.push(m);
    for (const d of graph.get(m) ?? []) {
      if (state.get(d) === "open") found.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(m, "done");
  };
  for (const m of [...graph.keys()].sort()) if (!state.has(m)) visit(m);
  return found;
}

/** The imports that break `rule` ("from -> to" lines). */
function breaking(graph: Map<string, string[]>, rule: (from: string, to: string) => boolean) {
  const out: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) if (rule(from, to)) out.push(`${from} -> ${to}`);
  }
  return out.sort();
}

const reader = (file: string) =>
  file.startsWith("pipelines/data/")
    ? READERS.find((r) => file.slice("pipelines/data/".length).startsWith(r)) ?? null
    : null;

Deno.test("the module graph keeps the layers: no cycle, a leaf runtime, data below train", async () => {
  const graph = await moduleGraph(await entries());
  if (graph.size < 100) throw new Error(`only ${graph.size} modules read: the graph is incomplete`);
  assertEquals(cycles(graph).map((c) => c.join(" -> ")), [], "import cycles");
  assertEquals(
    breaking(
      graph,
      (f, t) => f.startsWith("kernels/runtime/") && !t.startsWith("kernels/runtime/"),
    ),
    [],
    "kernels/runtime/ imports only itself",
  );
  assertEquals(
    breaking(graph, (f, t) => f.startsWith("kernels/") && t.startsWith("pipelines/")),
    [],
    "kernels/ never imports pipelines/",
  );
  assertEquals(
    breaking(graph, (f, t) => f.startsWith("pipelines/data/") && t.startsWith("pipelines/train/")),
    [],
    "pipelines/data/ never imports pipelines/train/",
  );
  assertEquals(
    breaking(graph, (f, t) => reader(f) !== null && reader(t) !== null && reader(f) !== reader(t)),
    [],
    "no dataset reader imports another",
  );
});

Deno.test("the cycle finder finds a cycle, and a rule names the import", () => {
  const g = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", []]]);
  assertEquals(cycles(g), [["a.ts", "b.ts", "c.ts", "a.ts"]]);
  assertEquals(breaking(g, (_f, t) => t === "a.ts"), ["c.ts -> a.ts"]);
  assertEquals(reader("pipelines/data/nvgesture_prepare.ts"), "nvgesture");
});
