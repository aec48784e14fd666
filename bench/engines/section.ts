/**
 * The engines section of `npm run bench`: the same compiled artifacts (artifacts.ts) measured
 * under Node, Node with relaxed SIMD, Deno, Bun and headless Chromium (hosts.ts), each running
 * bench/engines/host.mjs against a file server on 127.0.0.1, with native C's W1 and W3 measured
 * in the same run (bench/impl/native.ts, through the throughput section's protocol). Prints
 * progress as it goes; report.ts formats the results.
 */
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, serveFiles } from "../../test/e2e/support.js";
import { native } from "../impl/native.js";
import { makeW1Data, makeW3Data } from "../lib/data.js";
import { loadAverage } from "../lib/machine.js";
import { runWorkload, type WorkloadData } from "../lib/protocol.js";
import { median } from "../lib/timing.js";
import type { F32, TrainCheck } from "../lib/types.js";
import { writeArtifacts } from "./artifacts.js";
import { HOSTS } from "./hosts.js";
import type { CaseRun, HostPlan, HostResult } from "./types.js";

// Each repeat at least ~150 ms (the timer of a page is coarser than a process's).
export const FULL_PLAN: HostPlan = { warmupMs: 1000, targetMs: 150, repeats: 7 };
export const QUICK_PLAN: HostPlan = { warmupMs: 100, targetMs: 30, repeats: 3 };

export interface HostRow {
  readonly label: string;
  readonly command: string;
  /** The engine's own name and version, as the host printed it. */
  readonly engine?: string;
  readonly relaxedSimdAvailable?: boolean;
  /** missing: the binary is absent; error: the host failed (`reason` says how). */
  readonly status: "ok" | "missing" | "error";
  readonly reason?: string;
  readonly cases: readonly CaseRun[];
  /**
   * Native C's median per iteration just before and just after this host ran (their mean), by
   * workload: the machine's slow phases last minutes, so each engine is compared with the native
   * runs around it.
   */
  readonly nativeNearby?: Readonly<Partial<Record<"W1" | "W3", number>>>;
}

/** Native C on one workload: its timings and the check values comparable with the hosts'. */
export type NativeRun =
  | {
      readonly id: "W1" | "W3";
      readonly perIterMs: readonly number[];
      readonly iterationsPerRepeat: number;
      readonly check: readonly number[];
    }
  | { readonly id: "W1" | "W3"; readonly error: string };

export interface EnginesResults {
  readonly date: string;
  readonly plan: HostPlan;
  readonly hosts: readonly HostRow[];
  readonly native: readonly NativeRun[];
  readonly nativeNotes: readonly string[];
  readonly load: { readonly start: number; readonly end: number };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0]! : String(e);
}

/** runtime/*.ts newer than their dist/runtime/*.js: the hosts would measure an old runtime. */
function staleRuntime(): string[] {
  return readdirSync(join(repoRoot, "runtime"))
    .filter((f) => f.endsWith(".ts"))
    .filter((f) => {
      const out = join(repoRoot, "dist/runtime", f.replace(/\.ts$/, ".js"));
      return !existsSync(out) || statSync(out).mtimeMs < statSync(join(repoRoot, "runtime", f)).mtimeMs;
    });
}

/** Native C's W1 and W3 with the hosts' plan; the check values are the hosts' (types.ts). */
async function runNative(plan: HostPlan, log: (line: string) => void): Promise<[NativeRun[], string[]]> {
  const setup = await native.setup(plan);
  if (setup.skip) {
    log(`  native-c   SKIPPED (${setup.skip})`);
    return [["W1" as const, "W3" as const].map((id) => ({ id, error: setup.skip! })), []];
  }
  const out: NativeRun[] = [];
  try {
    const workloads: WorkloadData[] = [
      { group: "W1", data: makeW1Data() },
      { group: "W3", data: makeW3Data() },
    ];
    for (const wd of workloads) {
      const id = wd.group as "W1" | "W3";
      try {
        const o = await runWorkload(native, wd, plan);
        const check = id === "W1" ? (o.check as TrainCheck).losses : Array.from((o.check as F32[])[0]!);
        const m = o.measurement;
        out.push({ id, perIterMs: m.perIterMs, iterationsPerRepeat: m.iterationsPerRepeat, check });
        log(`  native-c   ${id}: median ${median(m.perIterMs).toPrecision(3)} ms per iteration`);
      } catch (e) {
        out.push({ id, error: message(e) });
        log(`  native-c   ${id}: ERROR ${message(e)}`);
      }
    }
  } finally {
    await native.teardown?.();
  }
  return [out, [...setup.notes]];
}

/** Every round's repeats of each workload in one run (the first error when a round failed). */
function poolRounds(rounds: readonly NativeRun[][]): NativeRun[] {
  return (["W1", "W3"] as const).flatMap((id) => {
    const runs = rounds.flatMap((r) => r.filter((n) => n.id === id));
    const ok = runs.filter((n): n is Extract<NativeRun, { perIterMs: readonly number[] }> => !("error" in n));
    if (ok.length === 0) return runs.slice(0, 1);
    return [{ ...ok[0]!, perIterMs: ok.flatMap((n) => n.perIterMs) }];
  });
}

function summary(r: HostResult): string {
  return r.cases
    .map((c) =>
      "error" in c
        ? `${c.id} ERROR ${c.error}`
        : `${c.id} ${c.picked.relaxedSimd ? "relaxed" : "baseline"} ${median(c.picked.perIterMs).toPrecision(3)} ms` +
          ` / baseline ${median(c.baseline.perIterMs).toPrecision(3)} ms`,
    )
    .join("; ");
}

export async function runEnginesSection(o: {
  readonly quick: boolean;
  readonly log: (line: string) => void;
}): Promise<EnginesResults> {
  const loadStart = loadAverage();
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const plan = o.quick ? QUICK_PLAN : FULL_PLAN;
  o.log(
    `\nengines section: one artifact per workload (compiled with relaxedSimd "auto") under each engine; ` +
      `warm-up >= ${plan.warmupMs} ms, ${plan.repeats} repeats of >= ${plan.targetMs} ms per variant, the variants interleaved`,
  );
  const stale = staleRuntime();
  if (stale.length)
    o.log(
      `  warning: dist/runtime is older than runtime/${stale[0]}: the hosts run the old runtime (npm run build)`,
    );

  const dir = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-bench-engines-")));
  const server = await serveFiles({
    "/dist/runtime/": join(repoRoot, "dist/runtime"),
    "/bench/engines/": join(repoRoot, "bench/engines"),
    "/data/": dir,
  });
  try {
    o.log("  compiling W1, W2, W3, W4-256 ...");
    await writeArtifacts(dir, plan);
    const casesUrl = `${server.url}/data/cases.json`;

    // native C runs before every host and after the last (nativeNearby)
    o.log("  native-c   W1, W3 (gcc, same plan) ...");
    const [firstNative, nativeNotes] = await runNative(plan, o.log);
    const nativeRounds: NativeRun[][] = [firstNative];
    const nearby = (k: number) => {
      const at = (round: NativeRun[] | undefined, id: "W1" | "W3") => {
        const n = round?.find((x) => x.id === id);
        return n && !("error" in n) ? [median(n.perIterMs)] : [];
      };
      const byId: Partial<Record<"W1" | "W3", number>> = {};
      for (const id of ["W1", "W3"] as const) {
        const ms = [...at(nativeRounds[k], id), ...at(nativeRounds[k + 1], id)];
        if (ms.length) byId[id] = ms.reduce((a, b) => a + b, 0) / ms.length;
      }
      return byId;
    };

    const hosts: HostRow[] = [];
    for (const [k, h] of HOSTS.entries()) {
      if (k > 0) nativeRounds.push((await runNative(plan, o.log))[0]);
      const base = { label: h.label, command: h.command };
      const missing = h.missing();
      if (missing) {
        o.log(`  ${h.label}: ${missing}`);
        hosts.push({ ...base, status: "missing", reason: missing, cases: [] });
        continue;
      }
      o.log(`  ${h.label}: running ...`);
      try {
        const r = await h.measure(casesUrl, dir);
        o.log(`  ${h.label}: ${r.engine}; ${summary(r)}`);
        hosts.push({
          ...base,
          status: "ok",
          engine: r.engine,
          relaxedSimdAvailable: r.relaxedSimdAvailable,
          cases: r.cases,
        });
      } catch (e) {
        o.log(`  ${h.label}: ERROR ${message(e)}`);
        hosts.push({ ...base, status: "error", reason: message(e), cases: [] });
      }
    }
    nativeRounds.push((await runNative(plan, o.log))[0]);
    return {
      date,
      plan,
      hosts: hosts.map((h, k) => ({ ...h, nativeNearby: nearby(k) })),
      native: poolRounds(nativeRounds),
      nativeNotes,
      load: { start: loadStart, end: loadAverage() },
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
