/**
 * The scaling plot: end-to-end compile time against model nodes, log-log, one line per series and
 * a dashed slope-1 reference (time proportional to nodes) through the geometric mean of all points,
 * so that a series bending away from it shows worse-than-linear growth.
 */
import { xyChart, type XYSeries } from "../../examples/lib/svg.js";
import { SERIES_TEXT, type ScalingPoint } from "./scaling.js";
import { SERIES } from "./models.js";

/** The slope-1 line y = k·x over the x range of the points, with k fitted through their
 * geometric mean; undefined for fewer than two points. */
export function slopeOneLine(points: readonly { x: number; y: number }[]): XYSeries | undefined {
  const ok = points.filter((p) => p.x > 0 && p.y > 0);
  if (ok.length < 2) return undefined;
  const meanLog = (f: (p: { x: number; y: number }) => number) =>
    ok.reduce((s, p) => s + Math.log10(f(p)), 0) / ok.length;
  const k = 10 ** (meanLog((p) => p.y) - meanLog((p) => p.x));
  const [lo, hi] = [Math.min(...ok.map((p) => p.x)), Math.max(...ok.map((p) => p.x))];
  return {
    name: "slope 1 (time ∝ nodes)",
    points: [
      { x: lo, y: k * lo },
      { x: hi, y: k * hi },
    ],
    dashed: true,
  };
}

export function scalingSvg(points: readonly ScalingPoint[], subtitle: string): string {
  const series: XYSeries[] = SERIES.map((s) => ({
    name: SERIES_TEXT[s].name,
    points: points
      .filter((p) => p.series === s && p.status === "ok")
      .map((p) => ({ x: p.nodes!, y: p.totalMs! })),
  })).filter((s) => s.points.length);
  const reference = slopeOneLine(series.flatMap((s) => s.points));
  return xyChart(reference ? [...series, reference] : series, {
    title: `wasmgrad compile time against graph size (${subtitle})`,
    xLabel: "model nodes",
    yLabel: "build + compile, ms",
    logX: true,
    logY: true,
  });
}
