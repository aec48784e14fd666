/**
 * fold: constant folding. A node whose operands are all constants (and iota, which has none) is
 * evaluated once at compile time by its reference rule and becomes a constant. Only small results
 * are folded (≤ 64 elements): a large folded tensor would become a data segment in the module,
 * while computing it costs less than loading it.
 *
 *   before:  %1 = const 2 ; %2 = const 3 ; %3 = mul %1, %2      after:  %3 = const 6
 */
import { constant } from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import type { NDArray } from "../ir/ndarray.js";
import type { Rule } from "./rewrite.js";

const MAX_FOLDED_ELEMENTS = 64;

/** Leaves are bound when the graph runs and constants are folded already; an op may opt out. */
const foldable = (n: Node): boolean => {
  const t = n.def.traits;
  return !t.leaf && !t.data && t.foldable !== false;
};

function valueOf(n: Node): NDArray {
  return n.def.evaluate([], n.attrs, n);
}

export const FOLD_RULES: readonly Rule[] = [
  {
    name: "fold",
    pattern: "op(const, ..., const) ==> const",
    apply: (n) => {
      if (!foldable(n) || sizeOf(n.shape) > MAX_FOLDED_ELEMENTS) return undefined;
      if (!n.inputs.every((i) => i.op === "const")) return undefined;
      const value = n.def.evaluate(n.inputs.map(valueOf), n.attrs, n);
      const values = Array.from(value.data);
      const splat = values.every((v) => Object.is(v, values[0]));
      // constants hold float64 values, like every constant (lowering rounds them to f32 when it
      // stores them), so folding changes no value the interpreter computes
      return splat && values.length > 0
        ? constant(n.ctx, values[0]!, n.shape, n.dtype)
        : constant(n.ctx, values, n.shape, n.dtype);
    },
  },
];
