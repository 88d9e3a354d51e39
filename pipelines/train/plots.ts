/**
 * Minimal SVG line charts for training curves (no dependencies): one chart per file, a line
 * per series, axes with a few ticks, a legend.
 */

/** A named series of (x, y) points. */
export interface Series {
  name: string;
  points: [number, number][];
  /** The line's colour (default: the palette by position). */
  color?: string;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

function ticks(lo: number, hi: number, n = 5): number[] {
  if (hi === lo) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let t = Math.ceil(lo / nice) * nice; t <= hi + 1e-12; t += nice) {
    out.push(+t.toPrecision(12));
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An SVG line chart. */
export function lineChart(
  title: string,
  xLabel: string,
  series: Series[],
  yRange?: [number, number],
): string {
  const W = 640, H = 360, L = 60, R = 150, T = 36, B = 48;
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs, 0), x1 = Math.max(...xs, 1);
  let [y0, y1] = yRange ?? [Math.min(...ys, 0), Math.max(...ys, 1e-9)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - R / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
  ];
  for (const t of ticks(x0, x1)) {
    out.push(`<text x="${sx(t)}" y="${H - B + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${L}" y1="${sy(t)}" x2="${W - R}" y2="${sy(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${sy(t) + 4}" text-anchor="end">${t}</text>`);
  }
  series.forEach((s, i) => {
    const c = s.color ?? COLORS[i % COLORS.length];
    const d = s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y], j) =>
      `${j ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`
    );
    if (d.length) out.push(`<path d="${d.join(" ")}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(
      `<line x1="${W - R + 12}" y1="${T + 10 + 18 * i}" x2="${W - R + 32}" y2="${
        T + 10 + 18 * i
      }" stroke="${c}" stroke-width="2"/>`,
    );
    out.push(`<text x="${W - R + 38}" y="${T + 14 + 18 * i}">${esc(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
