/**
 * Training with the float64 reference interpreter: runs the training-step graph and applies its
 * updates. It is slow and exact, the oracle that compiled training is compared with step by step.
 */
import { initParams, type Model } from "../dsl/model.js";
import { leafName } from "../ir/graph.js";
import { bindLeaves, type Feed } from "../interp/bind.js";
import { interpret } from "../interp/interpret.js";
import type { NDArray } from "../ir/ndarray.js";
import type { Optimizer } from "./optimizers.js";
import { trainGraph, type TrainOptions } from "./train.js";

export interface ReferenceTrainer {
  /** Current parameter values by name (replaced, not mutated, by each step). */
  readonly params: Record<string, NDArray>;
  readonly states: Record<string, NDArray>;
  /** One training step on a batch; returns the loss before the update. */
  step(inputs: Readonly<Record<string, Feed>>): number;
  /**
   * The model's outputs (and loss, when its inputs are given) with the current parameters; like
   * the compiled forward, it advances the model's states (m.state).
   */
  run(inputs: Readonly<Record<string, Feed>>): Record<string, NDArray>;
}

export interface ReferenceTrainerOptions extends TrainOptions {
  /** The seed of the initializers of the params not given in `params`. Default 0. */
  readonly seed?: number;
  /**
   * Starting values of params by name, in any form `interpret` takes: flat values in row-major
   * order, nested arrays, or tensors `{ shape, dtype, data }` (what `initParams` returns). Params
   * left out start from their initializers, as in `gradcheck`. Each is checked here, so a wrong
   * name, shape or size is an error naming the param before any step.
   */
  readonly params?: Readonly<Record<string, Feed>>;
}

export function referenceTrainer(
  mdl: Model,
  optimizer: Optimizer,
  options: ReferenceTrainerOptions = {},
): ReferenceTrainer {
  const { graph, initialStates } = trainGraph(mdl, optimizer, options);
  const params = { ...initParams(mdl, options.seed ?? 0) };
  for (const [leaf, value] of bindLeaves(mdl.graph.params, options.params, "param", mdl.name, false)) {
    params[leafName(leaf)] = value;
  }
  const states = { ...initialStates };
  const paramNames = new Set(mdl.graph.params.map(leafName));
  return {
    params,
    states,
    step(inputs) {
      const r = interpret(graph, { inputs, params, states });
      for (const [name, value] of Object.entries(r.updates)) {
        if (paramNames.has(name)) params[name] = value;
        else states[name] = value;
      }
      return r.outputs.loss!.data[0]!;
    },
    run(inputs) {
      // like the compiled forward: the model's states advance, the optimizer's stay
      const modelStates = Object.fromEntries(
        mdl.graph.states.map((s) => [leafName(s), states[leafName(s)]!]),
      );
      const r = interpret(mdl.graph, { inputs, params, states: modelStates });
      Object.assign(states, r.updates);
      return r.outputs;
    },
  };
}
