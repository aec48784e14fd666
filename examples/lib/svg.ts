/** A dependency-free SVG line chart for loss curves (examples only). */
export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

export function lineChart(
  series: readonly Series[],
  options: { title: string; xLabel: string; yLabel: string; logY?: boolean },
): string {
  const [w, h, left, right, top, bottom] = [640, 360, 64, 16, 36, 48];
  const transform = (v: number) => (options.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = series.flatMap((s) => s.values.map(transform)).filter(Number.isFinite);
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  const span = hi - lo || 1;
  const n = Math.max(...series.map((s) => s.values.length));
  const x = (i: number) => left + ((w - left - right) * i) / Math.max(1, n - 1);
  const y = (v: number) => top + (h - top - bottom) * (1 - (transform(v) - lo) / span);
  const ticks = Array.from({ length: 5 }, (_, k) => lo + (span * k) / 4);
  const fmt = (t: number) => (options.logY ? `1e${t.toFixed(1)}` : t.toPrecision(3));
  const lines = series.map((s, k) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const color = COLORS[k % COLORS.length];
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>` +
      `<text x="${w - right - 8}" y="${top + 16 * (k + 1)}" text-anchor="end" fill="${color}" font-size="12">${s.name}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${options.title}</text>`,
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="black"/>`,
    ...ticks.map(
      (t) =>
        `<text x="${left - 6}" y="${(top + (h - top - bottom) * (1 - (t - lo) / span) + 4).toFixed(1)}" text-anchor="end" font-size="10">${fmt(t)}</text>`,
    ),
    `<text x="${w / 2}" y="${h - 12}" text-anchor="middle" font-size="12">${options.xLabel}</text>`,
    `<text x="16" y="${h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${h / 2})">${options.yLabel}</text>`,
    ...lines,
    `</svg>`,
  ].join("\n");
}
