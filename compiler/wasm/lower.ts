/**
 * Lowering one node: its kernel, through the per-op registry (lowerings.ts), and what the memory
 * planner must know about a kernel before it is lowered (which operands it may overwrite, its
 * scratch bytes).
 */
import { isView } from "../ir/kernels.js";
import type { Node } from "../ir/node.js";
import type { Target } from "../target.js";
import { fusionHead, programShape, type FusionAttrs } from "../ops/fusion.js";
import type { Buffer } from "../plan/layout.js";
import type { LowerContext } from "./emit/context.js";
import { ELEMENTWISE } from "./emit/elementwise.js";
import { matmulScratchBytes } from "./emit/matmul.js";
import { scatterSubScratchBytes } from "./emit/indexing.js";
import { loweringOf } from "./lowerings.js";

export { operand } from "./lowerings.js";

/**
 * Whether `node`'s kernel reads operand `index` element by element: its outputs' element i is
 * computed from element i of that operand (after broadcasting) and nothing else reads the operand,
 * so the memory planner may let an output overwrite it (when it has the output's layout). True
 * for every operand of an elementwise op or loop fusion, and for the operands that only a head
 * fusion's epilogue reads (at the position of the element it stores): not a matmul's A and B,
 * which every tile reads, nor what a reduction's prologue reads, nor anything a softmax
 * cross-entropy kernel reads (emit/softmax-xent.ts).
 */
export function readsElementwise(node: Node, index: number): boolean {
  if (isView(node)) return false;
  if (ELEMENTWISE[node.op]) return true;
  // scatter_sub's row k of the result is computed from row k of its base only (operand 0)
  if (node.op === "scatter_sub") return index === 0;
  if (node.op !== "fusion") return false;
  const attrs = node.attrs as unknown as FusionAttrs;
  const { head, prologue } = programShape(node.inputs, attrs);
  if (head === undefined) return true;
  // the softmax cross-entropy kernel writes its first output a row ahead of its epilogue's reads
  if (attrs.program[head]!.op === "softmax_xent_grad") return false;
  return attrs.program.every((instr, i) => !instr.args.includes(index) || (i !== head && !prologue[i]));
}

/**
 * The bytes of scratch `lowerNode` requests for `node` through `LowerContext.scratch`, known before
 * lowering so that the memory planner can place them; lowering must not ask for more. `tuning` must
 * be the LowerContext's target (a matmul's scratch layout depends on its tuning).
 */
export function kernelScratchBytes(node: Node, target: Target): number {
  if (node.op === "scatter_sub") return scatterSubScratchBytes(node.inputs[0]!.shape, node.inputs[1]!.shape);
  let mm: { a: Node; b: Node; attrs: Record<string, unknown>; epilogue: boolean } | undefined;
  if (node.op === "matmul")
    mm = { a: node.inputs[0]!, b: node.inputs[1]!, attrs: node.attrs, epilogue: false };
  else if (node.op === "fusion") {
    const head = fusionHead(node.attrs as unknown as FusionAttrs);
    if (head?.instr.op === "matmul") {
      const [a, b] = head.instr.args;
      mm = { a: node.inputs[a!]!, b: node.inputs[b!]!, attrs: head.instr.attrs, epilogue: true };
    }
  }
  if (!mm) return 0;
  return matmulScratchBytes(
    mm.a.shape,
    mm.b.shape,
    mm.attrs.transA as boolean,
    mm.attrs.transB as boolean,
    target.simd,
    mm.epilogue,
    target.matmul,
  );
}

/** The extra results of each multi-output fusion among `nodes` (its fusion_output nodes, in order). */
export function extraOutputs(nodes: readonly Node[]): Map<Node, Node[]> {
  const extra = new Map<Node, Node[]>();
  for (const n of nodes) {
    if (n.op !== "fusion_output") continue;
    const f = n.inputs[0]!;
    const list = extra.get(f) ?? [];
    list[(n.attrs.index as number) - 1] = n;
    extra.set(f, list);
  }
  return extra;
}

/**
 * Emits the kernel of `node` reading `ins` and writing `out`; a multi-output fusion also writes its
 * extra results into `extraOuts` (the buffers of its fusion_output nodes, see extraOutputs;
 * undefined for one the entry does not compute).
 */
export function lowerNode(
  c: LowerContext,
  node: Node,
  ins: readonly Buffer[],
  out: Buffer,
  extraOuts: readonly (Buffer | undefined)[] = [],
): void {
  loweringOf(node.op).kernel(c, node, ins, out, extraOuts);
}
