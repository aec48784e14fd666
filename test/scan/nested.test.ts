// Nested scans (nested-model.ts): a character-level scan inside the step of a word-level scan. In
// the interpreter, every combination of scan / unrolled at the two levels gives the same outputs
// and gradients (1e-12), centered differences agree with the nested BPTT, and the gradient graph
// holds reverse scans at both levels. Compiled, the nested loops match the fully unrolled network.
import { describe, expect, it } from "vitest";
import { formatGradcheck, gradcheck, gradGraph, type Node } from "../../compiler/index.js";
import { maxAbs } from "../wasm/harness.js";
import { paramsOf, roundFeeds, type Feeds, type Mode } from "./models.js";
import { nested, nestedInputs } from "./nested-model.js";
import {
  evaluate,
  expectCompiledMatches,
  expectSameEvaluation,
  runCompiled,
  scanNodes,
  backwardScansOf,
} from "./support.js";

const feeds = (seed: number): Feeds => ({
  inputs: nestedInputs(seed),
  params: paramsOf(nested("scan", "scan"), seed),
  states: {},
});

/** The scans in the bodies of `scans` (their programs hold the inner scans as instructions). */
const innerScanOps = (scans: readonly Node[]) =>
  scans.flatMap((s) =>
    (s.attrs.program as { op: string; attrs: Record<string, unknown> }[]).filter((i) => i.op === "scan"),
  );

describe("nested scans", () => {
  it("interpreter: scan-in-scan = either level unrolled = both unrolled", () => {
    const combos: [Mode, Mode][] = [
      ["scan", "scan"],
      ["scan", "unrolled"],
      ["unrolled", "scan"],
    ];
    const reference = nested("unrolled", "unrolled");
    expect(scanNodes(reference.graph)).toEqual([]);
    for (const seed of [1, 2]) {
      const f = feeds(seed);
      const ref = evaluate(reference, f);
      for (const p of Object.keys(f.params)) expect(maxAbs(ref.grads[p]!.data), p).toBeGreaterThan(1e-3);
      for (const [outer, inner] of combos)
        expectSameEvaluation(evaluate(nested(outer, inner), f), ref, undefined, `${outer}/${inner}`);
    }
  });

  it("the gradient of a scan-in-scan is a reverse scan holding a reverse inner scan", () => {
    const mdl = nested("scan", "scan");
    const forward = scanNodes(mdl.graph);
    expect(forward.length).toBe(1);
    expect(innerScanOps(forward).length).toBeGreaterThan(0);
    const backward = backwardScansOf(forward, gradGraph(mdl.graph));
    expect(backward.length).toBeGreaterThan(0);
    expect(backward.every((n) => n.attrs.reverse === true)).toBe(true);
    const innerOfBackward = innerScanOps(backward);
    expect(innerOfBackward.some((i) => i.attrs.reverse === true)).toBe(true);
  });

  it("centered differences: params, the sequence and the initial outer carry", () => {
    const f = feeds(3);
    const report = gradcheck(nested("scan", "scan"), {
      inputs: f.inputs,
      params: f.params,
      checkInputs: true,
      maxElements: 24,
    });
    expect(report.ok, formatGradcheck(report)).toBe(true);
    expect(report.entries.map((e) => e.name)).toEqual(
      expect.arrayContaining(["Wc", "Uc", "Pc", "Wo", "Uo", "Wy", "x", "h0"]),
    );
  });

  it("compiled (-O0, -O2, scalar -O2): the nested loops match the fully unrolled network", async () => {
    const mdl = nested("scan", "scan");
    const f = roundFeeds(mdl, feeds(4));
    const ref = evaluate(nested("unrolled", "unrolled"), f);
    for (const config of [{ optLevel: 0 }, { optLevel: 2 }, { optLevel: 2, simd: false }] as const) {
      const run = await runCompiled(mdl, f, config);
      expectCompiledMatches(run, mdl, f, ref, JSON.stringify(config));
    }
  });
});
