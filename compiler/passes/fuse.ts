/**
 * fuse: elementwise loop fusion. Walking the graph in order, an elementwise node absorbs each
 * operand that is itself elementwise (or already a fusion), has the same shape and is used by
 * nothing else; the absorbed producers' programs are spliced into one `fusion` node, which lowers
 * to a single loop without intermediate buffers. Runs last, after simplify, fold and cse.
 *
 *   before:  %7 = add %5, %6 ; %8 = tanh %7 ; %9 = mul %8, %4       (three loops, two buffers)
 *   after:   %9 = fusion(%5, %6, %4) { add ; tanh ; mul }           (one loop)
 */
import { topologicalOrder, useCounts, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sameShape } from "../ir/shape.js";
import { FUSIBLE_OPS, type FusedInstr, type FusionAttrs } from "../ops/fusion.js";
import { withInputs } from "./rewrite.js";

/** A program under construction: operands, then instructions whose args are value references. */
interface Program {
  readonly operands: Node[];
  readonly instrs: { op: string; args: Ref[]; attrs: FusedInstr["attrs"] }[];
}
type Ref = { readonly operand: number } | { readonly instr: number };

const isFusible = (n: Node) => n.op === "fusion" || FUSIBLE_OPS.has(n.op);

/** Appends `n`'s own program to `into`, returning the reference of its result. */
function splice(
  into: Program,
  n: Node,
  inline: (operand: Node) => boolean,
  refOf: (operand: Node) => Ref,
): Ref {
  if (n.op !== "fusion") {
    const args = n.inputs.map((i) => (inline(i) ? splice(into, i, inline, refOf) : refOf(i)));
    into.instrs.push({ op: n.op, args, attrs: n.attrs });
    return { instr: into.instrs.length - 1 };
  }
  const { program } = n.attrs as unknown as FusionAttrs;
  const local: Ref[] = n.inputs.map((i) => (inline(i) ? splice(into, i, inline, refOf) : refOf(i)));
  for (const instr of program) {
    into.instrs.push({ op: instr.op, args: instr.args.map((a) => local[a]!), attrs: instr.attrs });
    local.push({ instr: into.instrs.length - 1 });
  }
  return local[local.length - 1]!;
}

export function fuse(g: Graph): Graph {
  const roots = [...g.outputs.values(), ...g.grads.values(), ...g.updates.values()];
  const uses = useCounts(g);
  const rebuilt = new Map<Node, Node>();
  // which rebuilt node stands for which original (for use counts, which are the original's)
  const original = new Map<Node, Node>();

  for (const n of topologicalOrder(roots)) {
    const inputs = n.inputs.map((i) => rebuilt.get(i)!);
    let result = withInputs(n, inputs);
    if (isFusible(n)) {
      const inline = (operand: Node) => {
        const orig = original.get(operand);
        return (
          orig !== undefined &&
          isFusible(operand) &&
          uses.get(orig) === 1 &&
          sameShape(operand.shape, n.shape)
        );
      };
      if (inputs.some(inline)) {
        const program: Program = { operands: [], instrs: [] };
        const refOf = (operand: Node): Ref => {
          let k = program.operands.indexOf(operand);
          if (k < 0) k = program.operands.push(operand) - 1;
          return { operand: k };
        };
        splice(program, result, inline, refOf);
        const m = program.operands.length;
        const encoded: FusedInstr[] = program.instrs.map((i) => ({
          op: i.op,
          args: i.args.map((r) => ("operand" in r ? r.operand : m + r.instr)),
          attrs: i.attrs,
        }));
        result = n.ctx.withSource(n.src, () =>
          n.ctx.node("fusion", program.operands, { shape: [...n.shape], program: encoded }),
        );
      }
    }
    rebuilt.set(n, result);
    original.set(result, n);
  }
  const map = (m: ReadonlyMap<string, Node>) => new Map([...m].map(([k, v]) => [k, rebuilt.get(v)!]));
  return { ...g, outputs: map(g.outputs), grads: map(g.grads), updates: map(g.updates) };
}
