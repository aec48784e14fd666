/**
 * hoist: moves work out of scan loops, so that the loop keeps only what depends on its carries.
 *
 *  - before the loop: a step's node that depends on the sequences and loop-invariants only is
 *    computed for all T steps at once (compiler/ops/batching.ts) and enters the loop as a new
 *    sequence. The input projection x_t·W of every step becomes one matmul over T·B rows.
 *  - a product in the loop that reads a loop-invariant matrix transposed (dz·Whᵀ) gets the
 *    transpose once, before the loop, instead of a transposing copy at every step;
 *  - after the loop: a per-step output is computed from the stored carry sequence, batched, when
 *    that does not recompute a matmul the carries need. In the backward scan of an RNN this turns
 *    the per-step weight-gradient terms h_{t-1}ᵀ·dz_t into one batched product, which `simplify`
 *    then makes one matmul over T·B rows (sum over t of a batched product).
 *
 *   before:  %9 = scan(%h0, %X, %Wx, %Wh) { v4 = matmul v1, v2 ; v5 = matmul v0, v3 ;
 *                                           v6 = add v4, v5 ; v7 = tanh v6 ; results [v7] }
 *   after:   %8 = reshape(matmul(reshape(%X, [T·B, D]), %Wx), [T, B, H])
 *            %9 = scan(%h0, %8, %Wh) { v3 = matmul v0, v2 ; v4 = add v1, v3 ; v5 = tanh v4 ; results [v5] }
 *
 * A scan's results are read through `extract` views, so the pass is a rule on extracts of a scan:
 * each is redirected to the hoisted scan or to the value now computed outside it.
 *
 * This file holds the rules and the order of the work; the parts live in hoist/: step.ts (the step
 * as values), before.ts (what can be batched before the loop), after.ts (the outputs computed
 * after it), transpose.ts (transposes of invariants done once) and loop.ts (the new scan).
 */
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import { bodyValueTypes, segments, type ScanAttrs } from "../ops/scan-body.js";
import { resultsAfterLoop, ysAfterLoop } from "./hoist/after.js";
import { analyze } from "./hoist/before.js";
import { hoistedScan } from "./hoist/loop.js";
import { stepOf } from "./hoist/step.js";
import { countRetransposed } from "./hoist/transpose.js";
import type { Rule } from "./rewrite.js";

/** For each result of the old scan, its values stacked [T, ...] in the hoisted form. */
type Hoisted = readonly Node[];

const memo = new WeakMap<Node, Hoisted | null>();

function hoistScan(scan: Node): Hoisted | null {
  if (memo.has(scan)) return memo.get(scan)!;
  const result = scan.ctx.withSource(scan.src, () => hoist(scan));
  memo.set(scan, result);
  return result;
}

/** The scan's results computed with its work hoisted, or null when nothing can move. */
function hoist(scan: Node): Hoisted | null {
  // what each value depends on, and its computation outside the loop when it has one
  const a = analyze(stepOf(scan));
  const ysOut = ysAfterLoop(a);
  if (a.hoistedInstrs === 0 && countRetransposed(a) === 0 && !ysOut.some(Boolean)) return null;
  const newScan = hoistedScan(a, ysOut);
  // the hoisted ys, batched over the stored carries of the new scan
  return resultsAfterLoop(a, newScan, ysOut);
}

export const HOIST_RULES: readonly Rule[] = [
  {
    name: "hoist",
    pattern: "extract(scan) ==> extract(scan without the work that does not depend on its carries)",
    apply: (n) => {
      if (n.op !== "extract" || n.inputs[0]!.op !== "scan") return undefined;
      const scan = n.inputs[0]!;
      const hoisted = hoistScan(scan);
      if (!hoisted) return undefined;
      const attrs = scan.attrs as ScanAttrs;
      const types = bodyValueTypes(scan.inputs, attrs);
      const segs = segments(
        attrs.length,
        attrs.results.map((r) => types[r]!),
      ).segments;
      const offset = n.attrs.offset as number;
      const k = segs.findIndex((s) => offset >= s.offset && offset < s.offset + sizeOf(s.shape));
      const seg = segs[k]!;
      const target = hoisted[k]!;
      const rel = offset - seg.offset;
      // an extract of an extract reads the same bytes: fold the offsets
      if (target.op === "extract") {
        return n.ctx.node("extract", [target.inputs[0]!], {
          offset: (target.attrs.offset as number) + rel,
          shape: [...n.shape],
        });
      }
      return n.ctx.node("extract", [target], { offset: rel, shape: [...n.shape] });
    },
  },
];
