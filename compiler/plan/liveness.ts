/**
 * Liveness over a schedule: the steps during which each arena buffer must keep its bytes.
 *
 * Step s runs the s-th kernel of the schedule; step n (the schedule's length) is the end of the
 * entry, when results that are not computed in their slot are copied there. Intervals are closed:
 * a value occupies its bytes from the step of its kernel (its first definition) to the step of its
 * last reader, both included, so an operand and the output of the kernel that reads it last are
 * live together at that step and never share bytes unless inplace.ts decides so explicitly.
 *
 *  - A view (reshape, stop_gradient) has no bytes of its own: a read of a view is a read of its
 *    root, so views extend their source's interval.
 *  - A result copied at the end lives until step n.
 *  - A kernel's internal scratch lives only during its own step: [s, s].
 *  - The extra outputs of a multi-output kernel are defined at that kernel's step.
 *  - Values in persistent memory (leaves, constants, results written into their slots) are not in
 *    the arena and have no interval here.
 */
import type { Node } from "../ir/node.js";
import type { EntryGraph } from "./entry.js";

export interface Interval {
  /** First step that needs the bytes (the kernel that defines the value). */
  readonly start: number;
  /** Last step that needs them (the last reader; n for values copied at the end). */
  readonly end: number;
}

export const overlap = (a: Interval, b: Interval): boolean => a.start <= b.end && b.start <= a.end;

/**
 * The interval of every root in `arena` (roots computed by a kernel into arena bytes), for the
 * kernels run in `schedule` order; `atEnd` holds the roots read by the copies at step n.
 */
export function valueIntervals(
  entry: EntryGraph,
  schedule: readonly Node[],
  arena: ReadonlySet<Node>,
  atEnd: ReadonlySet<Node>,
): Map<Node, Interval> {
  const start = new Map<Node, number>();
  const end = new Map<Node, number>();
  schedule.forEach((k, s) => {
    for (const v of [k, ...(entry.extras.get(k) ?? [])]) if (arena.has(v)) start.set(v, s);
    for (const r of entry.reads.get(k)!) if (arena.has(r)) end.set(r, Math.max(end.get(r) ?? -1, s));
  });
  const n = schedule.length;
  const intervals = new Map<Node, Interval>();
  for (const [r, s] of start) {
    const last = atEnd.has(r) ? n : (end.get(r) ?? s);
    intervals.set(r, { start: s, end: Math.max(s, last) });
  }
  return intervals;
}

/** Step -> total bytes of the items live at that step, for steps 0..steps (inclusive). */
export function liveProfile(
  items: readonly { readonly bytes: number; readonly start: number; readonly end: number }[],
  steps: number,
): number[] {
  // difference array: +bytes at start, -bytes after end
  const delta = new Array<number>(steps + 2).fill(0);
  for (const it of items) {
    delta[it.start]! += it.bytes;
    delta[it.end + 1]! -= it.bytes;
  }
  const live: number[] = [];
  let sum = 0;
  for (let t = 0; t <= steps; t++) live.push((sum += delta[t]!));
  return live;
}
