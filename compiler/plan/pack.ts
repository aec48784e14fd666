/**
 * Interval packing: every buffer has a size and a closed interval of steps; give each an offset
 * in one arena so that buffers whose intervals overlap occupy disjoint bytes, and keep the arena
 * small. (XLA's buffer assignment and TFLite's arena planner solve the same problem; both use
 * greedy placements, since the exact problem is NP-hard.)
 *
 * A placement takes the buffers in some order and puts each at an offset that fits among the
 * already placed buffers that overlap it in time: the lowest such offset (first fit) or the one
 * that leaves the smallest gap (best fit). No single order wins on every graph, so `pack` tries a
 * few (largest first, earliest first, longest-lived first, largest area first), with both rules,
 * and keeps the smallest arena; ties go to the earlier candidate, so the result is deterministic.
 *
 * Two numbers frame the result:
 *  - naive: the sum of all sizes (every buffer its own bytes, as a bump allocator gives them);
 *  - lower bound: the largest total size of buffers live at one step. No placement can do better,
 *    and when the arena reaches it, packing is optimal for this schedule.
 */
import { ALIGN, reservedBytes } from "./layout.js";
import { liveProfile, overlap } from "./liveness.js";
import { Occupancy } from "./occupancy.js";
import { overlapLists, placeByScan } from "./pack-reference.js";

export { ALIGN };

export interface Item {
  /** Bytes, a multiple of ALIGN. */
  readonly bytes: number;
  readonly start: number;
  readonly end: number;
}

export interface Packing {
  /** Byte offset of each item (multiples of ALIGN), in the order given. */
  readonly offsets: number[];
  /** The arena: the end of the highest item. */
  readonly size: number;
}

/** The bytes an arena buffer of `bytes` takes: at least one element, rounded up to ALIGN. */
export const bufferBytes: (bytes: number) => number = reservedBytes;

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

/** One placement: items in `order` (ties: the earlier item), by placeByOccupancy. */
function place(
  items: readonly Item[],
  order: Order,
  rule: "first" | "best",
  limit: number,
): Packing | undefined {
  const ids = items.map((_, i) => i).sort((i, j) => order(items[i]!, items[j]!) || i - j);
  return placeByOccupancy(items, ids, rule, limit);
}

/**
 * Items in the order `ids`, each at the lowest fitting offset (first fit) or in the tightest gap
 * (best fit, ties to the lowest), among the bytes taken by placed items that overlap it in time.
 * The same placement as pack-reference.ts's placeByScan, in O(log n) lists per item. Stops and
 * returns undefined as soon as the arena passes `limit` bytes (it only grows).
 */
export function placeByOccupancy(
  items: readonly Item[],
  ids: readonly number[],
  rule: "first" | "best",
  limit = Infinity,
): Packing | undefined {
  const steps = occupancySteps(items);
  if (!steps) {
    const p = placeByScan(items, ids, rule);
    return p.size > limit ? undefined : p;
  }
  const taken = new Occupancy(steps);
  const offsets = new Array<number>(items.length).fill(-1);
  let size = 0;
  for (const i of ids) {
    const it = items[i]!;
    const best = taken.fit(it.start, it.end, it.bytes, rule);
    offsets[i] = best;
    taken.add(it.start, it.end, best, best + it.bytes);
    size = Math.max(size, best + it.bytes);
    if (size > limit) return undefined;
  }
  return size > limit ? undefined : { offsets, size };
}

/**
 * The last step of the items, or 0 when some item falls outside what Occupancy models (zero
 * bytes, or an interval that is not a range of steps): those go to the reference placement.
 */
function occupancySteps(items: readonly Item[]): number {
  let steps = 1;
  for (const it of items) {
    const ok = it.bytes > 0 && Number.isInteger(it.start) && Number.isInteger(it.end) && 0 <= it.start;
    if (!ok || it.end < it.start) return 0;
    steps = Math.max(steps, it.end);
  }
  return steps;
}

/** The number of pairs of items whose intervals overlap (what overlapLists would list, counted). */
export function overlappingPairs(items: readonly Item[]): number {
  const byStart = items.map((_, i) => i).sort((i, j) => items[i]!.start - items[j]!.start || i - j);
  const starts = byStart.map((i) => items[i]!.start);
  let pairs = 0;
  byStart.forEach((i, at) => {
    // the items after this one in start order that start by its end
    let a = 0;
    let b = starts.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (starts[m]! <= items[i]!.end) a = m + 1;
      else b = m;
    }
    pairs += Math.max(0, a - at - 1);
  });
  return pairs;
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
export function pack(items: readonly Item[], restarts = RESTARTS): Packing {
  return packWithin(items, Infinity, restarts)!;
}

/**
 * `pack`, for a caller that only wants a packing of at most `limit` bytes (the planner, once one
 * schedule has given an arena): undefined when pack's result would be larger. A placement stops as
 * soon as its arena can no longer be kept, larger than the limit or than the best placement so
 * far (ties keep the earlier one): the same result as pack, without finishing hopeless placements.
 */
export function packWithin(items: readonly Item[], limit: number, restarts = RESTARTS): Packing | undefined {
  const bound = lowerBound(items);
  let best: Packing | undefined;
  const tryOrder = (order: Order): boolean => {
    for (const rule of ["first", "best"] as const) {
      // sizes are whole bytes, so "smaller than the best" is "at most best.size - 1"
      const p = place(items, order, rule, best ? Math.min(limit, best.size - 1) : limit);
      if (p) best = p; // a placement that finishes is smaller than the best so far
      if (best?.size === bound) return true; // nothing beats the lower bound
    }
    return false;
  };
  for (const order of ORDERS) if (tryOrder(order)) return best;
  // budget: about 4e6 neighbour visits of the reference placement (each pair is visited from both
  // sides); kept although placing no longer visits every pair, so that the result stays the same
  const pairs = items.length + 2 * overlappingPairs(items);
  const budget = Math.min(restarts, Math.floor(4e6 / pairs));
  const next = random(0x5eed);
  for (let r = 0; r < budget; r++) {
    const weight = new Map(items.map((it) => [it, it.bytes * (0.5 + next())]));
    if (tryOrder((a, b) => weight.get(b)! - weight.get(a)!)) break;
  }
  return best;
}

/** Extra jittered orders `pack` tries when the fixed ones miss the lower bound. */
export const RESTARTS = 32;

/** The largest total size of items live at one step. */
export function lowerBound(items: readonly Item[]): number {
  let steps = 0;
  for (const it of items) steps = Math.max(steps, it.end);
  let bound = 0;
  for (const live of liveProfile(items, steps)) bound = Math.max(bound, live);
  return bound;
}

/** Every item its own bytes. */
export function naiveSize(items: readonly Item[]): number {
  return items.reduce((s, it) => s + it.bytes, 0);
}

/** Pairs of items that are live at a common step and share bytes (none, for a valid packing). */
export function conflicts(items: readonly Item[], offsets: readonly number[]): [number, number][] {
  if (occupancySteps(items) && disjointSweep(items, offsets)) return [];
  // some pair conflicts (or an item of zero bytes): list them all, pair by pair
  const bad: [number, number][] = [];
  overlapLists(items).forEach((list, i) => {
    for (const j of list) {
      const disjoint =
        offsets[i]! + items[i]!.bytes <= offsets[j]! || offsets[j]! + items[j]!.bytes <= offsets[i]!;
      if (i < j && overlap(items[i]!, items[j]!) && !disjoint) bad.push([i, j]);
    }
  });
  return bad;
}

/**
 * Whether no two items live at a common step share a byte, in O(n log n + n · live): a sweep over
 * start times keeps the live items ordered by offset. While they are pairwise disjoint, a new item
 * overlaps one of them exactly when it overlaps its neighbour below or above (items of >0 bytes).
 */
function disjointSweep(items: readonly Item[], offsets: readonly number[]): boolean {
  const byStart = items.map((_, i) => i).sort((i, j) => items[i]!.start - items[j]!.start);
  const byEnd = items.map((_, i) => i).sort((i, j) => items[i]!.end - items[j]!.end);
  const live: number[] = []; // item ids by offset
  /** The first position in `live` whose offset is at least `offset`. */
  const lowest = (offset: number): number => {
    let a = 0;
    let b = live.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (offsets[live[m]!]! < offset) a = m + 1;
      else b = m;
    }
    return a;
  };
  let ended = 0;
  for (const i of byStart) {
    const { start, bytes } = items[i]!;
    // items whose last step is before this start free their bytes
    for (; ended < byEnd.length && items[byEnd[ended]!]!.end < start; ended++) {
      const j = byEnd[ended]!;
      live.splice(lowest(offsets[j]!), 1);
    }
    const lo = offsets[i]!;
    const at = lowest(lo);
    const below = live[at - 1];
    const above = live[at];
    if (below !== undefined && offsets[below]! + items[below]!.bytes > lo) return false;
    if (above !== undefined && offsets[above]! < lo + bytes) return false;
    live.splice(at, 0, i);
  }
  return true;
}
