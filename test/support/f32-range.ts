/**
 * Whether f32 can follow the float64 reference through a computation. When an intermediate value
 * is finite in float64 but beyond f32's range, the module overflows there to ±Infinity and
 * computes on from it (∞ − ∞ = NaN, 1/∞ = 0: Adam's update for a gradient of 1e20 is 0 in f32,
 * where g² overflows, and about lr in float64). Its result may then be NaN or ±Infinity where the
 * reference's is an ordinary number, and neither is wrong. The differential tests accept a
 * non-finite result only for a result whose own computation left f32's range in the reference
 * (see `overflowsInF32`); anywhere else a non-finite result is a mismatch.
 */
import { graphNodes, interpret, type Bindings, type Graph, type Node } from "../../compiler/index.js";
import { F32_MAX } from "./agree.js";

/**
 * For any result of `graph` (an output, gradient or update node): is a value on the way to it,
 * evaluated in float64 from `bindings`, finite but beyond f32's range? The graph is interpreted
 * on the first question only.
 */
export function overflowsInF32(graph: Graph, bindings: Bindings): (result: Node) => boolean {
  let beyond: Set<Node> | undefined;
  const beyondF32 = (): Set<Node> => {
    const f32Nodes = graphNodes(graph).filter((n) => n.dtype === "f32");
    // every f32 node as an output: one interpretation gives all the intermediate values
    const everything: Graph = { ...graph, outputs: new Map(f32Nodes.map((n, i) => [`node ${i}`, n])) };
    const values = interpret(everything, bindings).outputs;
    return new Set(
      f32Nodes.filter((n, i) =>
        values[`node ${i}`]!.data.some((v) => Number.isFinite(v) && Math.abs(v) > F32_MAX),
      ),
    );
  };
  return (result) => {
    const overflowing = (beyond ??= beyondF32());
    if (overflowing.size === 0) return false;
    // the nodes `result` is computed from
    const cone = graphNodes({
      ...graph,
      outputs: new Map([["result", result]]),
      grads: new Map(),
      updates: new Map(),
    });
    return cone.some((n) => overflowing.has(n));
  };
}

/** Does this f32 result hold a value f32 has only as an overflow (NaN, ±Infinity, the f32 max)? */
export const showsOverflow = (result: ArrayLike<number>): boolean =>
  Array.prototype.some.call(result, (v: number) => !(Math.abs(v) < F32_MAX));
