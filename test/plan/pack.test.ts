// The planner's parts on random inputs (fast-check), without WebAssembly:
//  - interval packing: no two items live at a common step share a byte, offsets are 16-aligned,
//    and lower bound ≤ arena ≤ naive;
//  - scheduling: every strategy gives a valid topological order of random graphs, also under the
//    ordering constraints of in-place updates;
//  - whole plans of random graphs (forward, gradient and training-step graphs, with and without
//    the optimization passes) pass the independent check of check.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gradGraph, optim, trainGraph, type Model } from "../../compiler/index.js";
import { leafName, type Graph } from "../../compiler/ir/graph.js";
import type { Node } from "../../compiler/ir/node.js";
import { optimizeGraph } from "../../compiler/passes/pipeline.js";
import { analyzeEntry } from "../../compiler/plan/entry.js";
import { assignSlots } from "../../compiler/plan/inplace.js";
import { conflicts, lowerBound, naiveSize, pack, type Item } from "../../compiler/plan/pack.js";
import { planEntry, type PlanResult, type KernelFacts } from "../../compiler/plan/plan.js";
import { isValidSchedule, listSchedule, STRATEGIES } from "../../compiler/plan/schedule.js";
import { DEFAULT_TARGET } from "../../compiler/target.js";
import { kernelScratchBytes, readsElementwise } from "../../compiler/wasm/lower.js";
import { planViolations } from "./check.js";
import { randomModel, steps } from "./random-model.js";
import { runs } from "../support/runs.js";

const item = fc
  .record({ units: fc.integer({ min: 1, max: 64 }), start: fc.nat(30), length: fc.nat(12) })
  .map(({ units, start, length }): Item => ({ bytes: 16 * units, start, end: start + length }));

describe("interval packing", () => {
  it("never puts two simultaneously live items on the same bytes; lower bound ≤ arena ≤ naive", () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 60 }), (items) => {
        const { offsets, size } = pack(items);
        expect(offsets).toHaveLength(items.length);
        expect(conflicts(items, offsets)).toEqual([]);
        for (const [i, o] of offsets.entries()) {
          expect(o % 16).toBe(0);
          expect(o + items[i]!.bytes).toBeLessThanOrEqual(size);
        }
        expect(size).toBeGreaterThanOrEqual(lowerBound(items));
        expect(size).toBeLessThanOrEqual(naiveSize(items));
      }),
      runs({ test: 500, fuzz: 2000 }).parameters,
    );
  });

  it("reaches the lower bound when lifetimes are nested or disjoint, and on a chain", () => {
    // a chain: each value lives from its definition to its reader's step
    const chain: Item[] = Array.from({ length: 10 }, (_, i) => ({
      bytes: 16 * (1 + (i % 3)),
      start: i,
      end: i + 1,
    }));
    expect(pack(chain).size).toBe(lowerBound(chain));
    const nested: Item[] = [
      { bytes: 64, start: 0, end: 9 },
      { bytes: 32, start: 1, end: 3 },
      { bytes: 48, start: 4, end: 8 },
      { bytes: 16, start: 5, end: 6 },
    ];
    expect(pack(nested).size).toBe(lowerBound(nested));
    expect(pack([]).size).toBe(0);
  });
});

// ---- random graphs ------------------------------------------------------------------------------

/** The backend's view of nodes, as compiler/pipeline/plan.ts passes it to the planner. */
const target = (simd: boolean): KernelFacts => ({
  isPersistent: (n) => ["input", "param", "state", "const"].includes(n.op),
  isView: (n) => ["reshape", "stop_gradient"].includes(n.op),
  readsElementwise,
  writtenBy: (n) => (n.op === "fusion_output" ? n.inputs[0] : undefined),
  scratchBytes: (n) => kernelScratchBytes(n, { ...DEFAULT_TARGET, simd }),
});

/** The entries' results as compiler/pipeline/plan.ts lists them (slots named by strings). */
function entries(mdl: Model, optimize: boolean): PlanResult<string>[][] {
  const g = mdl.graph;
  const opt = (x: Graph) => (optimize ? optimizeGraph(x).graph : x);
  const fwd = opt({ ...g, outputs: new Map([...g.outputs].filter(([k]) => k !== "loss")) });
  const bwd = opt(gradGraph(g));
  const train = opt(trainGraph(mdl, optim.momentum(0.1)).graph);
  const leaves = new Map<string, Node>([...train.params, ...train.states].map((l) => [leafName(l), l]));
  const outputs = (x: Graph) => [...x.outputs].map(([k, node]) => ({ node, slot: `output ${k}` }));
  const grads = (x: Graph) => [...x.grads].map(([k, node]) => ({ node, slot: `grad ${k}` }));
  return [
    outputs(fwd),
    [...outputs(bwd), ...grads(bwd)],
    [
      ...outputs(train),
      ...grads(train),
      ...[...train.updates].map(([k, node]) => ({ node, slot: `leaf ${k}`, updates: leaves.get(k)! })),
    ],
  ];
}

describe("scheduling and planning random graphs", () => {
  it("every strategy gives a valid topological order, with the update constraints", () => {
    fc.assert(
      fc.property(steps, fc.boolean(), (s, optimize) => {
        const results = entries(randomModel(s), optimize)[2]!;
        const t = target(true);
        const entry = analyzeEntry(
          results.map((r) => r.node),
          t,
        );
        const slots = assignSlots(entry, results, t);
        const kernels = new Set(entry.kernels);
        const deps = new Map(
          entry.kernels.map((k) => [
            k,
            [
              // a value's writer: the value's own kernel, or the multi-output kernel of an extra output
              ...entry.reads
                .get(k)!
                .map((r) => entry.writer.get(r) ?? r)
                .filter((w) => kernels.has(w)),
              ...(slots.after.get(k) ?? []),
            ],
          ]),
        );
        for (const strategy of STRATEGIES) {
          const order = listSchedule(
            { kernels: entry.kernels, deps, reads: entry.reads, bytes: new Map(), liveAtEnd: new Set() },
            strategy,
          );
          expect(isValidSchedule(order, entry.kernels, deps), strategy).toBe(true);
        }
      }),
      runs({ test: 100, fuzz: 400 }).parameters,
    );
  });

  it("plans of forward, gradient and training-step graphs pass the independent check", () => {
    const dims = fc.constantFrom([4, 5], [1, 3], [17, 6], [20, 9]);
    fc.assert(
      fc.property(steps, dims, fc.boolean(), fc.boolean(), (s, [B, D], optimize, simd) => {
        for (const results of entries(randomModel(s, B, D), optimize)) {
          const plan = planEntry(results, target(simd));
          expect(planViolations(plan, readsElementwise)).toEqual([]);
          expect(plan.arenaBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
          expect(plan.arenaBytes).toBeLessThanOrEqual(plan.naiveBytes);
        }
      }),
      runs({ test: 150, fuzz: 600 }).parameters,
    );
  });

  it("the independent check catches a plan that shares live bytes or runs a kernel too early", () => {
    const mdl = randomModel(
      [0, 3, 7, 2, 11, 4].map((op, k) => ({ op, k })),
      17,
      6,
    );
    const plan = planEntry(entries(mdl, true)[2]!, target(true));
    expect(planViolations(plan, readsElementwise)).toEqual([]);
    const atZero = new Map([...plan.bufferOf].map(([n, b]) => [n, { ...b, offset: 0 }]));
    expect(planViolations({ ...plan, bufferOf: atZero }, readsElementwise).join("\n")).toMatch(
      /live together on the same bytes/,
    );
    const reversed = [...plan.schedule].reverse();
    expect(planViolations({ ...plan, schedule: reversed }, readsElementwise).join("\n")).toMatch(
      /runs before its operand/,
    );
  });

  it("an update written by a multi-output kernel waits for readers of its other outputs", () => {
    // found by the property above: the update's kernel also writes a value that a kernel reading
    // the old parameter needs, so that kernel cannot run before the update (no cycle, a copy)
    const results = entries(randomModel([4, 11, 2, 0].map((op) => ({ op, k: 0 }))), true)[2]!;
    const plan = planEntry(results, target(false));
    expect(planViolations(plan, readsElementwise)).toEqual([]);
  });

  it("a momentum step updates every param and velocity in place", () => {
    const results = entries(
      randomModel([
        { op: 0, k: 0 },
        { op: 3, k: 0 },
      ]),
      true,
    )[2]!;
    const plan = planEntry(results, target(true));
    expect(plan.updatesInPlace.map((u) => leafName(u.leaf)).sort()).toEqual(
      ["V", "W", "b", "optim.V.velocity", "optim.W.velocity", "optim.b.velocity", "optim.step"].sort(),
    );
    expect(plan.copies.filter((c) => results.find((r) => r.node === c.node)?.updates)).toEqual([]);
  });
});
