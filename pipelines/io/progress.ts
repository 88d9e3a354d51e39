/**
 * A progress line with rate and ETA: rewritten in place on a terminal; in a file or CI log a
 * plain line at most every 10 s (the trainer prints a summary line per epoch anyway).
 */
export class Progress {
  #total: number;
  #label: string;
  #start = performance.now();
  #done = 0;
  #lastPrinted = performance.now();
  #tty: boolean;

  constructor(label: string, total: number, tty = Deno.stderr.isTerminal()) {
    this.#label = label;
    this.#total = total;
    this.#tty = tty;
  }

  /** Record `n` more samples done; prints when due. Returns the line (for tests). */
  tick(n: number): string {
    this.#done += n;
    const secs = (performance.now() - this.#start) / 1000;
    const rate = this.#done / Math.max(secs, 1e-9);
    const eta = (this.#total - this.#done) / Math.max(rate, 1e-9);
    const pct = Math.floor((100 * this.#done) / this.#total);
    const line = `${this.#label} ${this.#done}/${this.#total} (${pct}%) ${
      rate.toFixed(1)
    } samples/s ETA ${formatSeconds(eta)}`;
    const text = new TextEncoder();
    if (this.#tty) {
      Deno.stderr.writeSync(text.encode(`\r${line}\x1b[K${this.#done >= this.#total ? "\n" : ""}`));
    } else if (performance.now() - this.#lastPrinted > 10_000 && this.#done < this.#total) {
      this.#lastPrinted = performance.now();
      Deno.stderr.writeSync(text.encode(line + "\n"));
    }
    return line;
  }
}

/** 75 -> "1m15s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h
    ? `${h}h${String(m).padStart(2, "0")}m`
    : m
    ? `${m}m${String(sec).padStart(2, "0")}s`
    : `${sec}s`;
}
