/**
 * Stage "entries": the graph of every entry point of the module, before optimization.
 *
 *   forward   the user's outputs (and the next values of the model's states), in eval mode
 *   backward  the loss and d loss / d param for every param (autodiff), when the model has a
 *             loss, in training mode
 *   train     backward plus the optimizer's updates of params and its own states, when an
 *             optimizer is given (and clipping by global norm, with clipNorm), in training mode
 *
 * (modes.ts: what training and eval mode change, and `forwardMode`.)
 */
import { gradGraph, LOSS } from "../autodiff/grad.js";
import type { Model } from "../dsl/model.js";
import { WasmgradError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import type { Optimizer } from "../optim/optimizers.js";
import { trainGraph } from "../optim/train.js";
import type { Mode } from "../ops/mode.js";
import type { EntryName } from "../plan/module.js";
import { inMode } from "./modes.js";

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
  options: { readonly optimizer?: Optimizer; readonly clipNorm?: number; readonly forwardMode?: Mode },
): EntryGraphs {
  const g = mdl.graph;
  const hasLoss = g.outputs.has(LOSS);
  if (options.optimizer && !hasLoss) {
    throw new WasmgradError(`model '${mdl.name}' has no loss, so it cannot be compiled with an optimizer`);
  }
  // forward evaluates (dropout off) unless asked to train; backward and train train (modes.ts)
  const forward = inMode(
    { ...g, outputs: new Map([...g.outputs].filter(([name]) => name !== LOSS)) },
    options.forwardMode ?? "eval",
  );
  if (!hasLoss) return { forward };
  const backward: Graph = inMode({ ...gradGraph(g), updates: new Map() }, "train");
  if (!options.optimizer) return { forward, backward };
  const train = inMode(trainGraph(mdl, options.optimizer, { clipNorm: options.clipNorm }).graph, "train");
  return { forward, backward, train };
}
