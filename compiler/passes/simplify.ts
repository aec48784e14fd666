/**
 * simplify: algebraic identities as a rule table. Every rule preserves the value exactly in
 * IEEE arithmetic (x * 0 ==> 0 is absent: it is NaN for x = ±inf or NaN), except
 * log(exp x) ==> x, which is exact in real arithmetic and removes an overflow (log(exp(100)) is
 * inf in f32).
 *
 *   before:  %3 = mul %2, const 1      after:  (uses of %3 read %2)
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { normalizeAxes, reducedShape, sameShape } from "../ir/shape.js";
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

const ELEMENTWISE = new Set(["add", "sub", "mul", "div", "maximum", "minimum", "compare", "select"]);

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
    name: "scalar-operand",
    pattern: "elementwise(…, broadcast(c), …) ==> elementwise(…, c, …) when the result keeps its shape",
    apply: (n) => {
      if (!ELEMENTWISE.has(n.op)) return undefined;
      const k = n.inputs.findIndex(
        (i) => i.op === "broadcast" && i.inputs[0]!.op === "const" && i.inputs[0]!.shape.length === 0,
      );
      if (k < 0) return undefined;
      const inputs = n.inputs.map((i, j) => (j === k ? i.inputs[0]! : i));
      const replaced = n.ctx.node(n.op, inputs, n.attrs);
      return sameShape(replaced.shape, n.shape) ? replaced : undefined;
    },
  },
];
