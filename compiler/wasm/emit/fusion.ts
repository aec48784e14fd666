/**
 * Lowers a `fusion` node (see compiler/ops/fusion.ts) to one kernel:
 *
 *  - no head: one strided map whose body is the program, composed from the per-op lowerings in
 *    elementwise.ts, storing each result (the fusion's own value and its extra outputs);
 *  - a matmul head: the matmul kernel (matmul.ts), whose tile stores run the rest of the program
 *    (the epilogue) on the accumulators while they are in registers;
 *  - a reduction head: the reduction kernel (reduce.ts), whose loads compute the reduced elements
 *    from the fusion's operands (the prologue) and whose stores run the epilogue;
 *  - a softmax_xent_grad head: the softmax cross-entropy kernel (softmax-xent.ts), which also
 *    stores the row losses when its companion softmax_xent is a result, and runs the epilogue on
 *    each gradient element before storing it.
 *
 * A value used by several instructions is stored in a local (in program order, by explicit
 * local.set) and read back; a value used once is inlined into its user. With several outputs,
 * every result is computed into a local before the first store, so that no store can change an
 * operand another result still reads (an output may be written over an operand, in place).
 */
import type { Node } from "../../ir/node.js";
import { normalizeAxes, type TensorType } from "../../ir/shape.js";
import { isCompanion, programShape, resultValues, type FusionAttrs } from "../../ops/fusion.js";
import type { Buffer } from "../../plan/layout.js";
import type { Expr, ValType } from "../module.js";
import type { LowerContext } from "./context.js";
import { ELEMENTWISE } from "./elementwise.js";
import { contiguousStrides, emitMap, type MapOperand } from "./map.js";
import { emitMatmul, type Epilogue } from "./matmul.js";
import { emitReduction, stridesInInputSpace, type Results } from "./reduce.js";
import { checkedLabels, emitSoftmaxXent } from "./softmax-xent.js";

/** The fusion's program, ready to be emitted piecewise. */
interface Program {
  readonly c: LowerContext;
  readonly attrs: FusionAttrs;
  readonly types: readonly TensorType[];
  /** Number of operands. */
  readonly m: number;
}

const valType = (t: TensorType, vector: boolean): ValType =>
  vector ? "v128" : t.dtype === "f32" ? "f32" : "i32";

/**
 * Emits instructions `instrs` (indices into the program, in order) given expressions for the
 * values they read from outside (`given(k)`: an operand, or the head's result), and returns the
 * statements and an expression for each of `wanted`.
 */
function emitInstrs(
  p: Program,
  vector: boolean,
  instrs: readonly number[],
  given: (k: number) => Expr,
  wanted: readonly number[],
): Results {
  const { c, attrs, types, m } = p;
  const { f } = c;
  const uses = new Map<number, number>();
  const use = (k: number) => uses.set(k, (uses.get(k) ?? 0) + 1);
  for (const i of instrs) for (const a of attrs.program[i]!.args) use(a);
  for (const k of wanted) use(k);
  // several results: each in a local before any store (see the header)
  if (wanted.length > 1) for (const k of wanted) use(k);

  const stmts: Expr[] = [];
  const values = new Map<number, () => Expr>();
  const bind = (k: number, e: Expr) => {
    if ((uses.get(k) ?? 0) > 1) {
      const l = f.local(valType(types[k]!, vector));
      stmts.push(f.set(l, e));
      values.set(k, () => f.get(l));
    } else values.set(k, () => e);
  };
  const inside = new Set(instrs.map((i) => m + i));
  const valueOf = (k: number): Expr => {
    if (!values.has(k)) {
      if (inside.has(k)) throw new Error(`internal: fusion value v${k} used before it is computed`);
      bind(k, given(k));
    }
    return values.get(k)!();
  };
  for (const i of instrs) {
    const instr = attrs.program[i]!;
    const k = m + i;
    // the per-op lowerings read only op, attrs, dtype and the operands' dtypes
    const view = {
      op: instr.op,
      attrs: instr.attrs,
      dtype: types[k]!.dtype,
      inputs: instr.args.map((a) => types[a]!),
    } as unknown as Node;
    const lowering = ELEMENTWISE[instr.op]!;
    const args = instr.args.map(valueOf);
    const noIndex = () => {
      throw new Error(`internal: '${instr.op}' in a fusion needs its element index`);
    };
    bind(k, vector ? lowering.vector!(c, args, view, noIndex) : lowering.scalar(c, args, view, noIndex));
  }
  return { stmts, results: wanted.map(valueOf) };
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/** Whether an instruction has a vector lowering (heads are handled by their kernels). */
const vectorizable = (attrs: FusionAttrs, instrs: readonly number[]) =>
  instrs.every((i) => ELEMENTWISE[attrs.program[i]!.op]?.vector !== undefined);

/** How a kernel reads fusion operand k over a given iteration shape (lower.ts's `operand`). */
type OperandOf = (input: Node, buffer: Buffer, shape: readonly number[]) => MapOperand;

/** A fusion with a head, ready for its head's kernel. */
interface Headed {
  readonly p: Program;
  readonly node: Node;
  readonly ins: readonly Buffer[];
  readonly operand: OperandOf;
  /** The result values the entry needs, and their buffers (in the same order). */
  readonly wanted: readonly number[];
  readonly stored: readonly Buffer[];
  /** Index of the head instruction, and the value it defines. */
  readonly head: number;
  readonly headValue: number;
  /** Which instructions feed the head (computed per reduced element). */
  readonly prologue: readonly boolean[];
  /** The instructions computed per output element: those before the head that it does not read, and the epilogue. */
  readonly after: readonly number[];
}

/**
 * Emits the kernel of a `fusion` node: a strided map without a head, else its head's kernel
 * (matmul, softmax cross-entropy, reduction) running the rest of the program.
 * @param operand  how the kernel reads fusion operand k over a given iteration shape
 *                 (lower.ts's `operand`: a strided access, or an immediate for a scalar constant)
 * @param outs     the fusion's own result, then its extra outputs (undefined: not needed here)
 */
export function emitFusion(
  c: LowerContext,
  node: Node,
  ins: readonly Buffer[],
  outs: readonly (Buffer | undefined)[],
  operand: OperandOf,
): void {
  const attrs = node.attrs as unknown as FusionAttrs;
  const { types, head, prologue } = programShape(node.inputs, attrs);
  const m = node.inputs.length;
  const p: Program = { c, attrs, types, m };
  // an extra output that the entry does not need (a user output, in the backward entry) has no
  // buffer there: it is not stored
  const results = resultValues(m, attrs);
  if (outs.length > results.length)
    throw new Error(`internal: fusion %${node.id} has ${results.length} outputs`);
  const wanted = results.filter((_, k) => outs[k] !== undefined);
  const stored = outs.filter((o): o is Buffer => o !== undefined);
  if (head === undefined) {
    fuseMap(p, node, ins, operand, wanted, stored);
    return;
  }
  const n = attrs.program.length;
  const epilogue = range(head + 1, n).filter((i) => !prologue[i]);
  // instructions before the head that it does not read: computed per output element too
  const early = range(0, head).filter((i) => !prologue[i]);
  const h: Headed = {
    p,
    node,
    ins,
    operand,
    wanted,
    stored,
    head,
    headValue: m + head,
    prologue,
    after: [...early, ...epilogue],
  };
  const headOp = attrs.program[head]!.op;
  if (headOp === "matmul") fuseMatmul(h);
  else if (headOp === "softmax_xent_grad") fuseSoftmaxXent(h);
  else fuseReduction(h);
}

/** No head: one strided map over the fusion's shape, the whole program per element. */
function fuseMap(
  p: Program,
  node: Node,
  ins: readonly Buffer[],
  operand: OperandOf,
  wanted: readonly number[],
  stored: readonly Buffer[],
): void {
  const { c, attrs } = p;
  const all = range(0, attrs.program.length);
  const outAccess = stored.map((b) => ({
    base: b.offset,
    strides: contiguousStrides(b.shape),
    dtype: b.dtype,
  }));
  const operands = node.inputs.map((input, k) => operand(input, ins[k]!, attrs.shape));
  const body = (vector: boolean) => (_f: unknown, values: readonly Expr[]) =>
    emitInstrs(p, vector, all, (k) => values[k]!, wanted);
  emitMap(
    c.f,
    attrs.shape,
    outAccess,
    operands,
    { scalar: body(false), ...(vectorizable(attrs, all) ? { vector: body(true) } : {}) },
    c.target.simd,
  );
}

/** A matmul head: the rest of the program is the matmul's epilogue, run in its tile stores. */
function fuseMatmul(h: Headed): void {
  const { p, node, ins, after, headValue } = h;
  const { c, attrs } = p;
  const headInstr = attrs.program[h.head]!;
  const [a, b] = headInstr.args as [number, number];
  const { transA, transB } = headInstr.attrs as { transA: boolean; transB: boolean };
  // epilogue operands, addressed over the product's shape
  const operands = node.inputs.map((input, k) => h.operand(input, ins[k]!, attrs.shape));
  emitMatmul(c, ins[a]!, ins[b]!, h.stored, transA, transB, {
    vectorizable: vectorizable(attrs, after),
    apply: (acc, load, vector) =>
      emitInstrs(p, vector, after, (k) => (k === headValue ? acc : load(operands[k]!)), h.wanted),
  });
}

/**
 * A softmax_xent_grad head: the kernel also stores the row losses when its companion softmax_xent
 * is a result, and runs the elementwise rest of the program on each gradient element.
 */
function fuseSoftmaxXent(h: Headed): void {
  const { p, node, ins, wanted, stored, headValue } = h;
  const { c, attrs, m } = p;
  const [logits, labels] = attrs.program[h.head]!.args as [number, number];
  const isRow = (v: number) => v >= m && isCompanion(attrs.program[v - m]!.op);
  const elementwise = h.after.filter((i) => !isCompanion(attrs.program[i]!.op));
  const rowAt = wanted.findIndex(isRow);
  const elemWanted = wanted.filter((v) => !isRow(v));
  const elemStored = stored.filter((_, k) => !isRow(wanted[k]!));
  // epilogue operands, addressed over the gradient's (the fusion's) shape
  const operands = node.inputs.map((input, k) => h.operand(input, ins[k]!, attrs.shape));
  const epilogue: Epilogue = {
    vectorizable: vectorizable(attrs, elementwise),
    apply: (acc, load, vector) =>
      emitInstrs(p, vector, elementwise, (k) => (k === headValue ? acc : load(operands[k]!)), elemWanted),
  };
  emitSoftmaxXent(c, {
    logits: ins[logits]!,
    labels: ins[labels]!,
    checked: checkedLabels(node, attrs.program[h.head]!.attrs),
    ...(rowAt >= 0 ? { loss: stored[rowAt]! } : {}),
    ...(elemStored.length ? { grad: { outs: elemStored, epilogue } } : {}),
  });
}

/**
 * A reduction head: the prologue computes each reduced element from the operands (and stores the
 * results computed at the input shape as it goes), the epilogue runs on each reduced value.
 */
function fuseReduction(h: Headed): void {
  const { p, node, ins, wanted, stored, headValue, after, prologue } = h;
  const { c, attrs, types, m } = p;
  const headInstr = attrs.program[h.head]!;
  const inputValue = headInstr.args[0]!;
  const inShape = types[inputValue]!.shape;
  const axes = normalizeAxes(headInstr.attrs.axes as number[], inShape.length);
  const pro = range(0, h.head).filter((i) => prologue[i]);
  const proOperands = node.inputs.map((input, k) => h.operand(input, ins[k]!, inShape));
  // epilogue operands and outputs are addressed over the fusion's (the reduced) shape
  const reducedShape = types[headValue]!.shape;
  const keepOut = reducedShape.length === inShape.length;
  const toInput = (o: MapOperand): MapOperand =>
    "base" in o ? { ...o, strides: stridesInInputSpace(o.strides, inShape, axes, keepOut) } : o;
  const epiOperands = node.inputs.map((input, k) => toInput(h.operand(input, ins[k]!, reducedShape)));
  const usedPro = range(0, m).filter((k) => usedBy(attrs, pro, k) || k === inputValue);
  const usedEpi = range(0, m).filter((k) => usedBy(attrs, after, k));
  // results computed in the prologue (at the input shape) are stored as the elements are read
  const isPro = (v: number) => v >= m && prologue[v - m]!;
  const proWanted = wanted.filter(isPro);
  const epiWanted = wanted.filter((v) => !isPro(v));
  const proStored = stored.filter((_, k) => isPro(wanted[k]!));
  const epiStored = stored.filter((_, k) => !isPro(wanted[k]!));
  emitReduction(c, {
    kind: headInstr.op === "reduce_sum" ? "sum" : "max",
    dtype: types[headValue]!.dtype,
    inShape,
    axes,
    prologue: usedPro.map((k) => proOperands[k]!),
    element: (values, vector) =>
      emitInstrs(p, vector, pro, (k) => values[usedPro.indexOf(k)]!, [inputValue, ...proWanted]),
    prologueOuts: proStored.map((o) => ({
      base: o.offset,
      strides: contiguousStrides(o.shape),
      dtype: o.dtype,
    })),
    epilogue: usedEpi.map((k) => epiOperands[k]!),
    outs: epiStored.map((o) => ({
      base: o.offset,
      strides: stridesInInputSpace(contiguousStrides(o.shape), inShape, axes, keepOut),
      dtype: o.dtype,
    })),
    finish: (acc, values, vector) =>
      emitInstrs(p, vector, after, (k) => (k === headValue ? acc : values[usedEpi.indexOf(k)]!), epiWanted),
  });
}

/** Whether operand k is read by one of `instrs`. */
function usedBy(attrs: FusionAttrs, instrs: readonly number[], k: number): boolean {
  return instrs.some((i) => attrs.program[i]!.args.includes(k));
}
