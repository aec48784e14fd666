/**
 * What the fuse pass may fuse, and as what: elementwise nodes, heads (a matmul, a reduction, a
 * softmax_xent_grad) and fusions an earlier run made, and the cheap ops worth recomputing in every
 * kernel that reads them. Every phase of the pass classifies nodes through these few predicates.
 */
import type { Node } from "../../ir/node.js";
import type { Shape } from "../../ir/shape.js";
import {
  fusionHead,
  isFusible,
  isHeadOp,
  isReductionHead as reducesAsHead,
  programTypes,
  type FusionAttrs,
} from "../../ops/fusion.js";

/** An elementwise op cheap enough to recompute in every kernel that needs it (its `cheap` trait). */
export const isCheap = (n: Node): boolean => !!n.def.traits.cheap;

export const fusionAttrs = (n: Node) => n.attrs as unknown as FusionAttrs;
/** Fusions made by an earlier run that this one will not reshape (multi-output ones). */
const opaque = (n: Node) => n.op === "fusion_output" || (n.op === "fusion" && !!fusionAttrs(n).outputs);
export const isElementwise = (n: Node) =>
  isFusible(n.op) || (n.op === "fusion" && !opaque(n) && !fusionHead(fusionAttrs(n)));
export const isHead = (n: Node) =>
  isHeadOp(n.op) || (n.op === "fusion" && !opaque(n) && !!fusionHead(fusionAttrs(n)));
/** The op of a head node (for a fusion with a head: its head's op). */
export const headOp = (n: Node) => (n.op === "fusion" ? fusionHead(fusionAttrs(n))!.instr.op : n.op);
/** Whether head `n` is a reduction (its cluster then has a prologue, of the reduction's input shape). */
export const isReductionHead = (n: Node) => reducesAsHead(headOp(n));

/** The input shape of a reduction head (for an existing fusion: of its head). */
export function reductionInShape(n: Node): Shape {
  return n.op === "fusion" ? fusionPrologueShape(n) : n.inputs[0]!.shape;
}

/** The input shape of the reduction head of an existing fusion. */
function fusionPrologueShape(f: Node): Shape {
  const attrs = fusionAttrs(f);
  return programTypes(f.inputs, attrs)[fusionHead(attrs)!.instr.args[0]!]!.shape;
}
