/**
 * The contract every primitive fulfils, in one file per primitive under compiler/ops:
 * a shape/dtype rule, a float64 reference evaluation and a vector-Jacobian product written with
 * graph ops (so gradients are graphs and can be differentiated again).
 */
import type { NDArray } from "../interp/ndarray.js";
import type { Node } from "./node.js";
import type { TensorType } from "./shape.js";

export interface OpDef<A = any> {
  readonly name: string;
  /** Number of operands, or "variadic" (concat). */
  readonly arity: number | "variadic";
  /** Shape and dtype rule; throws OpError with a plain description of what is wrong. */
  infer(inputs: readonly TensorType[], attrs: A): TensorType;
  /** Reference semantics in float64 (int32 for i32 and bool). Written for clarity, not speed. */
  evaluate(inputs: readonly NDArray[], attrs: A, out: TensorType): NDArray;
  /**
   * Cotangents of the operands, given the cotangent `ct` of the node's output. A cotangent may
   * have the shape its operand was broadcast to inside this op: the autodiff driver sums it back
   * to the operand's shape (un-broadcasting happens there, once). `null` means no gradient flows
   * (an integer operand, or a piecewise-constant op). Absent: the op is not differentiable.
   */
  vjp?(node: Node, ct: Node): readonly (Node | null)[];
}

/** Declares an op with typed attributes. */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return def;
}
