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
import type { ExtraForward } from "./batches.js";

export interface EntryGraphs {
  readonly forward: Graph;
  readonly backward?: Graph;
  readonly train?: Graph;
  /** The forward entries at other dims (compile's `batches`), each with its graph. */
  readonly extras: readonly ExtraEntry[];
}

/** A forward entry at other dims: its graph computes what `forward` does, at its sizes. */
export interface ExtraEntry extends ExtraForward {
  readonly graph: Graph;
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

/** The main entries present, in the order the module defines them (the extras follow them). */
export function entryNames(e: EntryGraphs): EntryName[] {
  return (["forward", "backward", "train"] as const).filter((n) => e[n] !== undefined);
}

/** The forward graph of `g`: its outputs but the loss, and its states' next values. */
function forwardGraph(g: Graph, mode: Mode): Graph {
  // forward evaluates (dropout off) unless asked to train; backward and train train (modes.ts)
  return inMode({ ...g, outputs: new Map([...g.outputs].filter(([name]) => name !== LOSS)) }, mode);
}

export function buildEntries(
  mdl: Model,
  options: { readonly optimizer?: Optimizer; readonly clipNorm?: number; readonly forwardMode?: Mode },
  /** Forward entries at other dims (batches.ts). */
  extraForwards: readonly ExtraForward[] = [],
): EntryGraphs {
  const g = mdl.graph;
  const hasLoss = g.outputs.has(LOSS);
  if (options.optimizer && !hasLoss) {
    throw new WasmgradError(`model '${mdl.name}' has no loss, so it cannot be compiled with an optimizer`);
  }
  const mode = options.forwardMode ?? "eval";
  const forward = forwardGraph(g, mode);
  const extras = extraForwards.map((x) => ({ ...x, graph: forwardGraph(x.model.graph, mode) }));
  if (!hasLoss) return { forward, extras };
  const backward: Graph = inMode({ ...gradGraph(g), updates: new Map() }, "train");
  if (!options.optimizer) return { forward, backward, extras };
  const train = inMode(trainGraph(mdl, options.optimizer, { clipNorm: options.clipNorm }).graph, "train");
  return { forward, backward, train, extras };
}
