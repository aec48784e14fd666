/**
 * Stage "entries": the graph of every entry point of the module, before optimization.
 *
 *   forward   the user's outputs (and the next values of the model's states)
 *   backward  the loss and d loss / d param for every param (autodiff), when the model has a loss
 *   train     backward plus the optimizer's updates of params and its own states, when an
 *             optimizer is given (and clipping by global norm, with clipNorm)
 */
import { gradGraph, LOSS } from "../autodiff/grad.js";
import type { Model } from "../dsl/model.js";
import { WasmgradError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import type { Optimizer } from "../optim/optimizers.js";
import { trainGraph } from "../optim/train.js";
import type { EntryName } from "../plan/module.js";

export interface EntryGraphs {
  readonly forward: Graph;
  readonly backward?: Graph;
  readonly train?: Graph;
}

/**
 * What an entry computes, in order: forward its user outputs and the next values of the model's
 * states (it advances them); backward, a pure query, the loss and the gradients; train the loss,
 * the gradients and every update.
 */
export function entryRoots(name: EntryName, g: Graph): Node[] {
  const loss = () => g.outputs.get(LOSS)!;
  if (name === "forward") return [...g.outputs.values(), ...g.updates.values()];
  if (name === "backward") return [loss(), ...g.grads.values()];
  return [loss(), ...g.grads.values(), ...g.updates.values()];
}

/** The entries present, in the order the module defines them. */
export function entryNames(e: EntryGraphs): EntryName[] {
  return (["forward", "backward", "train"] as const).filter((n) => e[n] !== undefined);
}

export function buildEntries(
  mdl: Model,
  options: { readonly optimizer?: Optimizer; readonly clipNorm?: number },
): EntryGraphs {
  const g = mdl.graph;
  const hasLoss = g.outputs.has(LOSS);
  if (options.optimizer && !hasLoss) {
    throw new WasmgradError(`model '${mdl.name}' has no loss, so it cannot be compiled with an optimizer`);
  }
  const forward: Graph = { ...g, outputs: new Map([...g.outputs].filter(([name]) => name !== LOSS)) };
  if (!hasLoss) return { forward };
  const backward: Graph = { ...gradGraph(g), updates: new Map() };
  if (!options.optimizer) return { forward, backward };
  const train = trainGraph(mdl, options.optimizer, { clipNorm: options.clipNorm }).graph;
  return { forward, backward, train };
}
