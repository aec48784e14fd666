/**
 * The contract every primitive fulfils, in one file per primitive under compiler/ops: a
 * shape/dtype rule, a float64 reference evaluation, a vector-Jacobian product written with graph
 * ops (so gradients are graphs and can be differentiated again), its traits and its rule for
 * batching over time steps. Passes ask an op's traits (`node.def.traits`) instead of keeping lists
 * of op names. The lowering to WebAssembly is registered per op in compiler/wasm/lowerings.ts, so
 * that interpreting a model never loads binaryen.
 *
 * Op names are a type (`OpName`) derived from the registry in compiler/ops/index.ts, which adds
 * every primitive to `OpRegistry` by declaration merging: `node.op === "matmull"` does not compile.
 */
import type { NDArray } from "./ndarray.js";
import type { Attrs, Node } from "./node.js";
import type { TensorType } from "./shape.js";

/** Attributes of an op that has none. */
export type NoAttrs = Record<string, never>;

/** Every registered op by name; filled in by compiler/ops/index.ts (declaration merging). */
export interface OpRegistry {}

/** The name of a registered op. */
export type OpName = keyof OpRegistry & string;

/**
 * What passes need to know about an op, declared in its file. Absent flags are false.
 *
 * Kernels: an op has a kernel of its own unless it is a `leaf`, `data`, a `view` or
 * `writtenByProducer` (compiler/ir/kernels.ts).
 */
export interface OpTraits<A = Attrs> {
  /**
   * A value bound by name when the graph runs (input, param, state) or a loop body's argument
   * (arg): not evaluated, not rewritten, and gradients stop there.
   */
  readonly leaf?: boolean;
  /** Its value is data fixed at compile time (a constant): stored in the module, no kernel. */
  readonly data?: boolean;
  /**
   * Element i of the result is computed from element i of each operand (operands broadcast by
   * NumPy rules) and from nothing else, so the fuse pass may compute it inside a loop.
   */
  readonly elementwise?: boolean;
  /** Combines the elements of its operand over axes (reduce_sum, reduce_max). */
  readonly reduction?: boolean;
  /** Moves, repeats or drops elements without arithmetic (reshape, transpose, slice, ...). */
  readonly movement?: boolean;
  /** The result is (part of) its operand's bytes, read in place: no kernel and no copy. */
  readonly view?: boolean;
  /** The result is written by another node's kernel (the extra results of a fusion). */
  readonly writtenByProducer?: boolean;
  /** Operand order does not matter; a function when that depends on the attributes. */
  readonly commutative?: boolean | ((attrs: A) => boolean);
  /** Cheap enough to recompute in every kernel that reads it rather than store it once. */
  readonly cheap?: boolean;
  /** False: never evaluated at compile time, even when every operand is a constant. */
  readonly foldable?: boolean;
  /**
   * May be the head of a fusion, which sets the kernel's loop structure: `prologue` heads (the
   * reductions) compute the elementwise producers of their input as they read it; `operands`
   * heads (matmul, softmax_xent_grad) read fusion operands only. Both run an epilogue.
   */
  readonly fusionHead?: "prologue" | "operands";
  /** Computed by the kernel of a `companionOf` head from the same operands, when both are wanted. */
  readonly companionOf?: OpName;
}

/** An operand of a per-step node being batched: its values for all steps [T, ...] or the invariant node. */
export interface BatchOperand {
  readonly node: Node;
  /** True: `node` stacks the operand's value of every step along a new leading axis. */
  readonly stacked: boolean;
}

/**
 * Batching over a leading time axis (JAX's vmap rule, for one axis), used to hoist work out of a
 * loop: builds one node computing all T steps of `n` at once.
 */
export interface BatchRule {
  /** Whether the rule applies when the operands flagged true are stacked (absent: always). */
  readonly when?: (stacked: readonly boolean[]) => boolean;
  /** `n` for all T steps ([T, ...n.shape]); called only when some operand is stacked. */
  readonly apply: (n: Node, operands: readonly BatchOperand[], T: number) => Node | undefined;
}

/** What a VJP rule may call back into: the autodiff driver itself (a loop's VJP differentiates its step). */
export interface Differentiator {
  vjpMany(roots: readonly { readonly node: Node; readonly seed: Node }[], xs: readonly Node[]): Node[];
}

export interface OpDef<A = any, N extends string = string> {
  readonly name: N;
  /** Number of operands, or "variadic" (concat, fusion, scan). */
  readonly arity: number | "variadic";
  readonly traits: OpTraits<A>;
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
  vjp?(node: Node, ct: Node, ad: Differentiator): readonly (Node | null)[];
  /** Absent: a node of this op computed per step stays inside its loop. */
  readonly batch?: BatchRule;
  /**
   * The value of every element of the result when operand k holds `values[k]` in every element,
   * if a closed form gives it; undefined when none does. Constant folding uses it for operands
   * too large to build (compiler/passes/fold.ts), so it must give what `evaluate` gives, bit for
   * bit. Only ops whose result can be much smaller than an operand need one (reductions, matmul,
   * slices): folding keeps only small results.
   */
  uniform?(
    values: readonly number[],
    attrs: A,
    inputs: readonly TensorType[],
    out: TensorType,
  ): number | undefined;
}

/**
 * Declares an op. Annotate the result with its name, `const add: OpDef<Attrs, "add"> = ...`: the
 * annotation gives the registry its name type without a circular inference.
 */
export function defineOp<A, N extends string>(def: OpDef<A, N>): OpDef<A, N> {
  return def;
}

/** The lookup a model's nodes are created through (compiler/ops/index.ts provides it). */
export interface OpTable {
  get(name: string): OpDef | undefined;
}
