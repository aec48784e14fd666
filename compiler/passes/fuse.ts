/**
 * fuse: loop fusion. Nodes are grouped into clusters, each of which becomes one `fusion` node
 * (compiler/ops/fusion.ts) that the backend lowers to a single kernel without intermediate
 * buffers. Runs last, after simplify, fold and cse.
 *
 * Clusters grow from their result (the *root*) towards the operands, walking the graph from the
 * results back: a node joins the cluster of its users when every user is in that one cluster,
 * reads it element by element, and the node has the shape the users iterate over. So a value
 * with several users can be fused when all of them are (the cluster stays convex: no path leaves
 * it and comes back). Elementwise nodes join freely; a cluster takes at most one *head*:
 *
 *  - a matmul, whose elementwise users become its epilogue (applied to each output tile in
 *    registers; the matmul's own operands stay operands):
 *
 *        before:  %9 = matmul %0, %2 ; %10 = add %9, %3                  (two kernels, one buffer)
 *        after:   %10 = fusion(%0, %2, %3) { matmul ; add }             (one kernel)
 *
 *  - a reduction, whose elementwise producers of its input shape become its prologue (computed
 *    as the reduction reads them) and whose users of the reduced shape its epilogue:
 *
 *        before:  %5 = mul %4, %4 ; %6 = reduce_sum %5 ; %7 = sqrt %6
 *        after:   %7 = fusion(%4) { mul ; reduce_sum ; sqrt }
 *
 *  - a softmax_xent_grad, like a matmul: its elementwise users become its epilogue.
 *
 * Small clusters of cheap elementwise nodes (compare, select, add, ...) whose users sit in several
 * clusters are duplicated into each of them instead of being stored once and read back: a relu
 * mask is recomputed in the forward and the backward kernels that need it, a one-hot matrix in
 * the loss and in its gradient (XLA duplicates cheap producers the same way).
 *
 * With `multiOutput` (the default), a value that must be stored anyway joins a cluster as an
 * *extra output*, written by the same kernel (a `fusion_output` node stands for it): a graph
 * result (output, gradient, update) whose users are all in that cluster, or an expensive node or
 * head whose other users are in kernels that do not lead back into the cluster (an exp(x − max)
 * stored for the softmax gradient while its row sums are taken). So an optimizer's update of m, v
 * and θ reads g, m, v and θ once and writes all three:
 *
 *        before:  m' = fusion(m, g) {...} ; v' = fusion(v, g) {...} ; θ' = fusion(θ, m', v') {...}
 *        after:   θ' = fusion(g, m, v, θ) { ... } outputs=[m', v'] ; m' = fusion_output(θ') {1} ; ...
 *
 * Then a cluster whose result is stored anyway merges into a cluster that reads that result
 * element by element, as an extra output of the reader's kernel: relu(x·W + b) and the x·W + b
 * that the backward pass reads come from one matmul kernel.
 *
 * Last, a softmax_xent joins the cluster headed by the softmax_xent_grad of the same logits and
 * labels as its *companion* (an extra output), so the row losses and the gradient come from one
 * kernel, unless a reader of the losses leads back into that cluster:
 *
 *        before:  %7 = softmax_xent %5, %1 ; %9 = softmax_xent_grad %5, %1 ; %10 = mul %8, %9
 *        after:   %10 = fusion(%5, %1, %8) { softmax_xent ; softmax_xent_grad ; mul } outputs=[loss]
 *
 * This file is the pass's entry; its phases live in fuse/, in the order they run: clustering.ts
 * (with growth.ts), duplication.ts, merging.ts, companions.ts and rebuild.ts (with program.ts),
 * sharing the clusters of fuse/state.ts and the predicates of fuse/fusible.ts.
 */
import type { Graph } from "../ir/graph.js";
import { cluster } from "./fuse/clustering.js";
import { joinCompanions } from "./fuse/companions.js";
import { duplicate } from "./fuse/duplication.js";
import { mergeIntoReaders } from "./fuse/merging.js";
import { rebuild } from "./fuse/rebuild.js";
import { fuseState } from "./fuse/state.js";

export interface FuseOptions {
  /** Let values that are stored anyway join a cluster as extra outputs of its kernel (default true). */
  readonly multiOutput?: boolean;
  /** Duplicate cheap elementwise nodes into every cluster that reads them (default true). */
  readonly duplicate?: boolean;
}

export function fuse(g: Graph, options: FuseOptions = {}): Graph {
  return fuseGraph(g, options).graph;
}

/**
 * `fuse`, also saying how many cheap nodes it duplicated, how many clusters it merged and how many
 * softmax_xent losses joined their gradient's kernel.
 */
export function fuseGraph(
  g: Graph,
  options: FuseOptions = {},
): { graph: Graph; duplicated: number; merged: number; companions: number } {
  const multiOutput = options.multiOutput ?? true;
  const s = fuseState(g, multiOutput);
  cluster(s);
  const duplicated = (options.duplicate ?? true) ? duplicate(s) : 0;
  const merged = multiOutput ? mergeIntoReaders(s) : 0;
  const companions = multiOutput ? joinCompanions(s) : 0;
  return { graph: rebuild(s, g), duplicated, merged, companions };
}
