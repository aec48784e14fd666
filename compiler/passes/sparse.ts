/**
 * sparse: row-sparse SGD updates of tables read only through gather (embeddings, word2vec's
 * input and output vectors, a hierarchical softmax's node vectors). Such a table's gradient is a
 * scatter_add of the gathered rows' cotangents, so SGD's dense step θ − α·g rewrites every one of
 * its rows × row values although only the gathered rows change. The rule makes it scatter_sub,
 * whose kernel touches those rows only (ops/scatter_sub.ts); the result is the same bit for bit.
 *
 *   before:  %5 = mul(broadcast(%4), rows);  %7 = scatter_add(ids, %5) {rows: V}
 *            %9 = mul(%7, lr);  θ' = sub(θ, %9)
 *   after:   θ' = scatter_sub(θ, ids, rows, lr, %4)    (%4: one factor per id, applied as it adds)
 *
 * Which optimizers have an exact row-sparse form: SGD (this rule), and AdaGrad (a zero gradient
 * leaves both θ and its accumulator as they are, for ε > 0; not rewritten yet). Momentum,
 * RMSProp and Adam do not: their slots decay on every step, so every row changes even where the
 * gradient is zero; their "lazy" variants (TensorFlow's LazyAdam) compute something else, so they
 * stay dense. Clipping by global norm reads the whole dense gradient, so it stays dense too.
 *
 * The pass also drops, from the graph's grads, the gradient of a param whose update it made
 * sparse: the train step would otherwise write the dense gradient (rows × row values) only to
 * report it, which is the cost this pass removes. `backward` (net.grad) still computes every
 * gradient; the manifest lists the params the train step updates by rows (`rowSparse`), and for
 * those `net.grads` keeps what `backward` last wrote (see runtime/types.ts).
 */
import * as b from "../ir/build.js";
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sameShape } from "../ir/shape.js";
import type { Pass } from "./pipeline.js";
import { rewrite, type Rule } from "./rewrite.js";

/** `n` as an f32 scalar node when it holds one value everywhere it is read (a scalar, or one broadcast). */
function scalarOf(n: Node): Node | undefined {
  if (n.dtype !== "f32") return undefined;
  if (n.shape.length === 0) return n;
  if (n.op === "broadcast" && n.inputs[0]!.shape.every((d) => d === 1)) return b.reshape(n.inputs[0]!, []);
  return undefined;
}

interface Scatter {
  readonly ids: Node;
  readonly updates: Node;
  readonly scale?: Node;
  readonly drop: boolean;
}

/**
 * The per-id factor of `updates` when it is `broadcast(s) · rows` with s one value per id (s of
 * the ids' shape, then 1s: the gathered rows of the other table times ∂loss/∂score, in word2vec):
 * scatter_sub multiplies as it adds instead of storing the product.
 */
function perIdScale(updates: Node, ids: Node): { scale: Node; rows: Node } | undefined {
  if (updates.op !== "mul") return undefined;
  const rank = updates.shape.length;
  for (const [bc, rows] of [updates.inputs, [...updates.inputs].reverse()] as [Node, Node][]) {
    if (bc.op !== "broadcast" || !sameShape(rows.shape, updates.shape)) continue;
    const s = bc.inputs[0]!;
    const padded = [...Array<number>(rank - s.shape.length).fill(1), ...s.shape];
    const perId = padded.every((d, i) => (i < ids.shape.length ? d === ids.shape[i] : d === 1));
    if (perId && s.dtype === "f32") return { scale: b.reshape(s, ids.shape), rows };
  }
  return undefined;
}

/** scatter_add(ids, u) as the operands of a scatter_sub over `base`, if it fits one. */
function scatterOf(s: Node, base: Node): Scatter | undefined {
  if (s.op !== "scatter_add" || s.dtype !== "f32" || !sameShape(s.shape, base.shape)) return undefined;
  const [ids, updates] = s.inputs as [Node, Node];
  const drop = !!s.attrs.drop;
  const scaled = perIdScale(updates, ids);
  return scaled ? { ids, updates: scaled.rows, scale: scaled.scale, drop } : { ids, updates, drop };
}

const scatterSub = (theta: Node, s: Scatter, alpha: Node): Node =>
  b.scatterSub(theta, s.ids, s.updates, alpha, { ...(s.scale && { scale: s.scale }), drop: s.drop });

export const SPARSE_RULES: readonly Rule[] = [
  {
    name: "row-sparse-sgd",
    pattern:
      "θ − scatter_add(ids, u)·α ==> scatter_sub(θ, ids, u, α) (θ a param, α a scalar; also α = 1; " +
      "u = broadcast(s)·rows with s per id keeps s apart)",
    apply: (n) => {
      if (n.op !== "sub" || n.dtype !== "f32") return undefined;
      const [theta, step] = n.inputs as [Node, Node];
      // a param's own step only: elsewhere (momentum's velocity μv − α·g) the base is a dense
      // value computed anyway, and the kernel would copy it whole
      if (theta.op !== "param" || !sameShape(theta.shape, n.shape)) return undefined;
      const direct = scatterOf(step, theta);
      if (direct) return scatterSub(theta, direct, b.scalarLike(theta, 1));
      if (step.op !== "mul") return undefined;
      for (const [s, a] of [step.inputs, [...step.inputs].reverse()] as [Node, Node][]) {
        const scatter = scatterOf(s, theta);
        const alpha = scalarOf(a);
        if (scatter && alpha) return scatterSub(theta, scatter, alpha);
      }
      return undefined;
    },
  },
];

/** The params whose update is a scatter_sub over the param itself: updated by rows. */
export function rowSparseParams(g: Graph): string[] {
  const params = new Set(g.params);
  return [...g.updates]
    .filter(([, u]) => u.op === "scatter_sub" && params.has(u.inputs[0]!))
    .map(([name]) => name);
}

export const SPARSE_PASS: Pass = {
  name: "sparse",
  run: (g) => {
    const counts = new Map<string, number>();
    const graph = rewrite(g, SPARSE_RULES, counts);
    const sparse = new Set(rowSparseParams(graph));
    const grads = new Map([...graph.grads].filter(([name]) => !sparse.has(name)));
    const rules: Record<string, number> = Object.fromEntries(counts);
    if (grads.size < graph.grads.size) rules["dense-grads-dropped"] = graph.grads.size - grads.size;
    return { graph: grads.size < graph.grads.size ? { ...graph, grads } : graph, rules };
  },
};
