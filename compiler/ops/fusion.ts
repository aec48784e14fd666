/**
 * fusion: a compiler-internal op made by the `fuse` pass, not part of the user-visible primitive
 * set. It holds a small SSA program of elementwise ops; value k < operands is operand k, value
 * operands + i is instruction i, and the last instruction is the result. Every instruction has
 * the fusion's own shape (operands may broadcast to it), so the whole program lowers to one loop
 * with no intermediate buffers (Theano's Composite, XLA's loop fusion).
 *
 *   before:  %7 = add %5, %6 ; %8 = tanh %7 ; %9 = mul %8, %4
 *   after:   %9 = fusion(%5, %6, %4) { v3 = add v0, v1 ; v4 = tanh v3 ; v5 = mul v4, v2 }
 */
import { OpError } from "../errors.js";
import type { Attrs } from "../ir/node.js";
import { defineOp } from "../ir/op.js";
import { checkShape, shapeToString, type DType, type TensorType } from "../ir/shape.js";
import type { NDArray } from "../interp/ndarray.js";
import { getPrimitive } from "./registry.js";

export type FusedInstr = {
  readonly op: string;
  /** Value indices of the operands (see above). */
  readonly args: readonly number[];
  readonly attrs: Attrs;
};

export type FusionAttrs = { shape: number[]; program: FusedInstr[] };

/** Elementwise primitives a fusion may contain (index-dependent ops such as random_uniform may not). */
export const FUSIBLE_OPS: ReadonlySet<string> = new Set([
  "add",
  "sub",
  "mul",
  "div",
  "maximum",
  "minimum",
  "compare",
  "select",
  "neg",
  "exp",
  "log",
  "sqrt",
  "abs",
  "sign",
  "tanh",
  "sigmoid",
  "pow",
  "cast",
  "stop_gradient",
  "broadcast",
]);

/** The type of every value of the program, operands first. */
export function programTypes(inputs: readonly TensorType[], attrs: FusionAttrs): TensorType[] {
  const shape = checkShape(attrs.shape, "fusion shape");
  const types: TensorType[] = [...inputs];
  attrs.program.forEach((instr, i) => {
    if (!FUSIBLE_OPS.has(instr.op)) throw new OpError(`instruction ${i}: '${instr.op}' cannot be fused`);
    const args = instr.args.map((a) => {
      if (!Number.isInteger(a) || a < 0 || a >= types.length)
        throw new OpError(`instruction ${i}: bad value index ${a}`);
      return types[a]!;
    });
    const t = getPrimitive(instr.op)!.infer(args, instr.attrs);
    if (shapeToString(t.shape) !== shapeToString(shape)) {
      throw new OpError(
        `instruction ${i} (${instr.op}) has shape ${shapeToString(t.shape)}, not the fusion's ${shapeToString(shape)}`,
      );
    }
    types.push(t);
  });
  return types;
}

export const fusion = defineOp<FusionAttrs>({
  name: "fusion",
  arity: "variadic",
  infer(inputs, attrs) {
    if (attrs.program.length === 0) throw new OpError("a fusion needs at least one instruction");
    const types = programTypes(inputs, attrs);
    return types[types.length - 1]!;
  },
  evaluate(inputs, attrs) {
    const types = programTypes(inputs, attrs);
    const values: NDArray[] = [...inputs];
    attrs.program.forEach((instr, i) => {
      const out = types[inputs.length + i]!;
      values.push(
        getPrimitive(instr.op)!.evaluate(
          instr.args.map((a) => values[a]!),
          instr.attrs,
          out,
        ),
      );
    });
    return values[values.length - 1]!;
  },
  // made after differentiation, so it needs no VJP
});

export type { DType };
