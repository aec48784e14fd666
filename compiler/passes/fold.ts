/**
 * fold: constant folding. A node whose operands are all constants (and iota, which has none) is
 * computed once at compile time and becomes a constant. Only small results are folded (≤ 64
 * elements): a large folded tensor would become a data segment in the module, while computing it
 * costs less than loading it.
 *
 * Folding builds no tensor of more than MAX_EVALUATED_ELEMENTS. Operands up to that size are
 * evaluated by the op's reference rule. A larger operand is folded only when it holds one value
 * everywhere (a filled constant, a broadcast scalar) and the op has a closed form for that, its
 * `uniform` rule: the sum, mean or max of a fill, a product of fills, a slice of one
 * (compiler/ops/uniform.ts). That gives the values the interpreter computes for the unfolded
 * graph, bit for bit; where no closed form is exact (the sum of 10^9 copies of 0.1), the node
 * stays for the compiled code to compute.
 *
 *   before:  %1 = const 2 ; %2 = const 3 ; %3 = mul %1, %2      after:  %3 = const 6
 *   before:  %1 = const 0.5 : f32[1000000000] ; %2 = reduce_sum %1   after:  %2 = const 500000000
 */
import { constant } from "../ir/build.js";
import type { NDArray } from "../ir/ndarray.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import { storedValue } from "../ops/uniform.js";
import type { Rule } from "./rewrite.js";
import { splatValue } from "./simplify.js";

const MAX_FOLDED_ELEMENTS = 64;

/**
 * The largest tensor folding builds (2^16 float64 values, 512 KiB): evaluating a larger operand
 * would cost the compiler seconds and gigabytes for `m.constant(0.5, [1e9]).sum()`.
 */
const MAX_EVALUATED_ELEMENTS = 2 ** 16;

/** Leaves are bound when the graph runs and constants are folded already; an op may opt out. */
const foldable = (n: Node): boolean => {
  const t = n.def.traits;
  return !t.leaf && !t.data && t.foldable !== false;
};

function valueOf(n: Node): NDArray {
  return n.def.evaluate([], n.attrs, n);
}

/** The result's values by the op's reference rule, when every operand is small enough to build. */
function evaluated(n: Node): number[] | undefined {
  if (!n.inputs.every((i) => sizeOf(i.shape) <= MAX_EVALUATED_ELEMENTS)) return undefined;
  return Array.from(n.def.evaluate(n.inputs.map(valueOf), n.attrs, n).data);
}

/**
 * The one value of every element of the result, when every operand holds one value everywhere
 * (a filled constant, or a broadcast of one) and the op has a closed form for it.
 */
function uniformResult(n: Node): number | undefined {
  const values: number[] = [];
  for (const i of n.inputs) {
    const v = splatValue(i);
    if (v === undefined) return undefined;
    values.push(storedValue(v, i.dtype));
  }
  return n.def.uniform?.(values, n.attrs, n.inputs, n);
}

export const FOLD_RULES: readonly Rule[] = [
  {
    name: "fold",
    pattern: "op(const, ..., const) ==> const, op(fill, ..., fill) ==> const",
    apply: (n) => {
      if (!foldable(n) || sizeOf(n.shape) > MAX_FOLDED_ELEMENTS) return undefined;
      const allConstant = n.inputs.every((i) => i.op === "const");
      const values = (allConstant ? evaluated(n) : undefined) ?? uniformResult(n);
      if (values === undefined) return undefined;
      if (typeof values === "number") return constant(n.ctx, values, n.shape, n.dtype);
      const splat = values.every((v) => Object.is(v, values[0]));
      // constants hold float64 values, like every constant (lowering rounds them to f32 when it
      // stores them), so folding changes no value the interpreter computes
      return splat && values.length > 0
        ? constant(n.ctx, values[0]!, n.shape, n.dtype)
        : constant(n.ctx, values, n.shape, n.dtype);
    },
  },
];
