/**
 * Dependency-free SVG charts for the examples and the benchmark: loss curves, (x, y) plots with
 * linear or log axes, and 2-D decision regions.
 */
export interface Series {
  readonly name: string;
  readonly values: readonly number[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

/** Short labels: 600, 0.25, 0.001, 1e-5. */
function formatTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(6)));
  return v.toExponential(0).replace("e+", "e");
}

/** Powers of ten in [lo, hi] (log10 units), with 2× and 5× steps when the range is short. */
function logTicks(lo: number, hi: number): number[] {
  const decades = Math.ceil(hi) - Math.floor(lo);
  const mantissas = decades <= 3 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(decades / 6));
  const ticks: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    if (e % every !== 0) continue;
    for (const m of mantissas) {
      const t = Math.log10(m) + e;
      if (t >= lo - 1e-9 && t <= hi + 1e-9) ticks.push(t);
    }
  }
  return ticks;
}

/**
 * Line chart of one or more series; point i of a series is drawn at x = start + i · step
 * (by default 1, 2, 3, ...: training steps or epochs).
 */
export function lineChart(
  series: readonly Series[],
  options: {
    title: string;
    xLabel: string;
    yLabel: string;
    logY?: boolean;
    x?: { start?: number; step?: number };
  },
): string {
  const [w, h, left, right, top, bottom] = [640, 360, 64, 16, 36, 48];
  const transform = (v: number) => (options.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = series.flatMap((s) => s.values.map(transform)).filter(Number.isFinite);
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  const span = hi - lo || 1;
  const n = Math.max(...series.map((s) => s.values.length));
  const [x0, dx] = [options.x?.start ?? 1, options.x?.step ?? 1];
  const x1 = x0 + dx * Math.max(1, n - 1);
  const px = (xv: number) => left + ((w - left - right) * (xv - x0)) / (x1 - x0);
  const py = (t: number) => top + (h - top - bottom) * (1 - (t - lo) / span);
  const yTicks = options.logY ? logTicks(lo, hi) : niceTicks(lo, hi);
  const yTicksShown = yTicks.length >= 2 ? yTicks : [lo, hi];
  const xTicks = niceTicks(x0, x1, 6).filter((t) => t >= x0 && t <= x1);
  // legend in the top right corner, as wide as the longest name (about 6.5 px a character)
  const legendX = w - right - 34 - 6.5 * Math.max(...series.map((s) => s.name.length));
  const lines = series.map((s, k) => {
    const points = s.values
      .map((v, i) => [px(x0 + i * dx), py(transform(v))] as const)
      .filter(([, y]) => Number.isFinite(y))
      .map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`)
      .join(" ");
    const color = COLORS[k % COLORS.length];
    const ly = top + 8 + 18 * k;
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>\n` +
      `<line x1="${legendX.toFixed(1)}" y1="${ly}" x2="${(legendX + 20).toFixed(1)}" y2="${ly}" stroke="${color}" stroke-width="2"/>` +
      `<text x="${(legendX + 26).toFixed(1)}" y="${ly + 4}" font-size="12">${escape(s.name)}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escape(options.title)}</text>`,
    ...yTicksShown.map((t) => {
      const y = py(t).toFixed(1);
      const label = formatTick(options.logY ? 10 ** t : t);
      return (
        `<line x1="${left}" y1="${y}" x2="${w - right}" y2="${y}" stroke="#e4e4e4"/>` +
        `<text x="${left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" font-size="10">${label}</text>`
      );
    }),
    ...xTicks.map((t) => {
      const x = px(t).toFixed(1);
      return (
        `<line x1="${x}" y1="${h - bottom}" x2="${x}" y2="${h - bottom + 4}" stroke="black"/>` +
        `<text x="${x}" y="${h - bottom + 15}" text-anchor="middle" font-size="10">${formatTick(t)}</text>`
      );
    }),
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="black"/>`,
    `<text x="${(left + w - right) / 2}" y="${h - 10}" text-anchor="middle" font-size="12">${escape(options.xLabel)}</text>`,
    `<text x="16" y="${h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${h / 2})">${escape(options.yLabel)}` +
      `${options.logY ? " (log scale)" : ""}</text>`,
    ...lines,
    `</svg>`,
  ].join("\n");
}

/** A series of (x, y) points for `xyChart`; `dashed` draws a reference line without markers. */
export interface XYSeries {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly dashed?: boolean;
}

/**
 * Line chart of (x, y) series at arbitrary x, each axis linear or logarithmic (a log-log plot of a
 * cost against a size shows a power law as a straight line). Points that cannot be drawn (not
 * finite, or not positive on a log axis) are left out.
 */
export function xyChart(
  series: readonly XYSeries[],
  options: { title: string; xLabel: string; yLabel: string; logX?: boolean; logY?: boolean },
): string {
  const [w, h, left, right, top, bottom] = [640, 400, 64, 16, 36, 48];
  const tx = (v: number) => (options.logX ? (v > 0 ? Math.log10(v) : NaN) : v);
  const ty = (v: number) => (options.logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  const drawn = series.map((s) =>
    s.points
      .map((p) => [tx(p.x), ty(p.y)] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  const xs = drawn.flatMap((d) => d.map(([x]) => x));
  const ys = drawn.flatMap((d) => d.map(([, y]) => y));
  const range = (vs: number[]): [number, number] => {
    if (!vs.length) return [0, 1];
    const [lo, hi] = [Math.min(...vs), Math.max(...vs)];
    return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
  };
  const [xLo, xHi] = range(xs);
  const [yLo, yHi] = range(ys);
  const px = (t: number) => left + ((w - left - right) * (t - xLo)) / (xHi - xLo);
  const py = (t: number) => top + (h - top - bottom) * (1 - (t - yLo) / (yHi - yLo));
  const ticks = (log: boolean | undefined, lo: number, hi: number) =>
    (log ? logTicks(lo, hi) : niceTicks(lo, hi, 6)).filter((t) => t >= lo - 1e-9 && t <= hi + 1e-9);
  const label = (log: boolean | undefined, t: number) => formatTick(log ? 10 ** t : t);
  // legend in the top left corner: the curves of a cost against a size rise to the right
  const legendX = left + 12;
  const lines = series.map((s, k) => {
    const color = s.dashed ? "#777777" : COLORS[k % COLORS.length]!;
    const coords = drawn[k]!.map(([x, y]) => [px(x).toFixed(1), py(y).toFixed(1)] as const);
    const points = coords.map(([x, y]) => `${x},${y}`).join(" ");
    const ly = top + 8 + 18 * k;
    return [
      `<polyline fill="none" stroke="${color}" stroke-width="1.5"${s.dashed ? ` stroke-dasharray="5 4"` : ""} points="${points}"/>`,
      ...(s.dashed ? [] : coords.map(([x, y]) => `<circle cx="${x}" cy="${y}" r="2.8" fill="${color}"/>`)),
      `<line x1="${legendX.toFixed(1)}" y1="${ly}" x2="${(legendX + 20).toFixed(1)}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ` stroke-dasharray="5 4"` : ""}/>` +
        `<text x="${(legendX + 26).toFixed(1)}" y="${ly + 4}" font-size="12">${escape(s.name)}</text>`,
    ].join("\n");
  });
  const axisNote = (log: boolean | undefined) => (log ? " (log scale)" : "");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${escape(options.title)}</text>`,
    ...ticks(options.logY, yLo, yHi).map((t) => {
      const y = py(t).toFixed(1);
      return (
        `<line x1="${left}" y1="${y}" x2="${w - right}" y2="${y}" stroke="#e4e4e4"/>` +
        `<text x="${left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" font-size="10">${label(options.logY, t)}</text>`
      );
    }),
    ...ticks(options.logX, xLo, xHi).map((t) => {
      const x = px(t).toFixed(1);
      return (
        `<line x1="${x}" y1="${top}" x2="${x}" y2="${h - bottom}" stroke="#f0f0f0"/>` +
        `<line x1="${x}" y1="${h - bottom}" x2="${x}" y2="${h - bottom + 4}" stroke="black"/>` +
        `<text x="${x}" y="${h - bottom + 15}" text-anchor="middle" font-size="10">${label(options.logX, t)}</text>`
      );
    }),
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="black"/>`,
    `<text x="${(left + w - right) / 2}" y="${h - 10}" text-anchor="middle" font-size="12">${escape(options.xLabel)}${axisNote(options.logX)}</text>`,
    `<text x="16" y="${h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${h / 2})">${escape(options.yLabel)}` +
      `${axisNote(options.logY)}</text>`,
    ...lines,
    `</svg>`,
  ].join("\n");
}

/** A class-labelled grid over a rectangle: cell (r, c) is row r from the top, column c from the left. */
export interface LabelGrid {
  /** [xMin, xMax, yMin, yMax] of the whole grid. */
  readonly extent: readonly [number, number, number, number];
  readonly rows: number;
  readonly cols: number;
  /** rows · cols class ids, row-major. */
  readonly labels: ArrayLike<number>;
}

/** Mixes a #rrggbb colour with white (amount 0: the colour, 1: white). */
function tint(hex: string, amount: number): string {
  const channel = (i: number) => {
    const v = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
    return Math.round(v + (255 - v) * amount)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/**
 * Decision regions of a 2-D classifier: each grid cell filled with a pale tint of its predicted
 * class (runs of equal cells in a row are merged into one rectangle), the data points drawn on top
 * in the full colour of their true class, with axes, ticks and a legend.
 */
export function decisionRegions(
  grid: LabelGrid,
  points: readonly { readonly x: number; readonly y: number; readonly label: number }[],
  options: { title: string; classNames: readonly string[] },
): string {
  const size = 480;
  const [left, top, legendWidth, bottom] = [56, 40, 128, 44];
  const [w, h] = [left + size + legendWidth, top + size + bottom];
  const [xMin, xMax, yMin, yMax] = grid.extent;
  const px = (x: number) => left + (size * (x - xMin)) / (xMax - xMin);
  const py = (y: number) => top + (size * (yMax - y)) / (yMax - yMin);
  const [cw, ch] = [size / grid.cols, size / grid.rows];
  const color = (k: number) => COLORS[k % COLORS.length]!;
  const cells: string[] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols;) {
      const k = grid.labels[r * grid.cols + c]!;
      let end = c + 1;
      while (end < grid.cols && grid.labels[r * grid.cols + end] === k) end++;
      // a hair of overlap hides antialiasing seams between neighbouring rectangles
      cells.push(
        `<rect x="${(left + c * cw).toFixed(2)}" y="${(top + r * ch).toFixed(2)}" ` +
          `width="${((end - c) * cw + 0.3).toFixed(2)}" height="${(ch + 0.3).toFixed(2)}" fill="${tint(color(k), 0.72)}"/>`,
      );
      c = end;
    }
  }
  const dots = points.map(
    (p) =>
      `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2.6" fill="${color(p.label)}" stroke="white" stroke-width="0.6"/>`,
  );
  const xTicks = niceTicks(xMin, xMax, 6).filter((t) => t >= xMin && t <= xMax);
  const yTicks = niceTicks(yMin, yMax, 6).filter((t) => t >= yMin && t <= yMax);
  const legend = options.classNames.map((name, k) => {
    const y = top + 12 + 22 * k;
    const x = left + size + 16;
    return (
      `<rect x="${x}" y="${y - 8}" width="14" height="14" fill="${tint(color(k), 0.72)}" stroke="${color(k)}"/>` +
      `<circle cx="${x + 7}" cy="${y - 1}" r="3" fill="${color(k)}"/>` +
      `<text x="${x + 22}" y="${y + 3}" font-size="12">${escape(name)}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left + size / 2}" y="24" text-anchor="middle" font-size="14">${escape(options.title)}</text>`,
    `<g shape-rendering="crispEdges">`,
    ...cells,
    `</g>`,
    ...dots,
    `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="black"/>`,
    ...xTicks.map(
      (t) =>
        `<line x1="${px(t).toFixed(1)}" y1="${top + size}" x2="${px(t).toFixed(1)}" y2="${top + size + 4}" stroke="black"/>` +
        `<text x="${px(t).toFixed(1)}" y="${top + size + 16}" text-anchor="middle" font-size="10">${formatTick(t)}</text>`,
    ),
    ...yTicks.map(
      (t) =>
        `<line x1="${left - 4}" y1="${py(t).toFixed(1)}" x2="${left}" y2="${py(t).toFixed(1)}" stroke="black"/>` +
        `<text x="${left - 7}" y="${(py(t) + 3.5).toFixed(1)}" text-anchor="end" font-size="10">${formatTick(t)}</text>`,
    ),
    `<text x="${left + size / 2}" y="${h - 10}" text-anchor="middle" font-size="12">x₁</text>`,
    `<text x="18" y="${top + size / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 18 ${top + size / 2})">x₂</text>`,
    ...legend,
    `</svg>`,
  ].join("\n");
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
