/**
 * A progress line with rate and ETA: rewritten in place on a terminal (below a header line where
 * one is set); in a file or CI log a plain line at most every 10 s (the trainer prints a summary
 * line per epoch anyway).
 */
export class Progress {
  #total: number;
  #label: string;
  #start = performance.now();
  #done = 0;
  #lastPrinted = performance.now();
  #tty: boolean;
  #drawn = false;
  #write: (text: string) => unknown;

  /** `total` samples under `label`, written to `write` (stderr), redrawn in place when `tty`. */
  constructor(
    label: string,
    total: number,
    tty = Deno.stderr.isTerminal(),
    write: (text: string) => unknown = (text) =>
      Deno.stderr.writeSync(new TextEncoder().encode(text)),
  ) {
    this.#label = label;
    this.#total = total;
    this.#tty = tty;
    this.#write = write;
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
    const end = this.#done >= this.#total;
    if (this.#tty && header !== null) {
      // two lines, the header above: redrawn in place; at the end only the run's line stays
      const up = this.#drawn ? "\x1b[1A\r" : "\r";
      this.#drawn = !end;
      this.#write(end ? `${up}${line}\x1b[K\n\x1b[K` : `${up}${header}\x1b[K\n${line}\x1b[K`);
    } else if (this.#tty) {
      this.#write(`\r${line}\x1b[K${end ? "\n" : ""}`);
    } else if (performance.now() - this.#lastPrinted > 10_000 && this.#done < this.#total) {
      this.#lastPrinted = performance.now();
      this.#write(line + "\n");
    }
    return line;
  }
}

let header: string | null = null;

/**
 * A line drawn above every progress line on a terminal (a sweep's runs done and ETA), or none;
 * in a file or CI log it is not repeated (its owner prints it once).
 */
export function setProgressHeader(line: string | null): void {
  header = line;
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
