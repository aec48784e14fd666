/**
 * The compile section's console tables and its Markdown section of bench/RESULTS.md ("What each
 * path costs before the first step"), which a `--compile-only` run splices into an existing report
 * in place of the old section.
 */
import { median } from "../lib/timing.js";
import { sig } from "../lib/report.js";
import type { Group } from "./cases.js";
import { MODEL_TEXT, NAMED_MODELS } from "./models.js";
import { SERIES_TEXT, type ScalingPoint } from "./scaling.js";
import type { CompileResults, MetricResult } from "./section.js";
import { alignedTable, spliceSection as spliceSectionAt } from "../lib/sections.js";

export const SECTION_TITLE = "What each path costs before the first step";
export const SCALING_SVG = "compile-scaling.svg";

const GROUPS: readonly Group[] = ["CLI", "import", "compile()", "first result", "native build"];

export function ms(x: number): string {
  return Math.abs(x) >= 1000 ? `${sig(x / 1000)} s` : `${sig(x)} ms`;
}

/** Within the target, or by how much it misses it. */
export function verdict(medianMs: number, targetMs: number | undefined): string {
  if (targetMs === undefined) return "";
  return medianMs <= targetMs ? "meets" : `misses (${sig(medianMs / targetMs)}× the target)`;
}

/** The log-log slope from the previous finished point of the same series: 1 is linear. */
export function localSlopes(points: readonly ScalingPoint[]): Map<ScalingPoint, number> {
  const out = new Map<ScalingPoint, number>();
  let prev: ScalingPoint | undefined;
  for (const p of points) {
    if (prev && prev.series !== p.series) prev = undefined;
    if (p.status !== "ok") continue;
    if (prev && prev.nodes! !== p.nodes!)
      out.set(p, Math.log(p.totalMs! / prev.totalMs!) / Math.log(p.nodes! / prev.nodes!));
    prev = p;
  }
  return out;
}

function metricCells(r: MetricResult, plain: boolean): string[] {
  const label = plain ? r.metric.label.replace(/`/g, "") : r.metric.label;
  const target = r.metric.targetMs !== undefined ? `≤ ${ms(r.metric.targetMs)}` : "";
  const note = plain ? r.metric.note?.replace(/`/g, "") : r.metric.note;
  if (!r.samples.length)
    return [r.metric.group, label, "—", "—", "0", target, [r.reason, note].filter(Boolean).join("; ")];
  const m = median(r.samples);
  return [
    r.metric.group,
    label,
    ms(m),
    `${ms(Math.min(...r.samples))}–${ms(Math.max(...r.samples))}`,
    String(r.samples.length),
    target,
    [verdict(m, r.metric.targetMs), r.reason, note].filter(Boolean).join("; "),
  ];
}

function sortedMetrics(c: CompileResults): MetricResult[] {
  return [...c.metrics].sort((a, b) => GROUPS.indexOf(a.metric.group) - GROUPS.indexOf(b.metric.group));
}

const HEADER = ["", "measurement", "median", "min–max", "processes", "target", "vs target; note"];
const SCALING_HEADER = [
  "series",
  "size",
  "model nodes",
  "build",
  "compile",
  "build + compile",
  "per 1,000 nodes",
  "slope",
  "kernels",
  "processes",
];

function scalingCells(p: ScalingPoint, slope: number | undefined): string[] {
  const head = [SERIES_TEXT[p.series].name, `${SERIES_TEXT[p.series].size} = ${p.size}`];
  if (p.status !== "ok") {
    const what = p.status === "not run" ? `not run (${p.reason})` : p.reason!;
    return [...head, "—", "—", "—", what, "—", "—", "—", "0"];
  }
  return [
    ...head,
    String(p.nodes),
    ms(p.buildMs!),
    ms(p.compileMs!),
    ms(p.totalMs!),
    ms((1000 * p.totalMs!) / p.nodes!),
    slope === undefined ? "" : slope.toFixed(2),
    p.kernels === undefined ? "" : String(p.kernels),
    String(p.processes),
  ];
}

export function compileConsoleTables(c: CompileResults): string {
  const slopes = localSlopes(c.scaling);
  const parts = [
    alignedTable(
      HEADER,
      sortedMetrics(c).map((r) => metricCells(r, true)),
    ),
  ];
  if (c.scaling.length)
    parts.push(
      alignedTable(
        SCALING_HEADER,
        c.scaling.map((p) => scalingCells(p, slopes.get(p))),
      ),
    );
  return parts.join("\n\n");
}

function mdTable(header: readonly string[], body: readonly string[][]): string[] {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...body.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ];
}

/** The Markdown section, from its `## ` heading; `svg` is the plot's file name beside the report. */
export function compileMarkdown(c: CompileResults, git: string, svg: string | undefined): string {
  const out: string[] = [`## ${SECTION_TITLE}`, ""];
  out.push(
    `Measured ${c.date} on commit ${git}, ${c.processes === 1 ? "one fresh process per number (--quick)" : `the median of ${c.processes} fresh processes per number`}, ` +
      `in interleaved rounds (every probe once, then again, each round starting one probe later); ` +
      `load average ${c.load.start.toFixed(2)} at the start, ${c.load.end.toFixed(2)} at the end. ` +
      "CLI and gcc rows are wall times from spawn to exit; the other rows are timed inside the process " +
      "(`performance.now()`), after the imports the row does not name. See bench/README.md, “Compile time”.",
    "",
  );
  out.push(
    ...mdTable(
      HEADER,
      sortedMetrics(c).map((r) => metricCells(r, false)),
    ),
    "",
  );
  const notes: string[] = [];
  if (c.env.staleDist.length)
    notes.push(
      `dist/ was older than ${c.env.staleDist.length} compiler source file(s) (e.g. ${c.env.staleDist[0]}): the CLI, import and \`compile()\` rows measured the previous build.`,
    );
  notes.push(
    c.env.noCacheFlag
      ? "The CLI has a compile cache: the cold row passes `--no-cache`; the cached row recompiles after one untimed run filled the cache."
      : "The CLI has no compile cache (no `--no-cache` in `wasmgrad compile --help`), so there is no cached row.",
    `Models: ${NAMED_MODELS.map((m) => `${MODEL_TEXT[m].short} is ${MODEL_TEXT[m].long}`).join("; ")}. Each compile starts from a freshly built model.`,
    '`compile()` rows import the compiler from source under tsx (compiler/index.ts), as the rest of the bench does; `import("wasmgrad")` is the built package under plain Node.',
    "First-result rows: the first training step minus the median of warm steps 3–9 of the same process, i.e. what tracing, compiling and first-call set-up add; wasmgrad's also adds building the model, `compile()` and `load()`, which happen before its first step.",
  );
  out.push(...notes.map((n) => `- ${n}`), "");
  if (c.scaling.length) {
    const slopes = localSlopes(c.scaling);
    out.push("### Compile time against graph size", "");
    out.push(
      "Build (the DSL tracing the model) and `compile()` of one model in a fresh process, after the imports: the chain of N " +
        "mul+add pairs on an [8] vector (forward only) and an Elman RNN unrolled by hand over T steps in JavaScript " +
        `(B 4, D 8, H 16, V 8, trained with SGD), with a ${c.scalingPlan.timeoutMs / 1000} s timeout per process; ` +
        `median of up to ${c.scalingPlan.repeats} processes per point. “slope” is the log-log slope from the previous ` +
        "point of the series (1: time proportional to the nodes, 2: quadratic). Model nodes: the forward graph as built.",
      "",
    );
    out.push(
      ...mdTable(
        SCALING_HEADER,
        c.scaling.map((p) => scalingCells(p, slopes.get(p))),
      ),
      "",
    );
    if (svg) out.push(`![compile time against model nodes, log-log](${svg})`, "");
  }
  return out.join("\n");
}

/** `report` with its compile section replaced by `section` (or the section inserted before
 * "## Workloads", or appended, when it has none). */
export function spliceSection(report: string, section: string): string {
  return spliceSectionAt(report, section, SECTION_TITLE, ["Workloads"]);
}
