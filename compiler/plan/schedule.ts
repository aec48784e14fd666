/**
 * Scheduling: the order in which an entry runs its kernels. Any topological order computes the
 * same values; they differ in how many bytes are live at once, which is what the arena must hold.
 *
 * `listSchedule` is a list scheduler: it keeps the set of ready kernels (every dependency done)
 * and repeatedly runs one of them, chosen by a strategy:
 *
 *  - "memory": the kernel that adds the fewest bytes to what is live: the bytes of its output
 *    (0 when it writes into a persistent slot) minus the bytes of the operands it reads last.
 *    Ties go to the kernel that reads the most recently computed value (depth first, which keeps
 *    chains together and cache-warm), then to the earlier node of the graph. So kernels that free
 *    memory run as soon as they can, and large allocations wait until they are needed.
 *  - "depth": the most recently computed value first, then fewest bytes added.
 *  - "program": the earliest ready node in the graph's own topological order (a depth-first
 *    post-order from the results: the order the simple plan used).
 *
 * The planner schedules with every strategy and keeps the one whose arena packs smallest. Every
 * choice is deterministic (ties end on the node's position in the graph's order).
 */
import type { Node } from "../ir/node.js";
import { KeyHeap, type Key } from "./key-heap.js";

export type Strategy = "memory" | "depth" | "program";
export const STRATEGIES: readonly Strategy[] = ["memory", "depth", "program"];

export interface ScheduleProblem {
  /** The kernels to run, in a topological order (the "program" order, and the final tie-break). */
  readonly kernels: readonly Node[];
  /** Kernel -> kernels that must run before it (data dependencies and planner constraints). */
  readonly deps: ReadonlyMap<Node, readonly Node[]>;
  /** Kernel -> the distinct roots it reads. */
  readonly reads: ReadonlyMap<Node, readonly Node[]>;
  /** Roots held in the arena -> their bytes (absent: the value is in persistent memory). */
  readonly bytes: ReadonlyMap<Node, number>;
  /** Roots that stay live until the end (copied into their slots after the last kernel). */
  readonly liveAtEnd: ReadonlySet<Node>;
  /** Extra outputs of multi-output kernels (written at the kernel's step). */
  readonly extras?: ReadonlyMap<Node, readonly Node[]>;
}

export function listSchedule(p: ScheduleProblem, strategy: Strategy): Node[] {
  const index = new Map(p.kernels.map((k, i) => [k, i]));
  const waiting = new Map<Node, number>();
  const dependents = new Map<Node, Node[]>();
  for (const k of p.kernels) {
    const deps = [...new Set(p.deps.get(k) ?? [])];
    waiting.set(k, deps.length);
    for (const d of deps) {
      if (!index.has(d)) throw new Error(`internal: %${k.id} depends on %${d.id}, which is not scheduled`);
      let list = dependents.get(d);
      if (!list) dependents.set(d, (list = []));
      list.push(k);
    }
  }
  // root -> readers not yet scheduled
  const remaining = new Map<Node, number>();
  const readersOf = new Map<Node, Node[]>();
  for (const k of p.kernels) {
    for (const r of p.reads.get(k)!) {
      remaining.set(r, (remaining.get(r) ?? 0) + 1);
      let list = readersOf.get(r);
      if (!list) readersOf.set(r, (list = []));
      list.push(k);
    }
  }
  const doneAt = new Map<Node, number>();

  /** Bytes the kernel adds to the live set. */
  const growth = (k: Node): number => {
    let g = p.bytes.get(k) ?? 0;
    for (const x of p.extras?.get(k) ?? []) g += p.bytes.get(x) ?? 0;
    for (const r of p.reads.get(k)!) {
      if (remaining.get(r) === 1 && !p.liveAtEnd.has(r)) g -= p.bytes.get(r) ?? 0;
    }
    return g;
  };
  /** The step of the most recently computed dependency (-1: none). */
  const recency = (k: Node): number => {
    let r = -1;
    for (const d of p.deps.get(k) ?? []) r = Math.max(r, doneAt.get(d)!);
    return r;
  };

  // The ready kernels, in a heap by the strategy's key. A ready kernel's recency is fixed (its
  // dependencies are done), but its growth falls when another reader of an operand runs and
  // leaves it the last one: it is pushed again with the new key, and entries whose growth is no
  // longer the kernel's (growth only falls, so a stale entry never matches) are skipped.
  const current = new Map<Node, { growth: number; recency: number }>(); // the ready kernels
  const heap = new KeyHeap<Node>();
  const push = (k: Node, growth: number, recency: number) => {
    current.set(k, { growth, recency });
    const i = index.get(k)!;
    const key: Key =
      strategy === "memory"
        ? [growth, -recency, i]
        : strategy === "depth"
          ? [-recency, growth, i]
          : [i, 0, 0];
    heap.push(k, key, growth);
  };
  const ready = (k: Node) => push(k, strategy === "program" ? 0 : growth(k), recency(k));
  for (const k of p.kernels) if (waiting.get(k) === 0) ready(k);
  const order: Node[] = [];
  for (;;) {
    const top = heap.pop();
    if (!top) break;
    const k = top.item;
    if (current.get(k)?.growth !== top.tag) continue; // stale, or already run
    current.delete(k);
    doneAt.set(k, order.length);
    order.push(k);
    for (const r of p.reads.get(k)!) {
      const left = remaining.get(r)! - 1;
      remaining.set(r, left);
      if (left !== 1 || strategy === "program" || p.liveAtEnd.has(r) || !p.bytes.get(r)) continue;
      // the one reader of r still to run now frees r's bytes: a lower growth if it is ready
      const last = readersOf.get(r)!.find((x) => !doneAt.has(x))!;
      const waitingLast = current.get(last);
      if (waitingLast) push(last, growth(last), waitingLast.recency);
    }
    for (const d of dependents.get(k) ?? []) {
      const w = waiting.get(d)! - 1;
      waiting.set(d, w);
      if (w === 0) ready(d);
    }
  }
  if (order.length !== p.kernels.length) throw new Error("internal: the scheduling constraints form a cycle");
  return order;
}

/** Whether `order` runs every kernel once, each after all of its dependencies. */
export function isValidSchedule(
  order: readonly Node[],
  kernels: readonly Node[],
  deps: ReadonlyMap<Node, readonly Node[]>,
): boolean {
  const at = new Map(order.map((k, i) => [k, i]));
  if (at.size !== order.length || order.length !== kernels.length) return false;
  return kernels.every(
    (k) => at.has(k) && (deps.get(k) ?? []).every((d) => at.has(d) && at.get(d)! < at.get(k)!),
  );
}
