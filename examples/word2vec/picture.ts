/** A labelled 2-D scatter plot (the PCA picture of the word vectors), coloured by tag, as SVG. */

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

const escape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export interface LabelledPoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  /** The colour group (a tag); groups beyond the 7 largest are drawn grey as "other". */
  readonly group: string;
}

export function labelledScatter(
  points: readonly LabelledPoint[],
  options: { title: string; xLabel: string; yLabel: string },
): string {
  const [w, h, left, right, top, bottom] = [960, 720, 48, 120, 36, 40];
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [xLo, xHi] = [Math.min(...xs), Math.max(...xs)];
  const [yLo, yHi] = [Math.min(...ys), Math.max(...ys)];
  const px = (v: number) => left + ((w - left - right) * (v - xLo)) / (xHi - xLo || 1);
  const py = (v: number) => top + (h - top - bottom) * (1 - (v - yLo) / (yHi - yLo || 1));
  const sizes = new Map<string, number>();
  for (const p of points) sizes.set(p.group, (sizes.get(p.group) ?? 0) + 1);
  const groups = [...sizes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, COLORS.length - 1)
    .map(([g]) => g);
  const color = (g: string) => COLORS[groups.indexOf(g)] ?? "#999999";
  const legend = [...groups, "other"].map((g, k) => {
    const y = top + 10 + 18 * k;
    const c = g === "other" ? "#999999" : color(g);
    return `<circle cx="${w - right + 16}" cy="${y}" r="4" fill="${c}"/><text x="${w - right + 26}" y="${y + 4}" font-size="12">${escape(g)}</text>`;
  });
  const marks = points.map((p) => {
    const [x, y] = [px(p.x).toFixed(1), py(p.y).toFixed(1)];
    const c = color(p.group);
    return `<circle cx="${x}" cy="${y}" r="2" fill="${c}"/><text x="${x}" y="${(py(p.y) - 3).toFixed(1)}" font-size="9" text-anchor="middle" fill="${c}">${escape(p.label)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escape(options.title)}</text>`,
    `<rect x="${left}" y="${top}" width="${w - left - right}" height="${h - top - bottom}" fill="none" stroke="#cccccc"/>`,
    `<text x="${(left + w - right) / 2}" y="${h - 12}" text-anchor="middle" font-size="12">${escape(options.xLabel)}</text>`,
    `<text x="14" y="${(top + h - bottom) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(top + h - bottom) / 2})">${escape(options.yLabel)}</text>`,
    ...marks,
    ...legend,
    `</svg>`,
  ].join("\n");
}
