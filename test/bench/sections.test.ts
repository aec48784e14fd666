// The report sections a partial bench run rewrites alone (bench/lib/sections.ts).
import { describe, expect, it } from "vitest";
import { alignedTable, spliceSection } from "../../bench/lib/sections.js";
import { spliceEngines } from "../../bench/engines/report.js";
import { spliceSection as spliceCompile } from "../../bench/compile/report.js";

const report = ["# Results", "", "## Workloads", "w", "", "## B", "b", ""].join("\n");

describe("spliceSection", () => {
  it("replaces only its own section, and inserts it before a given heading when absent", () => {
    const once = spliceSection(report, "## A\nfirst", "A", ["B"]);
    expect(once).toBe(
      ["# Results", "", "## Workloads", "w", "", "## A", "first", "", "## B", "b", ""].join("\n"),
    );
    const twice = spliceSection(once, "## A\nsecond", "A", ["B"]);
    expect(twice).toBe(once.replace("first", "second"));
    expect(spliceSection(report, "## C\nc", "C", ["Z"])).toBe(report.trimEnd() + "\n\n## C\nc\n\n");
    expect(spliceSection("", "## C\nc", "C", [])).toBe("## C\nc\n\n");
  });

  it("keeps the engines section before the compile section whichever is written first", () => {
    const engines = "## Across engines: one artifact, the variant each engine picks\nE";
    const compile = "## What each path costs before the first step\nC";
    for (const r of [
      spliceCompile(spliceEngines(report, engines), compile),
      spliceEngines(spliceCompile(report, compile), engines),
    ]) {
      expect(r.indexOf("\nE")).toBeLessThan(r.indexOf("\nC"));
      expect(r.match(/## Across engines/g)).toHaveLength(1);
    }
  });
});

describe("alignedTable", () => {
  it("pads the columns and, with groupBy, breaks between groups", () => {
    expect(
      alignedTable(
        ["a", "bb"],
        [
          ["x", "1"],
          ["x", "22"],
          ["yyy", "3"],
        ],
        0,
      ),
    ).toBe(["a    bb", "---  --", "x    1", "x    22", "", "yyy  3"].join("\n"));
  });
});
