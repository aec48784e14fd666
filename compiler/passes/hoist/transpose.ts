/**
 * Transposes moved out of the loop: a product in the loop that reads a loop-invariant operand
 * transposed (dz·Whᵀ in the backward step of an RNN) would transpose it at every step, so the new
 * loop reads a copy transposed once, before the loop, and multiplies without transposing.
 */
import * as b from "../../ir/build.js";
import type { Node } from "../../ir/node.js";
import { instr, type Analysis } from "./step.js";

/** Whether value v is loop-invariant and computed outside the loop. */
const invariant = (a: Analysis, v: number) => a.kind[v] === "const" && a.outside[v] !== undefined;

/** Whether instruction v is a product in the loop that reads a loop-invariant operand transposed. */
export function retransposed(a: Analysis, v: number): boolean {
  const { op, args: ins, attrs: at } = instr(a, v);
  return (
    op === "matmul" &&
    !a.outside[v] &&
    ((at.transB === true && invariant(a, ins[1]!)) || (at.transA === true && invariant(a, ins[0]!)))
  );
}

/** How many instructions of the step are such products. */
export function countRetransposed(a: Analysis): number {
  return a.values.map((_, v) => v >= a.nArgs && retransposed(a, v)).filter(Boolean).length;
}

/** Product v (retransposed) in the new loop, over its operands there and the transposed invariants. */
export function matmulTransposedOnce(a: Analysis, v: number, get: (v: number) => Node): Node {
  const { args: ins, attrs: at } = instr(a, v);
  const [x, y] = ins as [number, number];
  const ta = at.transA === true && invariant(a, x);
  const tb = at.transB === true && invariant(a, y);
  return b.matmul(
    ta ? swapLast(a.outside[x]!.node) : get(x),
    tb ? swapLast(a.outside[y]!.node) : get(y),
    at.transA === true && !ta,
    at.transB === true && !tb,
  );
}

/** n with its last two axes swapped. */
function swapLast(n: Node): Node {
  const r = n.shape.length;
  return b.transpose(
    n,
    n.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)),
  );
}
