/**
 * Which arena bytes are taken during a range of steps: the query interval packing asks for every
 * buffer it places (pack.ts). Placed buffers are rectangles, steps × [offset, offset + bytes); a
 * query for steps [s, e] wants the union, over those steps, of the bytes taken, as disjoint ranges
 * in offset order (the free gaps of the arena are the holes between them).
 *
 * Scanning every placed buffer that overlaps the query costs as many visits as buffers live at
 * once, which in long unrolled graphs grows with the graph (the saved forward activations are all
 * live during the backward pass), so packing was quadratic. Here the steps are the leaves of a
 * segment tree, and each tree node keeps two unions of offset ranges (disjoint, merged, sorted):
 *
 *  - `cover`: buffers whose steps contain the node's steps, stored at the O(log n) nodes that
 *    decompose the buffer's interval (the canonical nodes);
 *  - `touch`: buffers live at some step of the node: stored at the canonical nodes and at all
 *    their ancestors.
 *
 * A buffer live at some step of [s, e] is canonical at a node that is either a descendant of (or
 * equal to) a canonical node q of [s, e], hence in `touch` of q, or an ancestor of q, hence in
 * `cover` of that ancestor. So a query is the union of O(log n) such lists. Each list is merged,
 * so a query costs the ranges of the arena's fragmentation over the buffer's lifetime (holes
 * between taken bytes), not the number of buffers live: in the unrolled RNN of issue 13 a
 * fraction of them, which still grows with the graph (so packing is faster, not yet linear).
 *
 * Touching ranges merge, so a zero-size gap is never reported: callers place items of at least one
 * byte (pack.ts sends items of zero bytes to the reference placement).
 */

/** A union of half-open ranges [lo, hi), as a flat array lo0, hi0, lo1, hi1, ... (sorted, disjoint). */
type Ranges = number[];

/** Adds [lo, hi) to `r`, merging every range it overlaps or touches. */
function addRange(r: Ranges, lo: number, hi: number): void {
  // first range whose end reaches lo (binary search over the ends, r[2i + 1])
  let a = 0;
  let b = r.length >> 1;
  while (a < b) {
    const m = (a + b) >> 1;
    if (r[2 * m + 1]! < lo) a = m + 1;
    else b = m;
  }
  let j = a;
  let newLo = lo;
  let newHi = hi;
  while (2 * j < r.length && r[2 * j]! <= hi) {
    newLo = Math.min(newLo, r[2 * j]!);
    newHi = Math.max(newHi, r[2 * j + 1]!);
    j++;
  }
  r.splice(2 * a, 2 * (j - a), newLo, newHi);
}

export class Occupancy {
  /** Leaves: a power of two at least `steps + 1`; node i has children 2i and 2i + 1. */
  private readonly leaves: number;
  private readonly cover: (Ranges | undefined)[];
  private readonly touch: (Ranges | undefined)[];
  /** Scratch for queries, reused: the lists found, their merge, and a visit stamp per node. */
  private readonly found: Ranges[] = [];
  private readonly heap: number[] = [];
  private readonly key: number[] = [];
  private readonly pos: number[] = [];
  private readonly stamp: Int32Array;
  private visit = 0;

  /** An empty arena over steps 0..steps. */
  constructor(steps: number) {
    let n = 1;
    while (n < steps + 1) n *= 2;
    this.leaves = n;
    this.cover = new Array<Ranges | undefined>(2 * n);
    this.touch = new Array<Ranges | undefined>(2 * n);
    this.stamp = new Int32Array(2 * n);
  }

  /** Calls `f` on the canonical nodes of steps [start, end] (inclusive). */
  private canonical(start: number, end: number, f: (node: number) => void): void {
    let l = start + this.leaves;
    let r = end + this.leaves + 1;
    while (l < r) {
      if (l & 1) f(l++);
      if (r & 1) f(--r);
      l >>= 1;
      r >>= 1;
    }
  }

  /** Marks bytes [lo, hi) taken during steps [start, end]. */
  add(start: number, end: number, lo: number, hi: number): void {
    const visit = ++this.visit;
    this.canonical(start, end, (q) => {
      addRange((this.cover[q] ??= []), lo, hi);
      for (let v = q; v >= 1 && this.stamp[v] !== visit; v >>= 1) {
        this.stamp[v] = visit;
        addRange((this.touch[v] ??= []), lo, hi);
      }
    });
  }

  /** Collects in `found` the lists whose union is the bytes taken at some step of [start, end]. */
  private gather(start: number, end: number): Ranges[] {
    const lists = this.found;
    lists.length = 0;
    const visit = ++this.visit;
    this.canonical(start, end, (q) => {
      const t = this.touch[q];
      if (t?.length) lists.push(t);
      for (let v = q >> 1; v >= 1 && this.stamp[v] !== visit; v >>= 1) {
        this.stamp[v] = visit;
        const c = this.cover[v];
        if (c?.length) lists.push(c);
      }
    });
    return lists;
  }

  /**
   * Where `bytes` fit during steps [start, end]: the lowest gap between the bytes taken that
   * holds them (first fit), or the smallest such gap, the lowest of equal ones (best fit); when no
   * gap holds them, the end of the highest bytes taken (0 when nothing is taken).
   *
   * The union of the lists is walked in offset order by a k-way merge (a binary heap of list
   * heads; ranges inside the bytes already passed are skipped by a galloping search), and stops
   * at the first gap that holds the bytes (first fit) or holds them exactly (best fit).
   */
  fit(start: number, end: number, bytes: number, rule: "first" | "best"): number {
    const lists = this.gather(start, end);
    // heap of list indices by the start of their current range (key), pos[l] = that range's index
    const heap = this.heap;
    const key = this.key;
    const pos = this.pos;
    let n = 0;
    /** Sifts list l, whose current range starts at k, down from slot i. */
    const down = (i: number, l: number, k: number) => {
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && key[c + 1]! < key[c]!) c++;
        if (key[c]! >= k) break;
        heap[i] = heap[c]!;
        key[i] = key[c]!;
        i = c;
      }
      heap[i] = l;
      key[i] = k;
    };
    for (let l = 0; l < lists.length; l++) {
      pos[l] = 0;
      heap[n] = l;
      key[n++] = lists[l]![0]!;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) down(i, heap[i]!, key[i]!);
    let best = -1;
    let bestGap = Infinity;
    let top = 0; // end of the bytes taken below the current range
    while (n) {
      const l = heap[0]!;
      const list = lists[l]!;
      let p = pos[l]!;
      const gap = list[p]! - top;
      if (gap >= bytes && (rule === "first" ? best < 0 : gap < bestGap)) {
        best = top;
        bestGap = gap;
        // first fit takes the first gap that holds the bytes; best fit, a gap of exactly their
        // size, since no gap can be tighter and the later ones of that size are higher
        if (rule === "first" || gap === bytes) return best;
      }
      top = Math.max(top, list[p + 1]!);
      // the list's next range that ends above top (those below it are inside bytes already taken
      // and cannot open a gap): a galloping search, since often many are skipped at once
      p += 2;
      if (p < list.length && list[p + 1]! <= top) {
        let step = 2;
        let lo = p; // list[lo + 1] <= top
        let hi = p + step;
        while (hi < list.length && list[hi + 1]! <= top) {
          lo = hi;
          step *= 2;
          hi = p + step;
        }
        if (hi > list.length) hi = list.length;
        // first range in (lo, hi] ending above top (hi = list.length: none)
        while (hi - lo > 2) {
          const mid = lo + (((hi - lo) >> 2) << 1);
          if (list[mid + 1]! <= top) lo = mid;
          else hi = mid;
        }
        p = hi;
      }
      if (p < list.length) {
        pos[l] = p;
        down(0, l, list[p]!);
      } else if (--n) down(0, heap[n]!, key[n]!); // that list is done: the last slot moves up
    }
    return best < 0 ? top : best;
  }
}
