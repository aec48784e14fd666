/** Rebuilding nodes with some of their operands replaced, through the hash-consing context. */
import { topologicalOrder } from "./graph.js";
import type { Node } from "./node.js";

/** Rebuilds `n` with new operands (re-interned; the same node when nothing changed). */
export function withInputs(n: Node, inputs: readonly Node[]): Node {
  if (inputs.every((x, i) => x === n.inputs[i])) return n;
  return n.ctx.withSource(n.src, () => n.ctx.node(n.op, inputs, n.attrs));
}

/** `roots` with every occurrence of a key of `replacements` replaced by its value. */
export function substitute(roots: readonly Node[], replacements: ReadonlyMap<Node, Node>): Node[] {
  const memo = new Map(replacements);
  for (const n of topologicalOrder(roots)) {
    if (!memo.has(n))
      memo.set(
        n,
        withInputs(
          n,
          n.inputs.map((i) => memo.get(i)!),
        ),
      );
  }
  return roots.map((r) => memo.get(r)!);
}
