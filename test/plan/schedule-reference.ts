// The list scheduler as it was before its ready list became a heap (compiler/plan/key-heap.ts):
// every step scans every ready kernel and recomputes its key. Kept as the specification that
// test/plan/schedule-heap.test.ts compares the heap scheduler with (the very same orders).
import type { Node } from "../../compiler/ir/node.js";
import type { ScheduleProblem, Strategy } from "../../compiler/plan/schedule.js";

export function listScheduleByScan(p: ScheduleProblem, strategy: Strategy): Node[] {
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
  for (const k of p.kernels) for (const r of p.reads.get(k)!) remaining.set(r, (remaining.get(r) ?? 0) + 1);
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
  const recency = (k: Node): number => Math.max(-1, ...(p.deps.get(k) ?? []).map((d) => doneAt.get(d)!));

  const ready = p.kernels.filter((k) => waiting.get(k) === 0);
  const order: Node[] = [];
  while (ready.length) {
    let best = 0;
    if (strategy !== "program") {
      let key: [number, number, number] | undefined;
      ready.forEach((k, i) => {
        const g = growth(k);
        const r = -recency(k);
        const kk: [number, number, number] =
          strategy === "memory" ? [g, r, index.get(k)!] : [r, g, index.get(k)!];
        if (
          !key ||
          kk[0] < key[0] ||
          (kk[0] === key[0] && (kk[1] < key[1] || (kk[1] === key[1] && kk[2] < key[2])))
        ) {
          key = kk;
          best = i;
        }
      });
    } else {
      ready.forEach((k, i) => {
        if (index.get(k)! < index.get(ready[best]!)!) best = i;
      });
    }
    const k = ready[best]!;
    ready.splice(best, 1);
    doneAt.set(k, order.length);
    order.push(k);
    for (const r of p.reads.get(k)!) remaining.set(r, remaining.get(r)! - 1);
    for (const d of dependents.get(k) ?? []) {
      const w = waiting.get(d)! - 1;
      waiting.set(d, w);
      if (w === 0) ready.push(d);
    }
  }
  if (order.length !== p.kernels.length) throw new Error("internal: the scheduling constraints form a cycle");
  return order;
}
