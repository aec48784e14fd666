/**
 * Part of stage "entries": each entry's graph in its mode (compiler/ops/mode.ts). `forward` and
 * inference entries evaluate (dropout is the identity), as PyTorch's `model.eval()` does;
 * `backward` and `train_step` train. `forwardMode: "train"` keeps training behaviour in the
 * forward pass (Monte-Carlo dropout).
 *
 * A `select` on the mode (what dropout builds) becomes the branch of the entry's mode, and any
 * other use of a `mode` node reads a bool constant; the other branch (the dropout mask and its
 * random numbers) is left unused and never compiled, at every optimization level, so an
 * eval-mode forward does not read the seed input either. Scan bodies need nothing of their own:
 * a `mode` node in a loop body depends on no step value, so it is one of the loop's invariant
 * operands, outside the body.
 */
import * as b from "../ir/build.js";
import { topologicalOrder, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sameShape } from "../ir/shape.js";
import { withInputs } from "../ir/substitute.js";
import type { Mode } from "../ops/mode.js";

/** `g` with every `mode` node fixed to `mode`: `g` itself when it has none. */
export function inMode(g: Graph, mode: Mode): Graph {
  const maps = [g.outputs, g.grads, g.updates] as const;
  const order = topologicalOrder(maps.flatMap((m) => [...m.values()]));
  const first = order.find((n) => n.op === "mode");
  if (!first) return g;
  const value = b.constant(first.ctx, mode === "train" ? 1 : 0, [], "bool");
  const memo = new Map<Node, Node>();
  for (const n of order) {
    if (n.op === "mode") {
      memo.set(n, value);
      continue;
    }
    const inputs = n.inputs.map((i) => memo.get(i)!);
    if (n.op === "select" && n.inputs[0]!.op === "mode") {
      const chosen = inputs[mode === "train" ? 1 : 2]!;
      memo.set(n, sameShape(chosen.shape, n.shape) ? chosen : b.broadcastTo(chosen, n.shape));
    } else {
      memo.set(n, withInputs(n, inputs));
    }
  }
  const [outputs, grads, updates] = maps.map(
    (m) => new Map([...m].map(([name, n]) => [name, memo.get(n)!] as const)),
  ) as [Map<string, Node>, Map<string, Node>, Map<string, Node>];
  return { ...g, outputs, grads, updates };
}
