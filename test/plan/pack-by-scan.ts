// pack() as it was before placement used a segment tree (compiler/plan/occupancy.ts): the same
// orders, rules and restart budget, each placement scanning every overlapping placed item. Kept
// as the specification test/plan/occupancy.test.ts compares pack() with (the very same offsets);
// its one placement is pack-reference.ts's scan, which occupancy.test.ts checks on its own.
import { lowerBound, type Item, type Packing } from "../../compiler/plan/pack.js";
import { overlapLists, placeByScan } from "../../compiler/plan/pack-reference.js";

type Order = (a: Item, b: Item) => number;

const ORDERS: readonly Order[] = [
  // largest first, then earliest
  (a, b) => b.bytes - a.bytes || a.start - b.start || a.end - b.end,
  // earliest first, then largest (the order a bump allocator with reuse would see)
  (a, b) => a.start - b.start || b.bytes - a.bytes || a.end - b.end,
  // longest-lived first
  (a, b) => b.end - b.start - (a.end - a.start) || b.bytes - a.bytes || a.start - b.start,
  // largest area (bytes × steps) first
  (a, b) => b.bytes * (b.end - b.start + 1) - a.bytes * (a.end - a.start + 1) || a.start - b.start,
];

/** One placement: items in `order`, each at the lowest fitting offset or in the tightest gap. */
function place(
  items: readonly Item[],
  neighbours: readonly (readonly number[])[],
  order: Order,
  rule: "first" | "best",
): Packing {
  const ids = items.map((_, i) => i).sort((i, j) => order(items[i]!, items[j]!) || i - j);
  return placeByScan(items, ids, rule, neighbours);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The smallest packing among the candidate orders and rules. When none reaches the lower bound,
 * up to `restarts` more orders are tried: the largest-first order with sizes jittered by up to
 * ±50% from a seeded generator (so the result is still deterministic).
 */
export function packByScan(items: readonly Item[], restarts = 32): Packing {
  const bound = lowerBound(items); // (unchanged in pack.ts)
  const neighbours = overlapLists(items);
  let best: Packing | undefined;
  const tryOrder = (order: Order): boolean => {
    for (const rule of ["first", "best"] as const) {
      const p = place(items, neighbours, order, rule);
      if (!best || p.size < best.size) best = p;
      if (best.size === bound) return true; // nothing beats the lower bound
    }
    return false;
  };
  for (const order of ORDERS) if (tryOrder(order)) return best!;
  // budget: about 4e6 neighbour visits
  const pairs = neighbours.reduce((n, l) => n + l.length, items.length);
  const budget = Math.min(restarts, Math.floor(4e6 / pairs));
  const next = random(0x5eed);
  for (let r = 0; r < budget; r++) {
    const weight = new Map(items.map((it) => [it, it.bytes * (0.5 + next())]));
    if (tryOrder((a, b) => weight.get(b)! - weight.get(a)!)) break;
  }
  return best ?? { offsets: [], size: 0 };
}
