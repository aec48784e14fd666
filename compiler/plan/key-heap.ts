/**
 * A binary min-heap of items by a key of three numbers, compared lexicographically: the ready list
 * of the list scheduler (schedule.ts), which used to scan every ready kernel at every step.
 * Each entry carries a tag (the scheduler's growth at push time) to tell stale entries apart.
 */
export type Key = readonly [number, number, number];

interface Entry<T> {
  readonly item: T;
  readonly key: Key;
  readonly tag: number;
}

const less = (a: Key, b: Key): boolean =>
  a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])));

export class KeyHeap<T> {
  private readonly entries: Entry<T>[] = [];

  push(item: T, key: Key, tag: number): void {
    const e = this.entries;
    e.push({ item, key, tag });
    let i = e.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(e[i]!.key, e[parent]!.key)) break;
      [e[i], e[parent]] = [e[parent]!, e[i]!];
      i = parent;
    }
  }

  /** The entry of the smallest key (removed), or undefined when empty. */
  pop(): Entry<T> | undefined {
    const e = this.entries;
    const top = e[0];
    const last = e.pop();
    if (top === undefined || last === undefined || e.length === 0) return top;
    e[0] = last;
    let i = 0;
    for (;;) {
      const a = 2 * i + 1;
      if (a >= e.length) break;
      const c = a + 1 < e.length && less(e[a + 1]!.key, e[a]!.key) ? a + 1 : a;
      if (!less(e[c]!.key, e[i]!.key)) break;
      [e[i], e[c]] = [e[c]!, e[i]!];
      i = c;
    }
    return top;
  }
}
