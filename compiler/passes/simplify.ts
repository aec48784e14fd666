/**
 * simplify: algebraic identities as a rule table. Every rule preserves the value exactly in
 * IEEE arithmetic (x * 0 ==> 0 is absent: it is NaN for x = ±inf or NaN), except
 * log(exp x) ==> x, which is exact in real arithmetic and removes an overflow (log(exp(100)) is
 * inf in f32), sum-batched-matmul, which adds the same products in another order (as any
 * blocked matmul does), and the one-hot products (onehot · W ==> gather), exact for finite W but
 * not NaN where the product would have multiplied an infinity by a one-hot 0.
 *
 *   before:  %3 = mul %2, const 1      after:  (uses of %3 read %2)
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { normalizeAxes, reducedShape, sameShape, sizeOf } from "../ir/shape.js";
import type { Rule } from "./rewrite.js";

/** The value of a constant that holds one value everywhere, if `n` is such a constant. */
export function splatValue(n: Node): number | undefined {
  if (n.op === "const" && "value" in n.attrs) return n.attrs.value as number;
  if (n.op === "broadcast") return splatValue(n.inputs[0]!);
  return undefined;
}

/** `x`, broadcast to `like`'s shape when the op had broadcast it. */
function as(x: Node, like: Node): Node {
  return sameShape(x.shape, like.shape) ? x : b.broadcastTo(x, like.shape);
}

/** Elementwise ops of several operands broadcast them by NumPy rules (add, compare, select, ...). */
const broadcastsOperands = (n: Node): boolean => !!n.def.traits.elementwise && n.inputs.length > 1;

export const SIMPLIFY_RULES: readonly Rule[] = [
  {
    name: "mul-one",
    pattern: "x * 1 ==> x, 1 * x ==> x",
    apply: (n) => {
      if (n.op !== "mul" || n.dtype !== "f32") return undefined;
      const [x, y] = n.inputs as [Node, Node];
      if (splatValue(y) === 1) return as(x, n);
      if (splatValue(x) === 1) return as(y, n);
      return undefined;
    },
  },
  {
    name: "add-zero",
    pattern: "x + 0 ==> x, 0 + x ==> x, x - 0 ==> x",
    apply: (n) => {
      if (n.op !== "add" && n.op !== "sub") return undefined;
      const [x, y] = n.inputs as [Node, Node];
      // x + (-0) is x for every x; x + (+0) turns -0 into +0, which no consumer can tell apart
      // except division by it and sign: accept, as XLA does
      if (splatValue(y) === 0) return as(x, n);
      if (n.op === "add" && splatValue(x) === 0) return as(y, n);
      return undefined;
    },
  },
  {
    name: "div-one",
    pattern: "x / 1 ==> x",
    apply: (n) => (n.op === "div" && splatValue(n.inputs[1]!) === 1 ? as(n.inputs[0]!, n) : undefined),
  },
  {
    name: "neg-neg",
    pattern: "neg(neg x) ==> x",
    apply: (n) => (n.op === "neg" && n.inputs[0]!.op === "neg" ? n.inputs[0]!.inputs[0]! : undefined),
  },
  {
    name: "log-exp",
    pattern: "log(exp x) ==> x",
    apply: (n) => (n.op === "log" && n.inputs[0]!.op === "exp" ? n.inputs[0]!.inputs[0]! : undefined),
  },
  {
    name: "transpose-transpose",
    pattern: "transpose(transpose(x, p), q) ==> transpose(x, p∘q), or x when that is the identity",
    apply: (n) => {
      const inner = n.inputs[0]!;
      if (n.op !== "transpose" || inner.op !== "transpose") return undefined;
      const p = inner.attrs.perm as number[];
      const q = n.attrs.perm as number[];
      const composed = q.map((axis) => p[axis]!);
      return composed.every((a, i) => a === i) ? inner.inputs[0]! : b.transpose(inner.inputs[0]!, composed);
    },
  },
  {
    name: "identity-movement",
    pattern: "reshape / broadcast to the same shape ==> x, transpose by the identity ==> x",
    apply: (n) => {
      if (n.op === "reshape" || n.op === "broadcast")
        return sameShape(n.shape, n.inputs[0]!.shape) ? n.inputs[0]! : undefined;
      if (n.op === "transpose")
        return (n.attrs.perm as number[]).every((a, i) => a === i) ? n.inputs[0]! : undefined;
      return undefined;
    },
  },
  {
    name: "reshape-reshape",
    pattern: "reshape(reshape x) ==> reshape x",
    apply: (n) =>
      n.op === "reshape" && n.inputs[0]!.op === "reshape"
        ? b.reshape(n.inputs[0]!.inputs[0]!, n.shape)
        : undefined,
  },
  {
    name: "reduce-unit-axes",
    pattern: "sum / max over axes of size 1 only ==> reshape",
    apply: (n) => {
      if (n.op !== "reduce_sum" && n.op !== "reduce_max") return undefined;
      const x = n.inputs[0]!;
      const axes = n.attrs.axes as number[];
      return axes.every((a) => x.shape[a] === 1) ? b.reshape(x, n.shape) : undefined;
    },
  },
  {
    name: "reshape-keepdims",
    pattern:
      "reshape(sum(x, axes)) ==> sum(x, axes, keepdims) when the reshape puts the reduced axes back as 1s",
    apply: (n) => {
      const r = n.inputs[0]!;
      if (n.op !== "reshape" || (r.op !== "reduce_sum" && r.op !== "reduce_max") || r.attrs.keepdims)
        return undefined;
      const x = r.inputs[0]!;
      const axes = normalizeAxes(r.attrs.axes as number[], x.shape.length);
      if (!sameShape(n.shape, reducedShape(x.shape, axes, true))) return undefined;
      return r.op === "reduce_sum" ? b.sum(x, axes, true) : b.max(x, axes, true);
    },
  },
  {
    name: "reshape-single-broadcast",
    pattern: "reshape(broadcast(x)) ==> broadcast(reshape(x, [])) when x has one element",
    apply: (n) => {
      // the mean's cotangent 1/N as [1] -> [N] -> [N, 1]: a scalar broadcast, which the next
      // rules make an operand of its users (an immediate) instead of a buffer of N copies
      const bc = n.inputs[0]!;
      if (n.op !== "reshape" || bc.op !== "broadcast" || sizeOf(bc.inputs[0]!.shape) !== 1) return undefined;
      const x = bc.inputs[0]!;
      return b.broadcastTo(x.shape.length === 0 ? x : b.reshape(x, []), n.shape);
    },
  },
  {
    name: "scalar-operand",
    pattern: "elementwise(…, broadcast(c), …) ==> elementwise(…, c, …) when the result keeps its shape",
    apply: (n) => {
      if (!broadcastsOperands(n)) return undefined;
      const k = n.inputs.findIndex(
        (i) => i.op === "broadcast" && i.inputs[0]!.op === "const" && i.inputs[0]!.shape.length === 0,
      );
      if (k < 0) return undefined;
      const inputs = n.inputs.map((i, j) => (j === k ? i.inputs[0]! : i));
      const replaced = n.ctx.node(n.op, inputs, n.attrs);
      return sameShape(replaced.shape, n.shape) ? replaced : undefined;
    },
  },
  {
    name: "matmul-fold-batch",
    pattern: "A[T, m, k] · W[k, n] ==> reshape(A[T·m, k] · W): one product with T·m rows",
    apply: (n) => {
      if (n.op !== "matmul" || n.attrs.transA) return undefined;
      const [a, w] = n.inputs as [Node, Node];
      if (a.shape.length < 3 || w.shape.length !== 2) return undefined;
      const k = a.shape[a.shape.length - 1]!;
      const rows = sizeOf(a.shape) / k;
      const flat = b.matmul(b.reshape(a, [rows, k]), w, false, n.attrs.transB as boolean);
      return b.reshape(flat, n.shape);
    },
  },
  {
    name: "elementwise-before-reshape",
    pattern:
      "op(reshape x, v) ==> reshape(op(x, v)) when the reshape keeps the last axis and v is a scalar or a vector along it",
    apply: (n) => {
      // so that the op can join the producer of x (a matmul epilogue reads x's own layout)
      if (!n.def.traits.elementwise || n.op === "broadcast") return undefined;
      const k = n.inputs.findIndex((i) => i.op === "reshape" && sameShape(i.shape, n.shape));
      if (k < 0) return undefined;
      const x = n.inputs[k]!.inputs[0]!;
      const last = n.shape[n.shape.length - 1];
      if (x.shape.length === 0 || x.shape[x.shape.length - 1] !== last) return undefined;
      const alongLast = (o: Node) => o.shape.length === 0 || (o.shape.length === 1 && o.shape[0] === last);
      if (!n.inputs.every((o, j) => j === k || alongLast(o))) return undefined;
      const inner = n.ctx.node(
        n.op,
        n.inputs.map((o, j) => (j === k ? x : o)),
        n.attrs,
      );
      return sameShape(inner.shape, x.shape) ? b.reshape(inner, n.shape) : undefined;
    },
  },
  {
    name: "extract-whole",
    pattern: "extract of every element ==> reshape",
    apply: (n) =>
      n.op === "extract" && n.attrs.offset === 0 && sizeOf(n.shape) === sizeOf(n.inputs[0]!.shape)
        ? b.reshape(n.inputs[0]!, n.shape)
        : undefined,
  },
  {
    name: "extract-view",
    pattern: "extract(extract x) ==> extract x, extract(reshape x) ==> extract x",
    apply: (n) => {
      if (n.op !== "extract") return undefined;
      const x = n.inputs[0]!;
      const offset = n.attrs.offset as number;
      if (x.op === "extract") return extract(x.inputs[0]!, (x.attrs.offset as number) + offset, n.shape);
      if (x.op === "reshape") return extract(x.inputs[0]!, offset, n.shape);
      return undefined;
    },
  },
  {
    name: "extract-pad",
    pattern: "extract(pad x) ==> x when it reads exactly x, ==> the padding value when it reads none of x",
    apply: (n) => {
      if (n.op !== "extract" || n.inputs[0]!.op !== "pad") return undefined;
      const p = n.inputs[0]!;
      const x = p.inputs[0]!;
      if (x.shape.length !== 1 || (p.attrs.interior as number[])[0] !== 0) return undefined;
      const lo = (p.attrs.lo as number[])[0]!;
      const offset = n.attrs.offset as number;
      const count = sizeOf(n.shape);
      if (offset === lo && count === x.shape[0]) return b.reshape(x, n.shape);
      if (offset + count <= lo || offset >= lo + x.shape[0]!)
        return b.broadcastTo(b.constant(n.ctx, p.attrs.value as number, [], n.dtype), n.shape);
      return undefined;
    },
  },
  {
    name: "extract-add",
    pattern: "extract(a + b) ==> extract a + extract b, when a or b is a pad (cotangents of a scan)",
    apply: (n) => {
      if (n.op !== "extract" || n.inputs[0]!.op !== "add") return undefined;
      const sum = n.inputs[0]!;
      const [x, y] = sum.inputs as [Node, Node];
      if (!sameShape(x.shape, sum.shape) || !sameShape(y.shape, sum.shape)) return undefined;
      if (![x, y].some((o) => o.op === "pad" || o.op === "add")) return undefined;
      const offset = n.attrs.offset as number;
      return b.add(extract(x, offset, n.shape), extract(y, offset, n.shape));
    },
  },
  {
    name: "sum-batched-matmul",
    pattern: "sum over t of A_tᵀ·B_t ==> one matmul over the T·K rows of A and B",
    apply: (n) => {
      if (n.op !== "reduce_sum" || n.attrs.keepdims) return undefined;
      const mm = n.inputs[0]!;
      const axes = normalizeAxes(n.attrs.axes as number[], mm.shape.length);
      if (axes.length !== 1 || axes[0] !== 0 || mm.op !== "matmul") return undefined;
      if (!mm.attrs.transA || mm.attrs.transB) return undefined;
      const [a, c] = mm.inputs as [Node, Node];
      if (a.shape.length !== 3 || c.shape.length !== 3 || a.shape[0] !== c.shape[0]) return undefined;
      const [T, K, M] = a.shape as [number, number, number];
      const N = c.shape[2]!;
      return b.matmul(b.reshape(a, [T * K, M]), b.reshape(c, [T * K, N]), true, false);
    },
  },
  {
    name: "onehot-matmul-gather",
    pattern: "onehot(ids, V) · W ==> gather(W, ids) (fill: an out-of-range id reads zeros)",
    apply: (n) => {
      // an embedding written as a one-hot product: N·D loads instead of N·V·D multiply-adds
      if (n.op !== "matmul" || n.attrs.transA || n.attrs.transB) return undefined;
      const [a, w] = n.inputs as [Node, Node];
      const ids = oneHotIds(a);
      return ids && w.shape.length === 2 ? b.gather(w, ids, true) : undefined;
    },
  },
  {
    name: "onehot-matmul-scatter",
    pattern: "onehot(ids, V)ᵀ · G ==> scatter_add(ids, G, V) (drop: out-of-range ids add nothing)",
    apply: (n) => {
      // the embedding's gradient: the transpose of the rule above
      if (n.op !== "matmul" || !n.attrs.transA || n.attrs.transB) return undefined;
      const [a, g] = n.inputs as [Node, Node];
      const ids = oneHotIds(a);
      if (!ids || a.shape.length !== 2 || g.shape.length !== 2) return undefined;
      return b.scatterAdd(ids, g, a.shape[1]!, true);
    },
  },
  {
    name: "sum-sum",
    pattern: "sum(sum(x, a), b) ==> sum(x, a ∪ b)",
    apply: (n) => {
      if (n.op !== "reduce_sum" || n.attrs.keepdims) return undefined;
      const inner = n.inputs[0]!;
      if (inner.op !== "reduce_sum" || inner.attrs.keepdims) return undefined;
      const x = inner.inputs[0]!;
      const first = new Set(normalizeAxes(inner.attrs.axes as number[], x.shape.length));
      const kept = x.shape.map((_, i) => i).filter((i) => !first.has(i));
      const outer = normalizeAxes(n.attrs.axes as number[], inner.shape.length);
      const axes = [...first, ...outer.map((a) => kept[a]!)].sort((p, q) => p - q);
      return b.sum(x, axes);
    },
  },
];

function extract(x: Node, offset: number, shape: readonly number[]): Node {
  return x.ctx.node("extract", [x], { offset, shape: [...shape] });
}

/** Whether `n` holds 0, 1, ..., V − 1 (an iota, or one folded into a constant). */
function isRange(n: Node, V: number): boolean {
  if (!sameShape(n.shape, [V]) || n.dtype !== "i32") return false;
  if (n.op === "iota") return true;
  const values = n.op === "const" ? (n.attrs.values as number[] | undefined) : undefined;
  return !!values && values.every((v, i) => v === i);
}

/**
 * The ids of a one-hot matrix as nn.oneHot builds it, cast(reshape(ids, [..., 1]) == 0..V−1, f32),
 * if `n` is one. (An id outside [0, V) has a row of zeros.)
 */
function oneHotIds(n: Node): Node | undefined {
  if (n.op !== "cast" || n.dtype !== "f32") return undefined;
  const eq = n.inputs[0]!;
  if (eq.op !== "compare" || eq.attrs.cmp !== "eq") return undefined;
  const V = eq.shape[eq.shape.length - 1]!;
  const [x, y] = eq.inputs as [Node, Node];
  for (const [column, range] of [
    [x, y],
    [y, x],
  ] as const) {
    if (column.op !== "reshape" || !isRange(range, V)) continue;
    const ids = column.inputs[0]!;
    if (sameShape(column.shape, [...ids.shape, 1]) && sameShape(eq.shape, [...ids.shape, V])) return ids;
  }
  return undefined;
}
