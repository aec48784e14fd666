/**
 * Compile time against graph size: the chain of N mul+add pairs and the hand-unrolled RNN of T
 * steps (bench/compile/models.ts), each point built and compiled end to end in a fresh process
 * (probe.ts `series`), with a timeout per process. A point that does not finish is reported as such
 * and the larger sizes of that series are not run.
 */
import { median } from "../lib/timing.js";
import { runProbe, type CaseContext } from "./cases.js";
import type { Series } from "./models.js";

export interface ScalingPlan {
  readonly sizes: Readonly<Record<Series, readonly number[]>>;
  /** Processes per point, as long as one takes at most `repeatBelowMs`. */
  readonly repeats: number;
  readonly repeatBelowMs: number;
  readonly timeoutMs: number;
}

export const FULL_SCALING: ScalingPlan = {
  sizes: { chain: [30, 100, 300, 1000, 3000, 10000], unrolled: [3, 10, 30, 100, 300, 1000] },
  repeats: 3,
  repeatBelowMs: 15_000,
  timeoutMs: 240_000,
};

export const QUICK_SCALING: ScalingPlan = {
  sizes: { chain: [30, 300, 3000], unrolled: [3, 30, 100] },
  repeats: 1,
  repeatBelowMs: 0,
  timeoutMs: 90_000,
};

export const SERIES_TEXT: Record<Series, { name: string; size: string }> = {
  chain: { name: "chain of mul+add pairs", size: "N" },
  unrolled: { name: "hand-unrolled RNN (SGD)", size: "T" },
};

export interface ScalingPoint {
  readonly series: Series;
  readonly size: number;
  readonly status: "ok" | "timeout" | "error" | "not run";
  readonly reason?: string;
  /** Nodes of the model's forward graph as the DSL built it. */
  readonly nodes?: number;
  /** Medians over the processes, in ms. */
  readonly buildMs?: number;
  readonly compileMs?: number;
  readonly totalMs?: number;
  readonly kernels?: number;
  readonly processes?: number;
}

export async function runScaling(
  c: CaseContext,
  plan: ScalingPlan,
  log: (line: string) => void,
): Promise<ScalingPoint[]> {
  const points: ScalingPoint[] = [];
  const ctx = { ...c, timeoutMs: plan.timeoutMs };
  for (const series of ["chain", "unrolled"] as const) {
    let stopped: string | undefined;
    for (const size of plan.sizes[series]) {
      const label = `  scaling ${series} ${SERIES_TEXT[series].size}=${size}`;
      if (stopped) {
        points.push({ series, size, status: "not run", reason: stopped });
        continue;
      }
      const runs: Record<string, number>[] = [];
      let failure: ScalingPoint | undefined;
      for (let r = 0; r < plan.repeats; r++) {
        if (r > 0 && runs[0]!.totalMs! > plan.repeatBelowMs) break;
        try {
          runs.push(await runProbe(ctx, ["series", series, String(size)]));
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          const timeout = msg.startsWith("did not finish");
          failure = { series, size, status: timeout ? "timeout" : "error", reason: msg };
          break;
        }
      }
      if (failure && !runs.length) {
        log(`${label}: ${failure.reason}`);
        points.push(failure);
        stopped = `${SERIES_TEXT[series].size}=${size} did not finish`;
        continue;
      }
      const med = (k: string) => median(runs.map((x) => x[k]!));
      const p: ScalingPoint = {
        series,
        size,
        status: "ok",
        nodes: runs[0]!.nodes!,
        buildMs: med("buildMs"),
        compileMs: med("compileMs"),
        totalMs: med("totalMs"),
        ...(runs[0]!.kernels !== undefined ? { kernels: runs[0]!.kernels } : {}),
        processes: runs.length,
      };
      log(
        `${label}: ${p.nodes} nodes, build ${p.buildMs!.toFixed(0)} ms + compile ${p.compileMs!.toFixed(0)} ms` +
          ` (median of ${runs.length} process${runs.length > 1 ? "es" : ""})`,
      );
      points.push(p);
    }
  }
  return points;
}
