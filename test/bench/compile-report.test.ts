// The compile section's pure helpers (bench/compile/report.ts, plot.ts, spawn.ts and the shared
// log-log chart of examples/lib/svg.ts): no process is timed here, and nothing depends on speed.
import { describe, expect, it } from "vitest";
import { xyChart } from "../../examples/lib/svg.js";
import { slopeOneLine } from "../../bench/compile/plot.js";
import { localSlopes, SECTION_TITLE, spliceSection, verdict } from "../../bench/compile/report.js";
import type { ScalingPoint } from "../../bench/compile/scaling.js";
import { probeOutput } from "../../bench/compile/spawn.js";
import { median } from "../../bench/lib/timing.js";

const point = (series: "chain" | "unrolled", nodes: number, totalMs: number): ScalingPoint => ({
  series,
  size: nodes,
  status: "ok",
  nodes,
  buildMs: 0,
  compileMs: totalMs,
  totalMs,
  processes: 1,
});

describe("compile section helpers", () => {
  it("median of odd and even counts", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("verdict against a target", () => {
    expect(verdict(120, 150)).toBe("meets");
    expect(verdict(300, 150)).toBe("misses (2.00× the target)");
    expect(verdict(300, undefined)).toBe("");
  });

  it("local log-log slopes: 1 for linear growth, 2 for quadratic, reset between series", () => {
    const pts = [
      point("chain", 100, 10),
      point("chain", 1000, 100),
      point("unrolled", 100, 1),
      point("unrolled", 1000, 100),
    ];
    const s = localSlopes(pts);
    expect(s.has(pts[0]!)).toBe(false);
    expect(s.get(pts[1]!)).toBeCloseTo(1);
    expect(s.has(pts[2]!)).toBe(false);
    expect(s.get(pts[3]!)).toBeCloseTo(2);
  });

  it("the slope-1 reference passes through the geometric mean of the points", () => {
    const line = slopeOneLine([
      { x: 10, y: 1 },
      { x: 1000, y: 100 },
    ])!;
    expect(line.points.map((p) => [p.x, p.y])).toEqual([
      [10, expect.closeTo(1, 9)],
      [1000, expect.closeTo(100, 9)],
    ]);
    expect(slopeOneLine([{ x: 1, y: 1 }])).toBeUndefined();
  });

  it("a log-log chart draws every positive point and leaves out the rest", () => {
    const svg = xyChart(
      [
        {
          name: "a",
          points: [
            { x: 10, y: 5 },
            { x: 1000, y: 500 },
            { x: 0, y: 3 },
          ],
        },
      ],
      { title: "t", xLabel: "nodes", yLabel: "ms", logX: true, logY: true },
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain("nodes (log scale)");
    expect(svg).not.toContain("NaN");
  });

  it("splices the section in place of the old one, or before Workloads", () => {
    const section = `## ${SECTION_TITLE}\n\nnew\n`;
    const old = `# R\n\n## Results\n\nx\n\n## ${SECTION_TITLE}\n\nold\n\n### sub\n\nold\n\n## Workloads\n\nw\n`;
    expect(spliceSection(old, section)).toBe(`# R\n\n## Results\n\nx\n\n${section}\n## Workloads\n\nw\n`);
    const without = `# R\n\n## Results\n\nx\n\n## Workloads\n\nw\n`;
    expect(spliceSection(without, section)).toBe(`# R\n\n## Results\n\nx\n\n${section}\n## Workloads\n\nw\n`);
    expect(spliceSection("", section)).toBe(`${section}\n`);
  });

  it("reads the probe's result line, and its error", () => {
    const ran = (stdout: string) => ({ wallMs: 1, code: 0, timedOut: false, stdout, stderr: "" });
    expect(probeOutput(ran('noise\n@@probe {"a":1}\n'))).toEqual({ a: 1 });
    expect(() => probeOutput(ran('@@probe {"error":"boom"}\n'))).toThrow("boom");
    expect(() => probeOutput(ran("nothing\n"))).toThrow("no result");
  });
});
