/** Builds the gradient graph of a model: loss, outputs, and d loss / d each parameter. */
import { WasmgradError } from "../errors.js";
import { leafName, type Graph } from "../ir/graph.js";
import { shapeToString } from "../ir/shape.js";
import { vjp } from "./vjp.js";

export const LOSS = "loss";

export interface GradOptions {
  /** Names of the params (and, on request, f32 inputs) to differentiate; default: every param. */
  readonly wrt?: readonly string[];
  /** Also differentiate with respect to every f32 input. */
  readonly inputs?: boolean;
}

export function gradGraph(g: Graph, options: GradOptions = {}): Graph {
  const loss = g.outputs.get(LOSS);
  if (!loss) {
    throw new WasmgradError(
      `model '${g.name}' declares no loss (call m.loss(...)), so there is nothing to differentiate`,
    );
  }
  if (loss.shape.length !== 0) {
    throw new WasmgradError(`the loss must be a scalar, got shape ${shapeToString(loss.shape)}`, {
      location: loss.src,
    });
  }
  const candidates = [...g.params, ...g.inputs.filter((i) => i.dtype === "f32")];
  const byName = new Map(candidates.map((l) => [leafName(l), l]));
  const names = options.wrt ?? [
    ...g.params.map(leafName),
    ...(options.inputs ? g.inputs.filter((i) => i.dtype === "f32").map(leafName) : []),
  ];
  const leaves = names.map((name) => {
    const leaf = byName.get(name);
    if (!leaf) {
      throw new WasmgradError(
        `model '${g.name}' has no param or f32 input named '${name}' to differentiate; it has: ${[...byName.keys()].join(", ")}`,
      );
    }
    return leaf;
  });
  const grads = vjp(loss, leaves);
  return { ...g, grads: new Map(names.map((name, i) => [name, grads[i]!])) };
}
