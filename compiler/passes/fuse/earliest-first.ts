/**
 * A queue of nodes that hands out the one earliest in graph order first: a binary heap on their
 * positions. The rebuild phase keeps its ready units here; a scan of the whole ready list per
 * unit was quadratic, and a hand-unrolled chain leaves thousands of constants ready at once.
 */
import type { Node } from "../../ir/node.js";

export class EarliestFirst {
  private readonly heap: Node[] = [];

  /** `position`: each node's place in graph order (distinct for distinct nodes). */
  constructor(private readonly position: ReadonlyMap<Node, number>) {}

  get size(): number {
    return this.heap.length;
  }

  push(n: Node): void {
    const h = this.heap;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at(parent) <= this.at(i)) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  /** Removes and returns the earliest node (the queue must not be empty). */
  pop(): Node {
    const h = this.heap;
    const first = h[0]!;
    const last = h.pop()!;
    if (h.length === 0) return first;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < h.length && this.at(l) < this.at(min)) min = l;
      if (r < h.length && this.at(r) < this.at(min)) min = r;
      if (min === i) return first;
      [h[min], h[i]] = [h[i]!, h[min]!];
      i = min;
    }
  }

  private at(i: number): number {
    return this.position.get(this.heap[i]!)!;
  }
}
