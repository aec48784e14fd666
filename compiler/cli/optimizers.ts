/** `--optimizer` and `--lr`: the optimizer of a training step, checked against the model. */
import { Option } from "commander";
import { LOSS } from "../autodiff/grad.js";
import type { Graph } from "../ir/graph.js";
import { optim, type Optimizer } from "../optim/optimizers.js";
import { CliError } from "./errors.js";

export const OPTIMIZERS = ["sgd", "momentum", "adagrad", "rmsprop", "adam"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The `--optimizer <name>` option, limited to OPTIMIZERS. */
export function optimizerOption(description: string): Option {
  return new Option("--optimizer <name>", description).choices(OPTIMIZERS);
}

/** The learning rate when --lr is not given: the library's default for adam, 0.1 otherwise. */
export function defaultLearningRate(name: OptimizerName): number {
  return name === "adam" ? 0.001 : 0.1;
}

/** The optimizer `name` with learning rate `lr` (its default when undefined). */
export function makeOptimizer(name: OptimizerName, lr?: number): Optimizer {
  // each constructor's own (lr, options) signature differs in its options; none are given here
  const make: (lr: number) => Optimizer = optim[name];
  return make(lr ?? defaultLearningRate(name));
}

/** True when the model has a loss, so that it has gradients and can be trained. */
export function hasLoss(model: { readonly graph: Graph }): boolean {
  return model.graph.outputs.has(LOSS);
}

/**
 * The optimizer that --optimizer and --lr describe, after checking them against the model;
 * `action` says what the model cannot be without a loss ("compiled", "planned").
 */
export function optimizerFor(
  model: { readonly name: string; readonly graph: Graph },
  opts: { readonly optimizer?: OptimizerName; readonly lr?: number },
  action: string,
): Optimizer | undefined {
  if (opts.optimizer !== undefined && !hasLoss(model)) {
    throw new CliError(
      `model '${model.name}' has no loss (call m.loss(...)), so it cannot be ${action} with ` +
        `--optimizer ${opts.optimizer}; drop --optimizer to compile its forward pass only`,
    );
  }
  return opts.optimizer === undefined ? undefined : makeOptimizer(opts.optimizer, opts.lr);
}
