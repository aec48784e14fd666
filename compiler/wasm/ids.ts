/**
 * Which i32 inputs index a table, and its rows: the manifest records them (TensorInfo.idRows) so
 * that the runtime rejects an out-of-range id instead of letting compiled code clamp it (the
 * interpreter raises on one). An input counts when it reaches the ids operand of a gather (without
 * `fill`) or a scatter_add (without `drop`) of the model's graph directly or through reshapes.
 * Ids used inside a scan's step (a sequence of ids) are not followed: compiled code clamps those.
 */
import { topologicalOrder, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";

export function idRowsOfInputs(g: Graph): Map<Node, number> {
  const rows = new Map<Node, number>();
  const mark = (ids: Node, n: number) => {
    let leaf = ids;
    while (leaf.op === "reshape") leaf = leaf.inputs[0]!;
    if (leaf.op !== "input") return;
    rows.set(leaf, Math.min(n, rows.get(leaf) ?? n));
  };
  for (const n of topologicalOrder([...g.outputs.values()])) {
    if (n.op === "gather" && !n.attrs.fill) mark(n.inputs[1]!, n.inputs[0]!.shape[0]!);
    if (n.op === "scatter_add" && !n.attrs.drop) mark(n.inputs[0]!, n.attrs.rows as number);
  }
  return rows;
}
