/**
 * The compile section of `npm run bench`: what each path costs before its first training step.
 * Every probe (bench/compile/cases.ts) runs once per round in a fresh process, the rounds
 * interleaving the probes (each round starting one probe later, as the throughput rounds do) so
 * that a slow phase of the machine spreads over all of them; then the scaling series
 * (bench/compile/scaling.ts). Prints progress as it goes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAverage } from "../lib/machine.js";
import { probes, type CaseContext, type Metric } from "./cases.js";
import { environment, type Environment } from "./environment.js";
import { FULL_SCALING, QUICK_SCALING, runScaling, type ScalingPlan, type ScalingPoint } from "./scaling.js";

export interface SectionOptions {
  readonly root: string;
  readonly quick: boolean;
  readonly impls: ReadonlySet<string>;
  readonly log: (line: string) => void;
}

export interface MetricResult {
  readonly metric: Metric;
  /** One value per process, in ms. */
  readonly samples: number[];
  /** Set when the probe was skipped or failed (the samples taken before a failure are kept). */
  reason?: string;
}

export interface CompileResults {
  readonly date: string;
  readonly processes: number;
  readonly timeoutMs: number;
  readonly scalingPlan: ScalingPlan;
  readonly env: Environment;
  readonly metrics: readonly MetricResult[];
  readonly scaling: readonly ScalingPoint[];
  readonly load: { readonly start: number; readonly end: number };
}

const FULL_PROCESSES = 5;
const QUICK_PROCESSES = 1;
const TIMEOUT_MS = 300_000;

function hasGcc(): boolean {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0]! : String(e);
}

export async function runCompileSection(o: SectionOptions): Promise<CompileResults> {
  const loadStart = loadAverage();
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const env = environment(o.root);
  const processes = o.quick ? QUICK_PROCESSES : FULL_PROCESSES;
  const scalingPlan = o.quick ? QUICK_SCALING : FULL_SCALING;
  o.log(
    `\ncompile section: what each path costs before the first step; every number from fresh processes, ` +
      `median of ${processes} (interleaved rounds), ${TIMEOUT_MS / 1000} s timeout per process`,
  );
  if (env.staleDist.length)
    o.log(
      `  warning: dist/ is older than ${env.staleDist.length} compiler source file(s) (e.g. ${env.staleDist[0]}): ` +
        `the CLI, import and compile() rows measure the old build; run npm run build first`,
    );
  o.log(
    `  CLI compile cache: ${env.noCacheFlag ? "yes (--no-cache for the cold rows)" : "none (no --no-cache)"}`,
  );

  const tmp = mkdtempSync(join(tmpdir(), "wasmgrad-bench-compile-"));
  const ctx: CaseContext = { env, tmp, impls: o.impls, timeoutMs: TIMEOUT_MS };
  try {
    const list = probes(ctx, hasGcc());
    const results = new Map<string, MetricResult>();
    for (const p of list) for (const m of p.metrics) results.set(m.id, { metric: m, samples: [] });
    const failed = new Set<string>();
    for (const p of list) {
      if (p.skip) {
        for (const m of p.metrics) results.get(m.id)!.reason = `skipped: ${p.skip}`;
        failed.add(p.id);
        continue;
      }
      try {
        await p.prepare?.();
      } catch (e) {
        for (const m of p.metrics) results.get(m.id)!.reason = `error: ${message(e)}`;
        failed.add(p.id);
      }
    }
    const runnable = list.filter((p) => !failed.has(p.id));
    for (let round = 1; round <= processes; round++) {
      const shift = runnable.length ? (round - 1) % runnable.length : 0;
      for (const p of [...runnable.slice(shift), ...runnable.slice(0, shift)]) {
        if (failed.has(p.id)) continue;
        const label = `  ${p.id}${processes > 1 ? ` [${round}/${processes}]` : ""}`;
        try {
          const values = await p.run();
          for (const [k, v] of Object.entries(values)) results.get(k)?.samples.push(v);
          o.log(
            `${label}: ${Object.entries(values)
              .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
              .join(", ")}`,
          );
        } catch (e) {
          failed.add(p.id);
          for (const m of p.metrics) results.get(m.id)!.reason = `error: ${message(e)}`;
          o.log(`${label}: ERROR ${message(e)}`);
        }
      }
    }
    const scaling = o.impls.has("wasmgrad") ? await runScaling(ctx, scalingPlan, o.log) : [];
    return {
      date,
      processes,
      timeoutMs: TIMEOUT_MS,
      scalingPlan,
      env,
      metrics: [...results.values()],
      scaling,
      load: { start: loadStart, end: loadAverage() },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
