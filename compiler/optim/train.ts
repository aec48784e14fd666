/**
 * The training-step graph: loss and outputs, gradients of every parameter, optional clipping by
 * global norm, and the optimizer's updates of parameters and of its own state (slots and the step
 * counter) as `updates`. Running it and applying the updates is one step of training.
 */
import { gradGraph } from "../autodiff/grad.js";
import type { Model } from "../dsl/model.js";
import { WasmgradError } from "../errors.js";
import * as b from "../ir/build.js";
import { leafName, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { allocate, type NDArray } from "../ir/ndarray.js";
import { applyUpdate, slotNames, type Optimizer } from "./optimizers.js";
import { checkClipNorm, checkOptimizer } from "./validate.js";

/** Name of the optimizer's step counter state. */
export const STEP_STATE = "optim.step";

export interface TrainOptions {
  /** Rescale gradients so that their global L2 norm is at most this (seed 002: if ‖g‖ ≥ c, g ← c·g/‖g‖). */
  readonly clipNorm?: number;
}

export interface TrainGraph {
  readonly graph: Graph;
  /** Initial values of every state leaf: the model's (recurrent state) and the optimizer's (zeros). */
  readonly initialStates: Record<string, NDArray>;
}

/** Scales all gradients by min(1, c / ‖g‖) with ‖g‖ the norm over every gradient together. */
export function clipByGlobalNorm(grads: readonly Node[], c: number): Node[] {
  if (!(c > 0)) throw new WasmgradError(`clipNorm must be positive, got ${c}`);
  if (grads.length === 0) return [];
  const squares = grads.map((g) =>
    b.sum(
      b.mul(g, g),
      g.shape.map((_, i) => i),
    ),
  );
  const norm = b.sqrt(squares.reduce((x, y) => b.add(x, y)));
  // ‖g‖ = 0 gives c/0 = +inf and a scale of 1
  const scale = b.minimum(b.div(c, norm), 1);
  return grads.map((g) => b.mul(g, scale));
}

export function trainGraph(mdl: Model, optimizer: Optimizer, options: TrainOptions = {}): TrainGraph {
  checkOptimizer("trainGraph", optimizer);
  checkClipNorm("trainGraph", options.clipNorm, true);
  const withGrads = gradGraph(mdl.graph);
  const ctx = mdl.graph.outputs.get("loss")!.ctx;
  const taken = new Set([...mdl.graph.inputs, ...mdl.graph.params, ...mdl.graph.states].map(leafName));
  const states: Node[] = [];
  const initialStates: Record<string, NDArray> = {};
  const state = (name: string, shape: readonly number[]) => {
    if (taken.has(name)) {
      throw new WasmgradError(`the optimizer's state '${name}' collides with a leaf of model '${mdl.name}'`);
    }
    const leaf = ctx.node("state", [], { name, shape: [...shape], dtype: "f32" });
    states.push(leaf);
    initialStates[name] = allocate(shape, "f32");
    return leaf;
  };

  for (const s of mdl.graph.states) initialStates[leafName(s)] = allocate(s.shape, "f32");
  const t = state(STEP_STATE, []);
  const params = mdl.graph.params;
  let grads = params.map((p) => withGrads.grads.get(leafName(p))!);
  if (options.clipNorm !== undefined) grads = clipByGlobalNorm(grads, options.clipNorm);

  // the model's own states (recurrent state) advance as in a forward call
  const updates = new Map<string, Node>(withGrads.updates);
  params.forEach((p, i) => {
    const name = leafName(p);
    const slotLeaves = slotNames(optimizer).map((s) => state(`optim.${name}.${s}`, p.shape));
    const next = applyUpdate(optimizer, p, grads[i]!, slotLeaves, t);
    updates.set(name, next.theta);
    slotLeaves.forEach((leaf, k) => updates.set(leafName(leaf), next.slots[k]!));
  });
  updates.set(STEP_STATE, b.add(t, 1));

  return {
    graph: {
      ...withGrads,
      states: [...mdl.graph.states, ...states],
      grads: new Map(params.map((p, i) => [leafName(p), grads[i]!])),
      updates,
    },
    initialStates,
  };
}
