// The list scheduler's heap of ready kernels against the scan it replaced (schedule-reference.ts),
// on random problems with many ties (few distinct sizes, shared operands, values live at the end,
// multi-output kernels) and on the entries of random models: the same order for every strategy.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Node } from "../../compiler/ir/node.js";
import { listSchedule, STRATEGIES, type ScheduleProblem } from "../../compiler/plan/schedule.js";
import { listScheduleByScan } from "./schedule-reference.js";
import { runs } from "../support/runs.js";

/** A random problem: kernel i reads up to 3 earlier kernels or leaves, with 1..4 units of bytes. */
const problem = fc
  .array(
    fc.record({
      reads: fc.array(fc.nat(1000), { maxLength: 3 }),
      units: fc.integer({ min: 0, max: 4 }),
      atEnd: fc.boolean(),
      extra: fc.boolean(),
      after: fc.option(fc.nat(1000), { freq: 4 }),
    }),
    { maxLength: 60 },
  )
  .map((spec): ScheduleProblem => {
    const node = (id: number) => ({ id }) as unknown as Node;
    const kernels = spec.map((_, i) => node(i));
    const leaves = [node(-1), node(-2)];
    const deps = new Map<Node, Node[]>();
    const reads = new Map<Node, Node[]>();
    const bytes = new Map<Node, number>();
    const extras = new Map<Node, Node[]>();
    const liveAtEnd = new Set<Node>();
    spec.forEach((s, i) => {
      const k = kernels[i]!;
      // operands: earlier kernels (data dependencies) or leaves (no dependency, no bytes)
      const rs = [...new Set(s.reads.map((r) => (i && r % 5 ? kernels[r % i]! : leaves[r % 2]!)))];
      reads.set(k, rs);
      const d = rs.filter((r) => r.id >= 0);
      // an ordering constraint as in-place updates add (always to an earlier kernel: no cycle)
      if (s.after !== null && i) d.push(kernels[s.after % i]!);
      deps.set(k, d);
      if (s.units) bytes.set(k, 16 * s.units);
      if (s.atEnd) liveAtEnd.add(k);
      if (s.extra) {
        const x = node(10000 + i);
        extras.set(k, [x]);
        bytes.set(x, 16);
      }
    });
    return { kernels, deps, reads, bytes, liveAtEnd, extras };
  });

describe("list scheduling with a heap of ready kernels", () => {
  it("gives the order of the scan over the ready list, for every strategy", () => {
    fc.assert(
      fc.property(problem, (p) => {
        for (const strategy of STRATEGIES) {
          expect(listSchedule(p, strategy).map((k) => k.id)).toEqual(
            listScheduleByScan(p, strategy).map((k) => k.id),
          );
        }
      }),
      runs({ test: 400, fuzz: 4000 }).parameters,
    );
  });
});
