/**
 * The straightforward placement pack.ts started with: for each item, gather every placed item
 * whose interval overlaps its own and scan their byte ranges in offset order. It costs as many
 * visits as there are overlapping pairs (quadratic when many buffers are live at once), so pack.ts
 * places with the segment tree of occupancy.ts instead. This one stays as the specification the
 * fast placement is tested against (test/plan/occupancy.test.ts), and for items of zero bytes,
 * whose placement in the gaps of width zero the fast structure does not model.
 */
import type { Item, Packing } from "./pack.js";

/** For each item, the items whose intervals overlap its own (a sweep over start times). */
export function overlapLists(items: readonly Item[]): number[][] {
  const lists = items.map((): number[] => []);
  const byStart = items.map((_, i) => i).sort((i, j) => items[i]!.start - items[j]!.start || i - j);
  for (let a = 0; a < byStart.length; a++) {
    const i = byStart[a]!;
    for (let b = a + 1; b < byStart.length; b++) {
      const j = byStart[b]!;
      if (items[j]!.start > items[i]!.end) break;
      lists[i]!.push(j);
      lists[j]!.push(i);
    }
  }
  return lists;
}

/** One placement: items in the order `ids`, each at the lowest fitting offset or in the tightest gap. */
export function placeByScan(
  items: readonly Item[],
  ids: readonly number[],
  rule: "first" | "best",
  neighbours: readonly (readonly number[])[] = overlapLists(items),
): Packing {
  const offsets = new Array<number>(items.length).fill(-1);
  let size = 0;
  for (const i of ids) {
    const it = items[i]!;
    const busy = neighbours[i]!.filter((j) => offsets[j]! >= 0)
      .map((j) => [offsets[j]!, offsets[j]! + items[j]!.bytes] as const)
      .sort((a, b) => a[0] - b[0]);
    let best = -1;
    let bestGap = Infinity;
    let top = 0; // end of the busy ranges seen so far
    for (const [lo, hi] of busy) {
      const gap = lo - top;
      if (gap >= it.bytes && (rule === "first" ? best < 0 : gap < bestGap)) {
        best = top;
        bestGap = gap;
      }
      top = Math.max(top, hi);
    }
    if (best < 0) best = top; // above everything that overlaps (an unbounded gap)
    offsets[i] = best;
    size = Math.max(size, best + it.bytes);
  }
  return { offsets, size };
}
