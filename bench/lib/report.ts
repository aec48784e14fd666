/** Result rows, the console table and bench/RESULTS.md. */
import { writeFileSync } from "node:fs";
import * as prettier from "prettier";
import { TOLERANCE } from "./check.js";
import type { MachineInfo } from "./machine.js";
import type { TimingPlan } from "./types.js";
import { inUnit, WORKLOADS, type Workload } from "./workloads.js";

export type Status = "ok" | "disagrees" | "error" | "skipped" | "planned";

export interface Row {
  readonly workload: Workload;
  readonly impl: string;
  readonly status: Status;
  /** Agreement summary (worst errors against the reference). */
  readonly agreement?: string;
  /** Time per iteration in ms over the repeats. */
  readonly ms?: { readonly median: number; readonly min: number; readonly max: number };
  readonly iterationsPerRepeat?: number;
  /** CPU time / wall time during the repeats (see Measurement.cpuShare). */
  readonly cpuShare?: number;
  /** Why the row has no timing (error, skip, reserved slot). */
  readonly reason?: string;
  readonly notes?: readonly string[];
}

export const BASELINES = ["wasmgrad", "tfjs-wasm"] as const;

/** 3 significant digits, without exponent notation for ordinary magnitudes. */
export function sig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function timeText(ms: number): string {
  return ms >= 1 ? `${sig(ms)} ms` : `${sig(ms * 1000)} µs`;
}

/** Speed relative to a baseline: t(baseline) / t(impl); > 1 means faster than the baseline. */
export function speedVs(rows: readonly Row[], row: Row, baseline: string): string {
  if (row.status !== "ok" || !row.ms) return "—";
  const base = rows.find((r) => r.workload.id === row.workload.id && r.impl === baseline);
  if (!base || base.status !== "ok" || !base.ms) return "—";
  return `${sig(base.ms.median / row.ms.median)}×`;
}

function cells(rows: readonly Row[], row: Row): string[] {
  const w = row.workload;
  const name = `${w.id} ${w.title}`;
  if (!row.ms || (row.status !== "ok" && row.status !== "disagrees")) {
    return [name, row.impl, "—", "—", w.unit, "—", "—", "—", `${row.status}: ${row.reason ?? ""}`.trim()];
  }
  const median = inUnit(w, row.ms.median);
  // For throughput the slowest repeat gives the lowest value.
  const lo = w.unit === "GFLOP/s" ? inUnit(w, row.ms.max) : inUnit(w, row.ms.min);
  const hi = w.unit === "GFLOP/s" ? inUnit(w, row.ms.min) : inUnit(w, row.ms.max);
  const medianText = w.unit === "GFLOP/s" ? `${sig(median)} (${timeText(row.ms.median)})` : sig(median);
  const check = row.status === "ok" ? `ok (${row.agreement})` : `DISAGREES (${row.agreement}); excluded`;
  return [
    name,
    row.impl,
    medianText,
    `${sig(lo)}–${sig(hi)}`,
    w.unit,
    speedVs(rows, row, "wasmgrad"),
    speedVs(rows, row, "tfjs-wasm"),
    row.cpuShare === undefined ? "—" : row.cpuShare.toFixed(2),
    check,
  ];
}

/**
 * What each group of graph passes brings, from the wasmgrad rows of one workload: the rewrite
 * passes (simplify, fold, cse: wasmgrad-O0 → wasmgrad-nofuse) and fusion (wasmgrad-nofuse →
 * wasmgrad), as speedups t(before) / t(after) of the medians.
 */
export const PASS_GROUPS = [
  { name: "simplify + fold + cse", from: "wasmgrad-O0", to: "wasmgrad-nofuse" },
  { name: "fuse", from: "wasmgrad-nofuse", to: "wasmgrad" },
  { name: "whole -O2 pipeline", from: "wasmgrad-O0", to: "wasmgrad" },
  // not a graph pass: binaryen's optimizer over the finished module (compile's `optimize`)
  { name: "binaryen -O3 (opt-in)", from: "wasmgrad", to: "wasmgrad-binaryen-O3" },
] as const;

/** One line per (workload, pass group) whose two rows were measured and agree. */
export function passGroupRows(rows: readonly Row[]): string[][] {
  const out: string[][] = [];
  const workloads = [...new Set(rows.map((r) => r.workload))];
  for (const w of workloads) {
    const at = (impl: string) =>
      rows.find((r) => r.workload === w && r.impl === impl && r.status === "ok" && r.ms !== undefined);
    for (const g of PASS_GROUPS) {
      const [a, b] = [at(g.from), at(g.to)];
      if (!a || !b) continue;
      const kernels = (r: Row) => /(\d+) kernels/.exec(r.notes?.join("; ") ?? "")?.[1] ?? "?";
      out.push([
        `${w.id} ${w.title}`,
        g.name,
        `${timeText(a.ms!.median)} → ${timeText(b.ms!.median)}`,
        `${kernels(a)} → ${kernels(b)}`,
        `${sig(a.ms!.median / b.ms!.median)}×`,
      ]);
    }
  }
  return out;
}

const PASS_HEADER = ["workload", "passes", "time per iteration", "kernels", "speedup"];

export function passGroupTable(rows: readonly Row[]): string {
  const body = passGroupRows(rows);
  if (!body.length) return "";
  const widths = PASS_HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === 4 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(PASS_HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

const HEADER = [
  "workload",
  "implementation",
  "median",
  "min–max",
  "unit",
  "vs wasmgrad",
  "vs tfjs-wasm",
  "cpu/wall",
  "check",
];
/** Columns aligned right (numbers). */
const RIGHT = new Set([2, 3, 5, 6, 7]);

export function consoleTable(rows: readonly Row[]): string {
  const body = rows.map((r) => cells(rows, r));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (RIGHT.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(HEADER), widths.map((w) => "-".repeat(w)).join("  ")];
  let last = "";
  for (let i = 0; i < rows.length; i++) {
    if (last && rows[i]!.workload.id !== last) out.push("");
    last = rows[i]!.workload.id;
    out.push(line(body[i]!));
  }
  return out.join("\n");
}

/** 1e-4 rather than 0.0001. */
function sci(x: number): string {
  return x.toExponential();
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, "\\|");
}

export interface ReportInput {
  readonly machine: MachineInfo;
  readonly plan: TimingPlan;
  /** Interleaved rounds: each implementation measured this many times, each in a fresh process. */
  readonly rounds: number;
  readonly mode: string;
  /** 1-minute load average when the run started and ended. */
  readonly load: { readonly start: number; readonly end: number };
  readonly rows: readonly Row[];
  /** Set-up notes per implementation (or why it was skipped). */
  readonly impls: readonly { id: string; notes: readonly string[]; skip?: string }[];
}

export function markdown(r: ReportInput): string {
  const m = r.machine;
  const out: string[] = [];
  out.push("# wasmgrad benchmark results", "");
  out.push(
    "Generated by `npm run bench` (bench/run.ts); see bench/README.md. Do not edit by hand: rerun the benchmark.",
    "",
  );
  out.push("## Machine", "");
  out.push(`- Date: ${m.date}`);
  out.push(`- CPU: ${m.cpu} (${m.cpuFlags}); ${m.logicalCores} logical cores; ${m.memoryGiB} GiB RAM`);
  out.push(`- OS: ${m.os}`);
  out.push(`- Node ${m.node} (V8 ${m.v8}); gcc ${m.gcc}`);
  out.push(
    `- Packages: ${Object.entries(m.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  out.push(`- wasmgrad commit: ${m.git}`);
  out.push(`- Run: ${r.mode}; process nice value ${m.nice}`);
  out.push(
    `- Load average (1 min): ${r.load.start.toFixed(2)} at the start, ${r.load.end.toFixed(2)} at the end ` +
      `(the benchmark itself adds about 1; much more means other work shared the CPU and the numbers are noisier)`,
    "",
  );

  out.push("## Results", "");
  out.push(
    "Median over the repeats of all rounds, with the fastest and slowest repeat. “vs X” is the speed relative to X: " +
      "t(X) / t(implementation), so 2× means twice as fast as X and 0.5× half as fast. " +
      "Implementations that disagree with the reference, fail or are skipped have no ratios. " +
      "“cpu/wall” is the CPU time the measuring process got during the repeats divided by the wall time: " +
      "well below 1 means it waited for the CPU (other load) and its times are inflated; " +
      "above 1 means background threads (V8's compiler, GC) also ran.",
    "",
  );
  out.push(
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map((_, i) => (RIGHT.has(i) ? "---:" : "---")).join(" | ")} |`,
  );
  for (const row of r.rows) out.push(`| ${cells(r.rows, row).map(mdEscape).join(" | ")} |`);
  out.push("");

  const groups = passGroupRows(r.rows);
  if (groups.length) {
    out.push("## What each pass group brings", "");
    out.push(
      "Speedup of each group of graph passes on the wasmgrad rows above (medians): the rewrite passes " +
        "(`wasmgrad-O0` → `wasmgrad-nofuse`, which runs simplify, fold and cse but leaves every node its own " +
        "kernel), then fusion (`wasmgrad-nofuse` → `wasmgrad`: loop fusion, matmul epilogues, reductions with " +
        "their producers, multi-output kernels such as the fused optimizer updates). Kernels: the timed entry's.",
      "",
    );
    out.push(
      `| ${PASS_HEADER.join(" | ")} |`,
      `| ${PASS_HEADER.map((_, i) => (i === 4 ? "---:" : "---")).join(" | ")} |`,
    );
    for (const g of groups) out.push(`| ${g.map(mdEscape).join(" | ")} |`);
    out.push("");
  }

  out.push("## Workloads", "");
  for (const w of WORKLOADS) {
    out.push(`- **${w.id} ${w.title}**: ${w.description}.${w.planned ? ` Not run yet: ${w.planned}.` : ""}`);
  }
  out.push("");

  out.push("## Implementations", "");
  for (const impl of r.impls) {
    const extra = r.rows.filter((row) => row.impl === impl.id && row.notes?.length);
    const lines = [
      ...impl.notes,
      ...(impl.skip ? [`skipped: ${impl.skip}`] : []),
      ...extra.map((row) => `${row.workload.id}: ${row.notes!.join("; ")}`),
    ];
    out.push(`- **${impl.id}**: ${lines.join(". ")}`);
  }
  out.push("");

  out.push("## How measured", "");
  out.push(
    `- Data: inputs, labels and initial weights come from one seeded PRNG (bench/lib/data.ts). Each measuring process regenerates them deterministically and the harness checks a checksum of every array; native C reads the harness's arrays from a binary file.`,
    `- Agreement, before timing, on a fresh state, against the plain-JS reference: W1 losses of steps 1–3 within ${sci(TOLERANCE.w1Loss)} relative and the first update within ${sci(TOLERANCE.w1Update)} of the largest update; W2 the same with ${sci(TOLERANCE.w2Loss)} and ${sci(TOLERANCE.w2Update)} (per parameter tensor); W3 probabilities within ${sci(TOLERANCE.w3Output)} absolute (16 inputs); W4 max |ΔC| / max |C| within ${sci(TOLERANCE.w4Result)}; W6 as W1 with ${sci(TOLERANCE.w6Loss)} and ${sci(TOLERANCE.w6Update)}.`,
    `- Timing: each (workload, implementation) runs in a fresh Node process (native C: its own program), so no peer inherits JIT or heap state from another. Warm up for at least ${r.plan.warmupMs} ms (batches of 1, 2, 4, … iterations), then ${r.plan.repeats} repeats of enough back-to-back iterations for at least ${r.plan.targetMs} ms each (calibrated from the warm-up). Before each repeat the W1 and W2 parameters are reset to the initial ones (not timed). This runs in ${r.rounds} round(s) that interleave the implementations (all of them once, then all again, …; each round starts one implementation later than the one before), each round a fresh process; the table pools every round's repeats. The machine has slow phases lasting up to seconds (another tenant on the shared core or cache: throughput-bound SIMD code such as W1 then takes up to 1.5× as long, a latency-bound scalar loop does not slow down), and interleaving spreads them over all implementations instead of one.`,
    "- W1: one step is forward + backward + SGD update with the loss read back to JavaScript (`dataSync()` for tfjs and jax-js), so it is complete when the call returns. The batch stays resident in each peer.",
    "- W2: one step is the forward pass over the 32 time steps from h_0 = 0, full backpropagation through time, and the SGD update of Wx, Wh, bh, Wy, by, with the loss read back the same way. The sequence and its labels stay resident; no hidden state is carried from one step to the next.",
    "- W3: one call writes the 64 inputs (cycling through 16 input vectors), runs the network and copies the 10 probabilities into a JavaScript Float32Array.",
    "- W6: one step is LeNet-5's forward pass, backward pass and SGD update of its ten tensors, the loss read back as in W1. The batch is converted once to each peer's layout (NHWC for TensorFlow.js); on tfjs-wasm the convolutions are `tf.conv3d` over a depth of 1, because its wasm backend has no kernel for the filter gradient of `tf.conv2d`.",
    "- W4: GFLOP/s = 2·n³ / median time. C is complete when the timed call returns (tfjs kernels run synchronously; jax-js is awaited with `blockUntilReady()`); C is not copied out.",
    "- Threads: every peer runs on one thread (tfjs-backend-wasm and jax-js do not start workers under Node; see Implementations).",
  );
  return out.join("\n") + "\n";
}

export async function writeMarkdown(file: string, text: string): Promise<void> {
  const config = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...config, filepath: file }));
}
