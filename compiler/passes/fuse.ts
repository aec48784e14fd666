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
 */
import { topologicalOrder, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sameShape, type Shape } from "../ir/shape.js";
import {
  companionHead,
  fusionHead,
  isFusible,
  isHeadOp,
  isReductionHead,
  programTypes,
  type FusedInstr,
  type FusionAttrs,
} from "../ops/fusion.js";
import { withInputs } from "./rewrite.js";

export interface FuseOptions {
  /** Let values that are stored anyway join a cluster as extra outputs of its kernel (default true). */
  readonly multiOutput?: boolean;
  /** Duplicate cheap elementwise nodes into every cluster that reads them (default true). */
  readonly duplicate?: boolean;
}

/** The largest cluster of cheap nodes duplicated into the clusters that read it. */
const MAX_DUPLICATED = 6;

type Domain = "out" | "in";

interface Cluster {
  readonly root: Node;
  /** Members, with the domain each is computed in: the fusion's shape, or the head's input shape. */
  readonly members: Map<Node, Domain>;
  head: Node | undefined;
  readonly shape: Shape;
  /** The reduction head's input shape (the prologue's shape). */
  inShape: Shape | undefined;
  /** Members whose values are stored too (extra outputs), in the order they joined. */
  readonly extra: Node[];
}

const fusionAttrs = (n: Node) => n.attrs as unknown as FusionAttrs;
/** Fusions made by an earlier run that this one will not reshape (multi-output ones). */
const opaque = (n: Node) => n.op === "fusion_output" || (n.op === "fusion" && !!fusionAttrs(n).outputs);
const isElementwise = (n: Node) =>
  isFusible(n.op) || (n.op === "fusion" && !opaque(n) && !fusionHead(fusionAttrs(n)));
const isHead = (n: Node) =>
  isHeadOp(n.op) || (n.op === "fusion" && !opaque(n) && !!fusionHead(fusionAttrs(n)));
/** The op of a head node (for a fusion with a head: its head's op). */
const headOp = (n: Node) => (n.op === "fusion" ? fusionHead(fusionAttrs(n))!.instr.op : n.op);

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
  const duplicate = options.duplicate ?? true;
  const roots = [...g.outputs.values(), ...g.grads.values(), ...g.updates.values()];
  const nodes = topologicalOrder(roots);
  const position = new Map(nodes.map((n, i) => [n, i]));
  const results = new Set(roots);
  const users = new Map<Node, Node[]>();
  for (const n of nodes) {
    for (const i of new Set(n.inputs)) {
      let list = users.get(i);
      if (!list) users.set(i, (list = []));
      list.push(n);
    }
  }
  /** Clusters a node belongs to (several only for duplicated nodes). */
  const clustersOf = new Map<Node, Cluster[]>();
  const domainShape = (c: Cluster, d: Domain) => (d === "in" ? c.inShape! : c.shape);

  /**
   * The domain `p` would have in cluster `c`, given that user `u` (a member of c) reads it; or
   * undefined when u does not read p element by element in a domain of p's shape.
   */
  const domainVia = (c: Cluster, u: Node, p: Node): Domain | undefined => {
    const d = c.members.get(u)!;
    if (isElementwise(u)) return sameShape(p.shape, domainShape(c, d)) ? d : undefined;
    // the head: a reduction reads its input element by element (its prologue); a matmul does not
    if (u === c.head && u.op !== "fusion" && isReductionHead(headOp(u)))
      return sameShape(p.shape, c.inShape!) ? "in" : undefined;
    return undefined;
  };

  /** The one cluster a node is in (undefined: none, or duplicated into several). */
  const clusterOf = (u: Node): Cluster | undefined => {
    const list = clustersOf.get(u);
    return list?.length === 1 ? list[0] : undefined;
  };
  /** Whether `from` is an ancestor of `to` (or `to` itself); nodes after `to` cannot be. */
  const reaches = (from: Node, to: Node): boolean => {
    const limit = position.get(to)!;
    const seen = new Set<Node>();
    const stack = [from];
    while (stack.length) {
      const n = stack.pop()!;
      if (n === to) return true;
      if (seen.has(n) || position.get(n)! > limit) continue;
      seen.add(n);
      stack.push(...(users.get(n) ?? []));
    }
    return false;
  };

  /**
   * Adds `p` to the cluster of its users when that is possible; true if it joined. With all its
   * users in one cluster, p joins it (as an extra output if it is a graph result). With users in
   * other kernels too, an expensive node or a head may still join one of its users' clusters as
   * an extra output, when none of those other users leads back into that cluster (which would
   * make a cycle of kernels).
   */
  const join = (p: Node): boolean => {
    if (!isElementwise(p) && !isHead(p)) return false;
    const us = users.get(p) ?? [];
    const candidates = [...new Set(us.map(clusterOf))].filter((c): c is Cluster => c !== undefined);
    for (const c of candidates) {
      const inside = us.filter((u) => clusterOf(u) === c);
      const outside = us.filter((u) => clusterOf(u) !== c);
      const domains = new Set(inside.map((u) => domainVia(c, u, p)));
      if (domains.size !== 1) continue;
      const [d] = domains;
      if (d === undefined) continue;
      const extra = results.has(p) || outside.length > 0;
      if (extra && !multiOutput) continue;
      // cheap nodes are duplicated instead
      if (outside.length > 0 && !isHead(p) && p.def.traits.cheap) continue;
      // a result stays out of a reduction's prologue: it would pull the chain that computes it
      // away from a matmul's epilogue (the prologue is for values read again elsewhere)
      if (results.has(p) && d === "in") continue;
      if (outside.some((u) => reaches(u, c.root))) continue;
      if (isHead(p)) {
        if (c.head || d !== "out") continue;
        c.head = p;
        if (isReductionHead(headOp(p)))
          c.inShape = p.op === "fusion" ? fusionPrologueShape(p) : p.inputs[0]!.shape;
      }
      c.members.set(p, d);
      clustersOf.set(p, [c]);
      if (extra) c.extra.push(p);
      return true;
    }
    return false;
  };

  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (join(n)) continue;
    if (!isElementwise(n) && !isHead(n)) continue;
    const c: Cluster = {
      root: n,
      members: new Map([[n, "out"]]),
      head: isHead(n) ? n : undefined,
      shape: n.shape,
      inShape: undefined,
      extra: [],
    };
    if (c.head && isReductionHead(headOp(n)))
      c.inShape = n.op === "fusion" ? fusionPrologueShape(n) : n.inputs[0]!.shape;
    clustersOf.set(n, [c]);
  }

  // duplicate small clusters of cheap nodes stored only to be read by several clusters
  let duplicated = 0;
  if (duplicate) {
    for (const p of nodes) {
      const own = clustersOf.get(p);
      if (own?.length !== 1) continue;
      const P = own[0]!;
      if (P.root !== p || P.head || P.extra.length || results.has(p) || P.members.size > MAX_DUPLICATED)
        continue;
      if ([...P.members.keys()].some((x) => !x.def.traits.cheap)) continue;
      const us = users.get(p) ?? [];
      // each user in a cluster, reading p element by element, in one domain per cluster
      const placements: { c: Cluster; d: Domain }[] = [];
      const ok = us.every((u) => {
        const cs = clustersOf.get(u);
        const d = cs?.length === 1 ? domainVia(cs[0]!, u, p) : undefined;
        if (d === undefined) return false;
        const seen = placements.find((x) => x.c === cs![0]);
        if (!seen) placements.push({ c: cs![0]!, d });
        return !seen || seen.d === d;
      });
      if (!ok || placements.length < 2) continue;
      // every member of P has P's shape, so it takes p's domain in each user cluster
      for (const x of P.members.keys()) {
        const list = clustersOf.get(x)!.filter((c) => c !== P);
        for (const { c, d } of placements) {
          c.members.set(x, d);
          list.push(c);
        }
        clustersOf.set(x, list);
      }
      duplicated += P.members.size;
    }
  }

  // merge a cluster whose result is stored anyway into a cluster that reads it element by element:
  // the reader's kernel computes it too and stores it as an extra output (x·W + b stored for the
  // backward pass is computed by the kernel of relu(x·W + b))
  let merged = 0;
  if (multiOutput) {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const p = nodes[i]!;
      const own = clustersOf.get(p);
      if (own?.length !== 1 || own[0]!.root !== p) continue;
      const P = own[0]!;
      const us = users.get(p) ?? [];
      const candidates = [...new Set(us.flatMap((u) => clustersOf.get(u) ?? []))].filter((c) => c !== P);
      for (const C of candidates) {
        if (P.head && C.head) continue;
        const inside = us.filter((u) => C.members.has(u));
        const domains = new Set(inside.map((u) => domainVia(C, u, p)));
        if (domains.size !== 1) continue;
        const [d] = domains;
        if (d === undefined || (d === "in" && (P.head || results.has(p)))) continue;
        // no value P stores may be read by another kernel that leads back into C (a node
        // duplicated into C and other clusters is read by each of those kernels)
        const stored = [p, ...P.extra];
        const blocked = stored.some((x) =>
          (users.get(x) ?? []).some((u) => {
            const cs = clustersOf.get(u);
            if (!cs) return reaches(u, C.root);
            return cs.some((Q) => Q !== C && Q !== P && [Q.root, ...Q.extra].some((v) => reaches(v, C.root)));
          }),
        );
        if (blocked) continue;
        for (const [x, dx] of P.members) {
          C.members.set(x, d === "in" ? "in" : dx);
          clustersOf.set(x, [...clustersOf.get(x)!.filter((c) => c !== P), C]);
        }
        if (P.head) {
          C.head = P.head;
          C.inShape = P.inShape;
        }
        for (const x of stored) if (!C.extra.includes(x)) C.extra.push(x);
        merged++;
        break;
      }
    }
  }

  // companions: a softmax_xent joins the cluster headed by the softmax_xent_grad of the same
  // operands as an extra output, so one kernel computes the row losses and the gradient
  let companions = 0;
  if (multiOutput) {
    for (const a of nodes) {
      const headOpName = companionHead(a.op);
      if (!headOpName || clustersOf.has(a)) continue;
      const C = nodes
        .filter((h) => h.op === headOpName && h.inputs.every((x, k) => x === a.inputs[k]))
        .map(clusterOf)
        .find((c) => c?.head !== undefined && c.head.op === headOpName);
      if (!C || position.get(a)! > position.get(C.root)!) continue;
      // nothing that reads the losses may lead back into the kernel (a cotangent computed from the
      // loss itself, as for loss²)
      const blocked = (users.get(a) ?? []).some((u) => {
        const cs = clustersOf.get(u);
        if (!cs) return reaches(u, C.root);
        return cs.some((Q) => Q === C || [Q.root, ...Q.extra].some((v) => reaches(v, C.root)));
      });
      if (blocked) continue;
      C.members.set(a, "out");
      C.extra.push(a);
      clustersOf.set(a, [C]);
      companions++;
    }
  }

  // rebuild: every cluster of two or more nodes becomes one fusion node. An extra output may be
  // read by a node that comes before its cluster's root in graph order, so units (fusions and
  // single nodes) are rebuilt in an order of their own dependencies.
  const unitOf = (n: Node): Node | undefined => {
    const cs = clustersOf.get(n);
    if (!cs) return n;
    if (cs.length > 1) return undefined; // duplicated: inside its clusters' kernels
    const c = cs[0]!;
    if (c.members.size === 1) return n;
    return c.root === n || c.extra.includes(n) ? c.root : undefined;
  };
  const units = nodes.filter((n) => unitOf(n) === n);
  const inputsOf = (u: Node): Node[] => {
    const c = clusterOf(u);
    if (!c || c.members.size === 1) return [...u.inputs];
    return [...c.members.keys()].flatMap((x) => x.inputs.filter((i) => !c.members.has(i)));
  };
  const waiting = new Map<Node, number>();
  const dependents = new Map<Node, Node[]>();
  for (const u of units) {
    const deps = new Set(inputsOf(u).map((i) => unitOf(i)!));
    deps.delete(u);
    waiting.set(u, deps.size);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), u]);
  }
  const rebuilt = new Map<Node, Node>();
  const ready = units.filter((u) => waiting.get(u) === 0);
  while (ready.length) {
    // the earliest ready unit in graph order (so fusions keep the graph's order where they can)
    let best = 0;
    ready.forEach((u, i) => {
      if (position.get(u)! < position.get(ready[best]!)!) best = i;
    });
    const n = ready.splice(best, 1)[0]!;
    const c = clusterOf(n);
    if (!c || c.members.size === 1) {
      rebuilt.set(
        n,
        withInputs(
          n,
          n.inputs.map((i) => rebuilt.get(i)!),
        ),
      );
    } else {
      const f = buildFusion(c, position, rebuilt);
      rebuilt.set(n, f);
      // extra outputs: fusion_output nodes, in the order of the fusion's `outputs`
      c.extra.forEach((x, k) => {
        const attrs = { index: k + 1, shape: [...x.shape], dtype: x.dtype };
        rebuilt.set(
          x,
          n.ctx.withSource(x.src, () => n.ctx.node("fusion_output", [f], attrs)),
        );
      });
    }
    for (const d of dependents.get(n) ?? []) {
      const w = waiting.get(d)! - 1;
      waiting.set(d, w);
      if (w === 0) ready.push(d);
    }
  }
  if (units.some((u) => !rebuilt.has(u))) {
    throw new Error("internal: the fused kernels depend on each other in a cycle");
  }
  const map = (m: ReadonlyMap<string, Node>) => new Map([...m].map(([k, v]) => [k, rebuilt.get(v)!]));
  return {
    graph: { ...g, outputs: map(g.outputs), grads: map(g.grads), updates: map(g.updates) },
    duplicated,
    merged,
    companions,
  };
}

/** The input shape of the reduction head of an existing fusion. */
function fusionPrologueShape(f: Node): Shape {
  const attrs = fusionAttrs(f);
  return programTypes(f.inputs, attrs)[fusionHead(attrs)!.instr.args[0]!]!.shape;
}

/** Builds the fusion node of cluster `c`: its members in graph order, as one program. */
function buildFusion(
  c: Cluster,
  position: ReadonlyMap<Node, number>,
  rebuilt: ReadonlyMap<Node, Node>,
): Node {
  const members = [...c.members.keys()].sort((a, b) => position.get(a)! - position.get(b)!);
  const operands: Node[] = [];
  type Ref = { operand: number } | { instr: number };
  const instrs: { op: FusedInstr["op"]; args: Ref[]; attrs: FusedInstr["attrs"] }[] = [];
  const valueOf = new Map<Node, Ref>();
  const refOf = (i: Node): Ref => {
    const inside = valueOf.get(i);
    if (inside) return inside;
    const r = rebuilt.get(i)!;
    let k = operands.indexOf(r);
    if (k < 0) k = operands.push(r) - 1;
    return { operand: k };
  };
  for (const n of members) {
    const args = n.inputs.map(refOf);
    if (n.op !== "fusion") {
      instrs.push({ op: n.op, args, attrs: n.attrs });
    } else {
      // splice an earlier fusion's program
      const local: Ref[] = [...args];
      for (const instr of fusionAttrs(n).program) {
        instrs.push({ op: instr.op, args: instr.args.map((a) => local[a]!), attrs: instr.attrs });
        local.push({ instr: instrs.length - 1 });
      }
      valueOf.set(n, local[local.length - 1]!);
      continue;
    }
    valueOf.set(n, { instr: instrs.length - 1 });
  }
  // every other member is an ancestor of the root, so the root comes last in graph order
  const m = operands.length;
  const encode = (r: Ref) => ("operand" in r ? r.operand : m + r.instr);
  const program: FusedInstr[] = instrs.map((i) => ({ op: i.op, args: i.args.map(encode), attrs: i.attrs }));
  const attrs: FusionAttrs = { shape: [...c.root.shape], program };
  if (c.extra.length) attrs.outputs = c.extra.map((x) => encode(valueOf.get(x)!));
  return c.root.ctx.withSource(c.root.src, () => c.root.ctx.node("fusion", operands, attrs));
}
