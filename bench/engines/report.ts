/**
 * The engines section's console table and its Markdown section of bench/RESULTS.md, which a run
 * of the section alone (`--only engines`) splices into the existing report in place of the old
 * one. One row per (workload, engine), plus native C's W1 and W3 from the same run.
 */
import { SECTION_TITLE as COMPILE_TITLE } from "../compile/report.js";
import { RELAXED_SIMD_FLAG } from "../lib/machine.js";
import { sig } from "../lib/report.js";
import { median } from "../lib/timing.js";
import { inUnit, WORKLOADS, type Workload } from "../lib/workloads.js";
import { agreement, CHECK_TOLERANCE, references } from "./check.js";
import type { EnginesResults, HostRow } from "./section.js";
import type { HostCase, VariantRun } from "./types.js";
import { alignedTable, spliceSection } from "../lib/sections.js";

export const ENGINES_TITLE = "Across engines: one artifact, the variant each engine picks";
export const TARGET =
  "in every engine that has relaxed SIMD, W1 at least 1.25× faster than the baseline variant in the same " +
  "engine, and W1 faster than native C (gcc -O3 -march=native)";
const TARGET_SPEEDUP = 1.25;
const NATIVE = "native C (gcc -O3 -march=native)";

const HEADER = [
  "workload",
  "engine",
  "variant picked",
  "picked: median (min–max)",
  "baseline pinned: median (min–max)",
  "unit",
  "relaxed / baseline",
  "vs native C",
  "W1 target",
  "check",
];

const CASE_IDS: readonly HostCase["id"][] = ["W1", "W2", "W3", "W4-256"];
const workload = (id: string): Workload => WORKLOADS.find((w) => w.id === id)!;

/** Median (min–max) in the workload's unit; for GFLOP/s the slowest repeat is the low end. */
function timing(w: Workload, perIterMs: readonly number[]): string {
  const [lo, hi] = [Math.min(...perIterMs), Math.max(...perIterMs)].map((x) => inUnit(w, x));
  const [a, b] = w.unit === "GFLOP/s" ? [hi!, lo!] : [lo!, hi!];
  return `${sig(inUnit(w, median(perIterMs)))} (${sig(a)}–${sig(b)})`;
}

const ratio = (x: number) => `${sig(x)}×`;

/** Why a row picked the baseline: the engine has no relaxed SIMD (Node 20 without the flag). */
function baselineReason(h: HostRow): string {
  if (h.relaxedSimdAvailable) return "baseline (the relaxed variant did not load)";
  const node20 = h.label === "node" && /^node 20\./.test(h.engine ?? "");
  return node20
    ? `baseline (Node 20: no relaxed SIMD without ${RELAXED_SIMD_FLAG})`
    : "baseline (no relaxed SIMD)";
}

/** The W1 target for one engine: met, missed (and why), or not applicable. */
function verdict(picked: VariantRun, baseline: VariantRun, nativeMs: number | undefined, ok: boolean) {
  if (!picked.relaxedSimd) return "n/a: no relaxed SIMD";
  if (!ok) return "missed (disagrees)";
  const speedup = median(baseline.perIterMs) / median(picked.perIterMs);
  const misses: string[] = [];
  if (speedup < TARGET_SPEEDUP) misses.push(`${ratio(speedup)} < ${ratio(TARGET_SPEEDUP)} the baseline`);
  if (nativeMs === undefined) misses.push("no native C to compare");
  else if (nativeMs <= median(picked.perIterMs))
    misses.push(`${ratio(nativeMs / median(picked.perIterMs))} native C`);
  return misses.length ? `missed (${misses.join("; ")})` : "met";
}

function nativeMedian(r: EnginesResults, id: string): number | undefined {
  const n = r.native.find((x) => x.id === id);
  return n && !("error" in n) ? median(n.perIterMs) : undefined;
}

function rows(r: EnginesResults): string[][] {
  const refs = references(r);
  const out: string[][] = [];
  for (const id of CASE_IDS) {
    const w = workload(id);
    const name = `${w.id} ${w.title}`;
    for (const h of r.hosts) {
      // the native runs just before and after this host, else the pooled ones (section.ts)
      const nativeMs = h.nativeNearby?.[id as "W1" | "W3"] ?? nativeMedian(r, id);
      const empty = (why: string) => [
        name,
        h.label,
        why,
        "—",
        "—",
        w.unit,
        "—",
        "—",
        id === "W1" ? "—" : "",
        "—",
      ];
      if (h.status !== "ok") {
        out.push(empty(h.status === "missing" ? "host missing" : `host failed: ${h.reason}`));
        continue;
      }
      const c = h.cases.find((x) => x.id === id);
      if (!c || "error" in c) {
        out.push(empty(`error: ${c && "error" in c ? c.error : "not run"}`));
        continue;
      }
      const a = agreement(refs.get(id), c.picked.check, c.baseline.check);
      const pickedMs = median(c.picked.perIterMs);
      out.push([
        name,
        h.label,
        c.picked.relaxedSimd ? "relaxed" : baselineReason(h),
        timing(w, c.picked.perIterMs),
        timing(w, c.baseline.perIterMs),
        w.unit,
        c.picked.relaxedSimd ? ratio(median(c.baseline.perIterMs) / pickedMs) : "— (baseline picked)",
        nativeMs === undefined ? "—" : ratio(nativeMs / pickedMs),
        id === "W1" ? verdict(c.picked, c.baseline, nativeMs, a.ok) : "",
        a.text,
      ]);
    }
    const n = r.native.find((x) => x.id === id);
    if (n)
      out.push(
        "error" in n
          ? [name, NATIVE, `error: ${n.error}`, "—", "—", w.unit, "—", "—", "", "—"]
          : [
              name,
              NATIVE,
              "—",
              timing(w, n.perIterMs),
              "—",
              w.unit,
              "—",
              "1.00×",
              "",
              agreement(refs.get(id), n.check).text,
            ],
      );
  }
  return out;
}

/** One line on the target: in which engines it is met, missed, or does not apply. */
function targetSummary(body: readonly string[][]): string {
  const w1 = body.filter((c) => c[0]!.startsWith("W1 ") && c[1] !== NATIVE);
  const by = (pred: (v: string) => boolean) =>
    w1
      .filter((c) => pred(c[8]!))
      .map((c) => (c[8]!.startsWith("missed ") ? `${c[1]} ${c[8]!.slice("missed ".length)}` : c[1]!));
  const parts = [
    ["met", by((v) => v === "met")],
    ["missed", by((v) => v.startsWith("missed"))],
    ["not applicable (no relaxed SIMD)", by((v) => v.startsWith("n/a"))],
    ["not measured", by((v) => v === "—")],
  ] as const;
  return parts
    .filter(([, hosts]) => hosts.length)
    .map(([what, hosts]) => `${what}: ${hosts.join("; ")}`)
    .join(". ");
}

function engineList(r: EnginesResults): string[] {
  return r.hosts.map(
    (h) =>
      `${h.label}: ${h.engine ?? (h.status === "missing" ? "missing" : "failed")}` +
      (h.relaxedSimdAvailable === undefined
        ? ""
        : `, relaxed SIMD ${h.relaxedSimdAvailable ? "yes" : "no"}`) +
      `; \`${h.command}\`` +
      (h.reason ? ` (${h.reason})` : ""),
  );
}

export function enginesConsoleTable(r: EnginesResults): string {
  const body = rows(r);
  return [
    alignedTable(HEADER, body, 0),
    "",
    ...engineList(r).map((l) => l.replace(/`/g, "")),
    "",
    `target: ${TARGET}`,
    `  ${targetSummary(body)}`,
  ].join("\n");
}

/** The Markdown section, from its `## ` heading. */
export function enginesMarkdown(r: EnginesResults, git: string): string {
  const body = rows(r);
  const p = r.plan;
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `## ${ENGINES_TITLE}`,
    "",
    `Measured ${r.date} on commit ${git}; load average ${r.load.start.toFixed(2)} at the start, ${r.load.end.toFixed(2)} at the end. ` +
      'Each workload is compiled once with `relaxedSimd: "auto"` (the default `wasmgrad` row\'s options otherwise): one .wasm, ' +
      "the baseline SIMD module carrying a relaxed-SIMD variant (`f32x4.relaxed_madd` in the matmuls). Every engine runs " +
      "bench/engines/host.mjs on the same files, fetched from a server on 127.0.0.1, and loads each module twice: " +
      "`load(bytes)`, the variant the engine picks, and `load(bytes, { relaxedSimd: false })`, the baseline pinned. " +
      `Both start from the same weights as native C (bench/lib/data.ts). Warm-up ≥ ${p.warmupMs} ms per variant, then ` +
      `${p.repeats} repeats of ≥ ${p.targetMs} ms each, the two variants interleaved repeat by repeat (training weights reloaded, ` +
      "untimed, before each); native C runs the same plan in its own program before every engine and after the last, " +
      "and each engine is compared with the mean of the native runs just before and after it (its row pools them all). " +
      "“relaxed / baseline” = t(baseline) / t(picked) in the same engine; “vs native C” = t(native C) / t(picked): above 1 is faster. " +
      `Check: the largest difference of the check values (losses of steps 1–3, W3's outputs, 16 elements of W4's C) ` +
      `from Node's pinned baseline, relative to their largest magnitude (≤ ${CHECK_TOLERANCE.toExponential()} agrees). See bench/README.md, “Across engines”.`,
    "",
    `Target: ${TARGET}. ${targetSummary(body)}.`,
    "",
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map(() => "---").join(" | ")} |`,
    ...body.map((c) => `| ${c.map(esc).join(" | ")} |`),
    "",
    ...engineList(r).map((l) => `- ${l}`),
    ...(r.nativeNotes.length ? [`- ${NATIVE}: ${r.nativeNotes.join("; ")}`] : []),
    "",
  ].join("\n");
}

/**
 * `report` with its engines section replaced by `section`; without one, the section goes before
 * the compile section (the order the sections run in), else before "## Workloads", else at the end.
 */
export function spliceEngines(report: string, section: string): string {
  return spliceSection(report, section, ENGINES_TITLE, [COMPILE_TITLE, "Workloads"]);
}
