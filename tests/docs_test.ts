/**
 * The docs stay true to the code: the rendered tables match bench/results/ and the registry,
 * every configuration key, data key and environment variable the code has is in the README
 * (and no variable it does not read), the size limits hold, and no tracked document narrates
 * past work.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG_DOCS, DEFAULT_CONFIG } from "../pipelines/train/config.ts";
import { CREMA_SETTINGS } from "../pipelines/data/cremad.ts";
import { KS_SETTINGS } from "../pipelines/data/kinetics_sounds.ts";
import { NV_SETTINGS } from "../pipelines/data/nvgesture.ts";
import { AV_DIGITS_DEFAULTS } from "../pipelines/data/av_digits.ts";
import { leafKeys } from "../bench/tables.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const read = (path: string) => Deno.readTextFileSync(join(ROOT, path));

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return { ok: r.success, out: text.decode(r.stdout) + text.decode(r.stderr) };
}

Deno.test("the docs' tables are what bench/results/ and the code give", async () => {
  const r = await run(Deno.execPath(), ["run", "-A", "bench/render_readme.ts", "--check"]);
  assert.ok(r.ok, r.out);
});

Deno.test("README.md <= 25 KB, bench/README.md <= 15 KB", () => {
  assert.ok(read("README.md").length <= 25_000, `README.md: ${read("README.md").length} bytes`);
  const bench = read("bench/README.md").length;
  assert.ok(bench <= 15_000, `bench/README.md: ${bench} bytes`);
});

Deno.test("every configuration key has its line in the README's table", () => {
  const keys = leafKeys(DEFAULT_CONFIG).map(([k]) => k).sort();
  assert.deepEqual(Object.keys(CONFIG_DOCS).sort(), keys, "CONFIG_DOCS and DEFAULT_CONFIG differ");
});

Deno.test("every data key of every dataset is in the README", () => {
  const readme = read("README.md");
  const settings = [CREMA_SETTINGS, KS_SETTINGS, NV_SETTINGS, AV_DIGITS_DEFAULTS];
  for (const [key] of settings.flatMap((s) => leafKeys(s))) {
    assert.ok(readme.includes(`\`data.${key}\``), `README.md does not name data.${key}`);
  }
});

Deno.test("the README lists every MMBOOST_* variable the code reads, and the docs no other", async () => {
  const names = (text: string) => new Set(text.match(/MMBOOST_[A-Z][A-Z_]*[A-Z]/g) ?? []);
  const read_ = names(read("pipelines/env.ts"));
  const table = names(read("README.md").split("### Environment variables")[1].split("\n## ")[0]);
  assert.deepEqual([...table].sort(), [...read_].sort(), "README's table vs pipelines/env.ts");
  const files = (await run("git", ["ls-files", "*.md", "*.sh", "*.ts"])).out.trim().split("\n");
  for (const f of files.filter((f) => f && !f.startsWith("tests/"))) {
    for (const n of names(read(f))) assert.ok(read_.has(n), `${f} names ${n}, which no code reads`);
  }
});

Deno.test("tracked documents describe the project as it is, not the work that made it", async () => {
  const files = (await run("git", ["ls-files", "*.md", "*.sh"])).out.trim().split("\n");
  for (const f of files.filter(Boolean)) {
    const m = /\bsessions?\b/i.exec(read(f));
    assert.equal(m, null, `${f}: "${m?.[0]}" (history belongs in git log and CHANGELOG.md)`);
  }
});

Deno.test("every `deno task` the README names exists", () => {
  const tasks = Object.keys(JSON.parse(read("deno.json")).tasks);
  for (const [, t] of read("README.md").matchAll(/deno task ([\w:]+)/g)) {
    assert.ok(tasks.includes(t), `README.md: deno task ${t} is not in deno.json`);
  }
});
