/**
 * The float64 reference interpreter: evaluates any graph node by node with each primitive's
 * `evaluate` rule. It is the oracle every compiled module is tested against, so it favours
 * clarity over speed.
 */
import { WasmgradError } from "../errors.js";
import { graphNodes, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { bindLeaves, type Feed } from "./bind.js";
import { fromValues, type NDArray } from "../ir/ndarray.js";
import { MODES, type Mode } from "../ops/mode.js";

export interface Bindings {
  readonly inputs?: Readonly<Record<string, Feed>>;
  readonly params?: Readonly<Record<string, Feed>>;
  readonly states?: Readonly<Record<string, Feed>>;
  /**
   * Training or evaluation, for the ops that tell them apart (dropout; compiler/ops/mode.ts).
   * Default "train", as a PyTorch module is until `.eval()`; a compiled `forward` evaluates.
   */
  readonly mode?: Mode;
}

export interface Evaluation {
  readonly outputs: Record<string, NDArray>;
  readonly grads: Record<string, NDArray>;
  readonly updates: Record<string, NDArray>;
}

/** Evaluates every output, gradient and update of `graph`. All leaves must be bound. */
export function interpret(graph: Graph, bindings: Bindings): Evaluation {
  const values = new Map<Node, NDArray>([
    ...bindLeaves(graph.inputs, bindings.inputs, "input", graph.name, true),
    ...bindLeaves(graph.params, bindings.params, "param", graph.name, true),
    ...bindLeaves(graph.states, bindings.states, "state", graph.name, true),
  ]);
  const mode = bindMode(bindings.mode, graph.name);
  for (const node of graphNodes(graph)) {
    if (values.has(node)) continue;
    if (node.op === "mode") {
      values.set(node, mode);
      continue;
    }
    const def = node.def;
    const args = node.inputs.map((i) => values.get(i)!);
    try {
      values.set(node, def.evaluate(args, node.attrs, node));
    } catch (e) {
      if (e instanceof WasmgradError && !e.location) {
        throw new WasmgradError(e.detail, { op: e.op ?? node.op, location: node.src });
      }
      throw e;
    }
  }
  const collect = (m: ReadonlyMap<string, Node>) =>
    Object.fromEntries([...m].map(([name, n]) => [name, values.get(n)!]));
  return { outputs: collect(graph.outputs), grads: collect(graph.grads), updates: collect(graph.updates) };
}

function bindMode(mode: Mode | undefined, graphName: string): NDArray {
  if (mode !== undefined && !MODES.includes(mode)) {
    throw new WasmgradError(
      `interpret(${graphName}): mode must be ${MODES.map((m) => JSON.stringify(m)).join(" or ")}, got ${JSON.stringify(mode)}`,
    );
  }
  return fromValues([], "bool", [mode === "eval" ? 0 : 1]);
}
