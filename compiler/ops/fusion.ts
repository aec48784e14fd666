/**
 * fusion: a compiler-internal op made by the `fuse` pass, not part of the user-visible primitive
 * set. It holds a small SSA program; value k < operands is operand k, value operands + i is
 * instruction i, and the last instruction is the result. The backend lowers the whole program to
 * one kernel with no intermediate buffers (Theano's Composite, XLA's loop and input fusion).
 *
 * Most instructions are elementwise (the `elementwise` trait). A program may also hold one *head*, a matmul
 * or a reduction, which sets the kernel's loop structure:
 *
 *  - no head: one loop over the fusion's shape; every instruction has that shape.
 *
 *        %9 = fusion(%5, %6, %4) { v3 = add v0, v1 ; v4 = tanh v3 ; v5 = mul v4, v2 }
 *
 *  - a matmul head (an *epilogue* fusion): the matmul's operands are fusion operands; the
 *    instructions after it have the fusion's (the product's) shape and run on each output tile
 *    while it is still in registers, before it is stored.
 *
 *        %12 = fusion(%0, %2, %3) { v3 = matmul v0, v1 ; v4 = add v3, v2 ; ... }   (x·W + b, relu)
 *
 *  - a softmax_xent_grad head (softmax cross-entropy's gradient, ops/softmax_xent.ts): like a
 *    matmul, its operands are fusion operands and the instructions after it run on each gradient
 *    element before it is stored. Its *companion* softmax_xent (the row losses, from the same
 *    operands) may be in the program too, as an extra output only: the kernel computes both in
 *    one pass over the rows.
 *
 *        %14 = fusion(%10, %1, %12) { v3 = softmax_xent v0, v1 ; v4 = softmax_xent_grad v0, v1 ;
 *                                     v5 = mul v2, v4 }  outputs=[3]
 *
 *  - a reduction head (reduce_sum, reduce_max; an *input* fusion): the instructions it depends on
 *    (its prologue) have the reduction's input shape and are computed as the reduction reads
 *    them; the instructions after it (its epilogue) have the fusion's (the reduced) shape.
 *
 *        %20 = fusion(%15, %17) { v2 = sub v0, v1 ; v3 = exp v2 ; v4 = reduce_sum v3 ; v5 = log v4 }
 *
 * `outputs` lists extra results (a *multi-output* fusion): program values of the fusion's shape
 * (or of a reduction's prologue, at its input shape), written by the same kernel into buffers of
 * their own. The node's own value is the last instruction; extra result k (1-based) is the node
 * `fusion_output(fusion) { index: k }`.
 *
 *        %30 = fusion(g, m, v, θ) { m' = ... ; v' = ... ; θ' = ... }  outputs=[m', v']
 *        %31 = fusion_output(%30) {index: 1}   (m')      %32 = fusion_output(%30) {index: 2} (v')
 */
import { OpError } from "../errors.js";
import type { Attrs, Node } from "../ir/node.js";
import { defineOp, type OpDef, type OpName } from "../ir/op.js";
import { checkShape, sameShape, shapeToString, type DType, type TensorType } from "../ir/shape.js";
import type { NDArray } from "../ir/ndarray.js";
import { getPrimitive } from "./registry.js";

export type FusedInstr = {
  readonly op: OpName;
  /** Value indices of the operands (see above). */
  readonly args: readonly number[];
  readonly attrs: Attrs;
};

export type FusionAttrs = {
  shape: number[];
  program: FusedInstr[];
  /** Extra results (value indices), of the fusion's shape or in a reduction's prologue; absent: one result. */
  outputs?: number[];
};

const traitsOf = (op: OpName) => getPrimitive(op)?.traits ?? {};

/** Elementwise primitives a fusion may contain (index-dependent ops such as random_uniform may not). */
export const isFusible = (op: OpName): boolean => !!traitsOf(op).elementwise;

/** Ops that may be a fusion's head (at most one per program). */
export const isHeadOp = (op: OpName): boolean => traitsOf(op).fusionHead !== undefined;

/** The heads that are reductions: they read their input element by element (their prologue). */
export const isReductionHead = (op: OpName): boolean => traitsOf(op).fusionHead === "prologue";

/** Heads that read fusion operands only (they are not computed element by element). */
const isOperandHead = (op: OpName): boolean => traitsOf(op).fusionHead === "operands";

/**
 * Companions: ops that a head's kernel computes as well, from the same operands, when both are
 * wanted; the head op of a companion op. A companion is an extra output of a fusion with that
 * head and is read by no instruction.
 */
export const companionHead = (op: OpName): OpName | undefined => traitsOf(op).companionOf;

export const isCompanion = (op: OpName): boolean => companionHead(op) !== undefined;

/** The structure of a program: its head and which instructions run before it (its prologue). */
export interface ProgramShape {
  /** Value types, operands first. */
  readonly types: TensorType[];
  /** Instruction index of the head, if any. */
  readonly head: number | undefined;
  /** Per instruction: true when it is in the head's prologue (computed at the head's input shape). */
  readonly prologue: readonly boolean[];
}

/** The type of every value of the program, operands first, after checking its structure. */
export function programTypes(inputs: readonly TensorType[], attrs: FusionAttrs): TensorType[] {
  return programShape(inputs, attrs).types;
}

export function programShape(inputs: readonly TensorType[], attrs: FusionAttrs): ProgramShape {
  const shape = checkShape(attrs.shape, "fusion shape");
  const m = inputs.length;
  const types: TensorType[] = [...inputs];
  let head: number | undefined;
  attrs.program.forEach((instr, i) => {
    if (!isFusible(instr.op) && !isHeadOp(instr.op) && !isCompanion(instr.op))
      throw new OpError(`instruction ${i}: '${instr.op}' cannot be fused`);
    if (isHeadOp(instr.op)) {
      if (head !== undefined)
        throw new OpError(
          `instruction ${i}: a fusion has at most one head (${attrs.program[head]!.op}, ${instr.op})`,
        );
      head = i;
    }
    const args = instr.args.map((a) => {
      if (!Number.isInteger(a) || a < 0 || a >= types.length)
        throw new OpError(`instruction ${i}: bad value index ${a}`);
      return types[a]!;
    });
    if ((isOperandHead(instr.op) || isCompanion(instr.op)) && instr.args.some((a) => a >= m))
      throw new OpError(`instruction ${i}: a fused ${instr.op} reads fusion operands only`);
    types.push(getPrimitive(instr.op)!.infer(args, instr.attrs));
  });
  // the head's prologue: the instructions it depends on (only a reduction has one)
  const prologue = attrs.program.map(() => false);
  if (head !== undefined) {
    // a worklist, not recursion: a prologue may be a chain of thousands of instructions
    const pending = [...attrs.program[head]!.args];
    while (pending.length) {
      const v = pending.pop()!;
      if (v < m || prologue[v - m]) continue;
      prologue[v - m] = true;
      pending.push(...attrs.program[v - m]!.args);
    }
  }
  const inShape = head === undefined ? undefined : types[attrs.program[head]!.args[0]!]!.shape;
  // companions: the head they go with, the same operands, an extra output read by nothing
  const companion = attrs.program.map((instr) => isCompanion(instr.op));
  attrs.program.forEach((instr, i) => {
    if (!companion[i]) return;
    const h = head === undefined ? undefined : attrs.program[head]!;
    if (!h || h.op !== companionHead(instr.op) || h.args.join() !== instr.args.join())
      throw new OpError(
        `instruction ${i}: a ${instr.op} needs a ${companionHead(instr.op)} head of the same operands`,
      );
    if (!attrs.outputs?.includes(m + i))
      throw new OpError(`instruction ${i}: a ${instr.op} must be an extra output`);
    if (attrs.program.some((other) => other.args.includes(m + i)))
      throw new OpError(
        `instruction ${i}: the ${instr.op} (v${m + i}) cannot be read by another instruction`,
      );
  });
  /** The shape instruction i must have. */
  const wantOf = (i: number) => (companion[i] ? types[m + i]!.shape : prologue[i] ? inShape! : shape);
  attrs.program.forEach((instr, i) => {
    const t = types[m + i]!;
    const want = wantOf(i);
    if (!sameShape(t.shape, want)) {
      throw new OpError(
        `instruction ${i} (${instr.op}) has shape ${shapeToString(t.shape)}, not ${prologue[i] ? "its reduction's input shape" : "the fusion's"} ${shapeToString(want)}`,
      );
    }
    // a prologue value is computed inside the reduction loop: nothing after the head may read it
    if (!prologue[i] && i !== head && !companion[i])
      for (const a of instr.args)
        if (a >= m && prologue[a - m])
          throw new OpError(`instruction ${i} reads v${a}, a value of the reduction's prologue`);
  });
  for (const o of attrs.outputs ?? []) {
    if (!Number.isInteger(o) || o < m || o >= types.length) throw new OpError(`bad extra output v${o}`);
    const want = wantOf(o - m);
    if (!sameShape(types[o]!.shape, want))
      throw new OpError(
        `extra output v${o} has shape ${shapeToString(types[o]!.shape)}, not ${shapeToString(want)}`,
      );
  }
  return { types, head, prologue };
}

/** The instruction index of the fusion's head and its op, if it has one. */
export function fusionHead(attrs: FusionAttrs): { index: number; instr: FusedInstr } | undefined {
  const index = attrs.program.findIndex((i) => isHeadOp(i.op));
  return index < 0 ? undefined : { index, instr: attrs.program[index]! };
}

/** Every result value of the fusion: the last instruction first, then the extra outputs. */
export function resultValues(inputs: number, attrs: FusionAttrs): number[] {
  return [inputs + attrs.program.length - 1, ...(attrs.outputs ?? [])];
}

// The interpreter hands each node the values of its operands only; a fusion_output reads its
// fusion's extra results from here (keyed by the fusion's own result array).
const extraResults = new WeakMap<NDArray, NDArray[]>();

export const fusion: OpDef<FusionAttrs, "fusion"> = defineOp({
  name: "fusion",
  arity: "variadic",
  traits: {},
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
    const result = values[values.length - 1]!;
    if (attrs.outputs?.length)
      extraResults.set(
        result,
        attrs.outputs.map((o) => values[o]!),
      );
    return result;
  },
  // made after differentiation, so it needs no VJP
});

export type FusionOutputAttrs = { index: number; shape: number[]; dtype: DType };

/**
 * fusion_output: extra result `index` (1-based) of a multi-output fusion, its only operand. It has
 * no kernel of its own: the fusion's kernel writes it.
 */
export const fusionOutput: OpDef<FusionOutputAttrs, "fusion_output"> = defineOp({
  name: "fusion_output",
  arity: 1,
  traits: { writtenByProducer: true },
  infer([f], attrs) {
    const producer = f as Partial<Node>;
    if (producer.op !== undefined) {
      // a node (not just a type): check against the fusion's program
      if (producer.op !== "fusion") throw new OpError(`the operand is a ${producer.op}, not a fusion`);
      const fa = producer.attrs as unknown as FusionAttrs;
      const o = fa.outputs?.[attrs.index - 1];
      if (o === undefined) throw new OpError(`the fusion has no extra output ${attrs.index}`);
      const t = programTypes(producer.inputs!, fa)[o]!;
      if (!sameShape(t.shape, attrs.shape) || t.dtype !== attrs.dtype)
        throw new OpError(`extra output ${attrs.index} is ${t.dtype}${shapeToString(t.shape)}`);
    }
    return { shape: checkShape(attrs.shape, "fusion_output shape"), dtype: attrs.dtype };
  },
  evaluate([f], attrs) {
    const extra = extraResults.get(f!)?.[attrs.index - 1];
    if (!extra) throw new Error("internal: a fusion_output evaluated without its fusion's results");
    return extra;
  },
});

/** Whether a node has no kernel of its own because another node's kernel writes it. */
export const isFusionOutput = (n: Node): boolean => n.op === "fusion_output";
