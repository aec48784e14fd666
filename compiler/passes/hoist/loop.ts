/**
 * The new loop: a scan over the old sequences and the hoisted ones (values batched before the
 * loop), whose step computes only what the carries and the per-step outputs kept in the loop
 * still need, reading loop-invariant values computed outside it as invariant operands.
 */
import type { Node } from "../../ir/node.js";
import { makeScan } from "../../ops/scan-body.js";
import { inLoop, instr, type Analysis } from "./step.js";
import { matmulTransposedOnce, retransposed } from "./transpose.js";

/** The hoisted scan: its carries are the old ones, its ys the old ones not moved after the loop. */
export function hoistedScan(a: Analysis, ysOut: readonly boolean[]): Node {
  const { attrs, nc, nx, consts } = a;
  const hoistedSeqs = [...a.outside.keys()].filter((v) => v >= a.nArgs && a.outside[v]?.stacked);
  const keptYs = attrs.results.slice(nc).filter((_, j) => !ysOut[j]);
  return makeScan(
    a.ctx,
    {
      inits: a.inits,
      xs: [...a.xs, ...hoistedSeqs.map((v) => a.outside[v]!.node)],
      reverse: a.reverse,
      length: a.T,
    },
    (carries, rows) => {
      const map = new Map<number, Node>();
      const get = (v: number): Node => map.get(v)!;
      a.args.forEach((_, i) =>
        map.set(i, i < nc ? carries[i]! : i < nc + nx ? rows[i - nc]! : consts[i - nc - nx]!),
      );
      hoistedSeqs.forEach((v, i) => map.set(v, rows[nx + i]!));
      const roots = [...attrs.results.slice(0, nc), ...keptYs];
      const needed = inLoop(a, roots, false);
      for (let v = a.nArgs; v < a.values.length; v++) {
        if (map.has(v)) continue;
        const out = a.outside[v];
        if (out && !out.stacked) map.set(v, out.node);
        else if (needed.has(v)) map.set(v, build(a, v, get));
      }
      return { carries: attrs.results.slice(0, nc).map(get), ys: keptYs.map(get) };
    },
  );
}

/** Instruction v inside the new loop, over its operands there. */
function build(a: Analysis, v: number, get: (v: number) => Node): Node {
  if (retransposed(a, v)) return matmulTransposedOnce(a, v, get);
  const { op, args: ins, attrs: at } = instr(a, v);
  return a.ctx.node(op, ins.map(get), at);
}
