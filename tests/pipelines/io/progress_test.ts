/** The progress line: in place on a terminal, below the sweep's header where one is set. */
import assert from "node:assert/strict";
import { formatSeconds, Progress, setProgressHeader } from "../../../pipelines/io/progress.ts";

Deno.test("progress: a header sits above the line while it runs; at the end only the line stays", () => {
  const out: string[] = [];
  setProgressHeader("sweep 2/4: aug seed 1 started");
  try {
    const p = new Progress("epoch 1/1", 10, true, (t) => out.push(t));
    p.tick(5);
    p.tick(5);
  } finally {
    setProgressHeader(null);
  }
  // first draw: header, newline, line; the next goes one line up first; the last replaces both
  const shown = out.map((t) => t.replaceAll("\x1b", "ESC"));
  assert.match(shown[0], /^\rsweep 2\/4: aug seed 1 startedESC\[K\nepoch 1\/1 5\/10 \(50%\)/);
  assert.match(shown[1], /^ESC\[1A\repoch 1\/1 10\/10 \(100%\).*ESC\[K\nESC\[K$/);
  assert.equal(out.length, 2);
});

Deno.test("progress: without a header one line in place; off a terminal no header either", () => {
  const tty: string[] = [], plain: string[] = [];
  const a = new Progress("x", 2, true, (t) => tty.push(t));
  a.tick(1);
  a.tick(1);
  assert.match(tty[0], /^\rx 1\/2 \(50%\)/);
  assert.match(tty[1], /^\rx 2\/2 \(100%\).*\n$/);
  setProgressHeader("sweep");
  try {
    const b = new Progress("y", 2, false, (t) => plain.push(t));
    b.tick(2);
  } finally {
    setProgressHeader(null);
  }
  assert.deepEqual(plain, [], "a file gets a line at most every 10 s, and never the header");
  assert.equal(formatSeconds(3725), "1h02m");
});
