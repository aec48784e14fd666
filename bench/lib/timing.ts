/**
 * The timing protocol (the native peer implements the same one in bench/native/common.h):
 *  1. warm up: run batches of 1, 2, 4, ... iterations until at least `warmupMs` have passed;
 *  2. calibrate: iterations per repeat = ceil(targetMs / time per iteration of the last batch);
 *  3. repeat `repeats` times: reset (not timed), then time that many iterations back to back.
 * The result is the time per iteration of every repeat; reports use the median and the min–max.
 * It also records the CPU time the process got during the repeats divided by the wall time: well
 * below 1 means the process waited for the CPU (other load), so its timings are inflated.
 */
import type { Measurement, TimingPlan } from "./types.js";

/** Runs `iterations` iterations of the workload. */
export type Body = (iterations: number) => void | Promise<void>;

export async function measure(body: Body, plan: TimingPlan, reset?: () => void): Promise<Measurement> {
  reset?.();
  let warmupIterations = 0;
  let batch = 1;
  let lastPerIter = 0;
  const warmStart = performance.now();
  for (;;) {
    const t0 = performance.now();
    await body(batch);
    const t1 = performance.now();
    warmupIterations += batch;
    lastPerIter = (t1 - t0) / batch;
    if (t1 - warmStart >= plan.warmupMs && warmupIterations >= 2) break;
    batch *= 2;
  }
  const iterationsPerRepeat = Math.max(1, Math.ceil(plan.targetMs / Math.max(lastPerIter, 1e-6)));
  const perIterMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let r = 0; r < plan.repeats; r++) {
    reset?.();
    const t0 = performance.now();
    await body(iterationsPerRepeat);
    perIterMs.push((performance.now() - t0) / iterationsPerRepeat);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
  return { perIterMs, iterationsPerRepeat, warmupIterations, cpuShare };
}

/** A synchronous loop body (no promise per batch). */
export function syncBody(step: () => void): Body {
  return (n) => {
    for (let i = 0; i < n; i++) step();
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarize(m: Measurement): { median: number; min: number; max: number } {
  return { median: median(m.perIterMs), min: Math.min(...m.perIterMs), max: Math.max(...m.perIterMs) };
}
