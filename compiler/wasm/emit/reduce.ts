/**
 * reduce_sum and reduce_max, alone or as the head of a fusion: the reduced elements may be
 * computed on the fly from several operands (the fusion's prologue), and each result may be
 * transformed and written to several outputs before it is stored (the epilogue).
 *
 * Everything is addressed in the reduction's input space: every access (prologue operands,
 * epilogue operands, outputs) has one stride per input axis, 0 where it does not move (a reduced
 * axis for the outputs and the epilogue, a broadcast axis for an operand). Adjacent axes that are
 * both reduced or both kept, and that every access walks contiguously, are merged. Then, with
 * SIMD, either the reduced innermost run is accumulated four lanes at a time and folded at the
 * end, or, when the innermost axis is kept (a column sum such as a bias gradient), four outputs
 * are accumulated at once. Summation order therefore differs from the interpreter's (f32
 * rounding only).
 */
import { normalizeAxes, type DType, type Shape } from "../../ir/shape.js";
import type { Buffer } from "../../plan/layout.js";
import type { Expr, Local } from "../module.js";
import type { LowerContext } from "./context.js";
import { contiguousStrides, immediate, loadElement, type Access, type MapOperand } from "./map.js";

/** Statements to run, then one value per output. */
export interface Results {
  readonly stmts: readonly Expr[];
  readonly results: readonly Expr[];
}

export interface ReduceSpec {
  readonly kind: "sum" | "max";
  /** dtype of the reduced values (and of the accumulator). */
  readonly dtype: DType;
  readonly inShape: Shape;
  /** Reduced axes, normalized. */
  readonly axes: readonly number[];
  /** Operands of the reduced element, strides over the input shape. */
  readonly prologue: readonly MapOperand[];
  /**
   * The reduced element from the prologue operands' values (vector: 4 lanes of the innermost
   * axis): results[0], then the values stored into `prologueOuts` at the element's position.
   */
  element(values: readonly Expr[], vector: boolean): Results;
  /** Extra outputs computed in the prologue (a fusion's), strides over the input shape. */
  readonly prologueOuts: readonly Access[];
  /** Operands of the epilogue, strides over the input shape (0 on reduced axes). */
  readonly epilogue: readonly MapOperand[];
  /** The outputs, strides over the input shape (0 on reduced axes). */
  readonly outs: readonly Access[];
  /** The values stored into the outputs, from the reduction's result and the epilogue operands. */
  finish(acc: Expr, values: readonly Expr[], vector: boolean): Results;
}

/** Strides over the output shape of a reduction, re-expressed over its input shape. */
export function stridesInInputSpace(
  outStrides: readonly number[],
  inShape: Shape,
  axes: readonly number[],
  keepdims: boolean,
): number[] {
  let k = 0;
  return inShape.map((_, i) => {
    if (axes.includes(i)) {
      if (keepdims) k++;
      return 0;
    }
    return outStrides[k++]!;
  });
}

/** A plain reduction node: input buffer -> output buffer. */
export function emitReduce(
  c: LowerContext,
  kind: "sum" | "max",
  input: Buffer,
  out: Buffer,
  axesAttr: readonly number[],
): void {
  const axes = normalizeAxes(axesAttr, input.shape.length);
  const keepdims = out.shape.length === input.shape.length;
  emitReduction(c, {
    kind,
    dtype: input.dtype,
    inShape: input.shape,
    axes,
    prologue: [{ base: input.offset, strides: contiguousStrides(input.shape), dtype: input.dtype }],
    element: ([v]) => ({ stmts: [], results: [v!] }),
    prologueOuts: [],
    epilogue: [],
    outs: [
      {
        base: out.offset,
        strides: stridesInInputSpace(contiguousStrides(out.shape), input.shape, axes, keepdims),
        dtype: out.dtype,
      },
    ],
    finish: (acc) => ({ stmts: [], results: [acc] }),
  });
}

const isAccess = (o: MapOperand): o is Access => "base" in o;

/** A run of merged input axes: all reduced or all kept, walked alike by every access. */
interface Dim {
  size: number;
  readonly reduced: boolean;
  /** One stride per access (Reduction.accesses), in elements. */
  strides: number[];
}

/** A position along the innermost merged axis: counter j of axis d (its stride is applied to j). */
interface Inner {
  readonly d: Dim;
  readonly j: Local;
}

/** One reduction kernel under construction: the spec, its merged axes and their loop counters. */
interface Reduction {
  readonly c: LowerContext;
  readonly spec: ReduceSpec;
  /** Integer reduction (i32 accumulators). */
  readonly int: boolean;
  /** Every access, in the order of Dim.strides: prologue and epilogue operands, outs, prologueOuts. */
  readonly accesses: readonly Access[];
  readonly dims: readonly Dim[];
  readonly kept: readonly Dim[];
  readonly red: readonly Dim[];
  readonly counter: ReadonlyMap<Dim, Local>;
}

/**
 * Emits the reduction `spec` into the current function: merges its axes, then picks one of three
 * loop structures (the reduced innermost run in vectors, four kept innermost outputs at once, or
 * scalar).
 */
export function emitReduction(c: LowerContext, spec: ReduceSpec): void {
  const accesses: Access[] = [...spec.prologue, ...spec.epilogue]
    .filter(isAccess)
    .concat(spec.outs, spec.prologueOuts);
  const dims = mergeAxes(spec, accesses);
  const r: Reduction = {
    c,
    spec,
    int: spec.dtype !== "f32",
    accesses,
    dims,
    kept: dims.filter((d) => !d.reduced),
    red: dims.filter((d) => d.reduced),
    // loop counters per merged axis
    counter: new Map(dims.map((d) => [d, c.f.local("i32")])),
  };
  const last = dims[dims.length - 1]!;
  const unitOrZero = (a: MapOperand) => !isAccess(a) || [0, 1].includes(strideOf(r, a, last));
  const innermost = last.size;
  if (
    c.target.simd &&
    last.reduced &&
    innermost >= 4 &&
    spec.prologue.every(unitOrZero) &&
    spec.prologueOuts.every((o) => strideOf(r, o, last) === 1)
  )
    c.f.emit(...reduceInnerRun(r));
  else if (
    c.target.simd &&
    !last.reduced &&
    innermost >= 4 &&
    [...spec.prologue, ...spec.epilogue].every(unitOrZero) &&
    [...spec.outs, ...spec.prologueOuts].every((o) => strideOf(r, o, last) === 1)
  )
    c.f.emit(...reduceKeptInner(r));
  else c.f.emit(...reduceScalar(r));
}

/** Merges runs of adjacent axes of the same class that every access walks contiguously (drops size 1). */
function mergeAxes(spec: ReduceSpec, accesses: readonly Access[]): Dim[] {
  const dims: Dim[] = [];
  spec.inShape.forEach((d, i) => {
    if (d === 1) return;
    const reduced = spec.axes.includes(i);
    const strides = accesses.map((a) => a.strides[i]!);
    const last = dims[dims.length - 1];
    if (last && last.reduced === reduced && last.strides.every((s, k) => s === strides[k]! * d)) {
      last.size *= d;
      last.strides = strides;
    } else dims.push({ size: d, reduced, strides });
  });
  if (dims.length === 0) dims.push({ size: 1, reduced: false, strides: accesses.map(() => 0) });
  return dims;
}

const strideOf = (r: Reduction, a: Access, d: Dim): number => d.strides[r.accesses.indexOf(a)]!;

/** The reduction's identity: 0 for a sum, the smallest value for a max. */
function initValue(r: Reduction, vector: boolean): Expr {
  const { f } = r.c;
  const init = r.spec.kind === "sum" ? 0 : r.int ? -(2 ** 31) : -Infinity;
  if (vector) return r.int ? f.splatI32(init) : f.splatF32(init);
  return r.int ? f.c32(init) : f.cf32(init);
}

/** a ⊕ b for the reduction's operator on scalars. */
function combine(r: Reduction, a: Expr, b: Expr): Expr {
  const { f } = r.c;
  if (r.spec.kind === "sum") return r.int ? f.i32.add(a, b) : f.f32.add(a, b);
  if (!r.int) return f.f32.max(a, b);
  const [x, y] = [f.local("i32"), f.local("i32")];
  // select evaluates its condition last: the tees go in the value operands
  return f.select(f.i32.gt_s(f.get(x), f.get(y)), f.tee(x, a), f.tee(y, b));
}

/** a ⊕ b for the reduction's operator on four lanes. */
function combineV(r: Reduction, a: Expr, b: Expr): Expr {
  const { f } = r.c;
  if (r.spec.kind === "sum") return r.int ? f.i32x4.add(a, b) : f.f32x4.add(a, b);
  return r.int ? f.i32x4.max_s(a, b) : f.f32x4.max(a, b);
}

/** Byte address of an access at the current counters of `over`, plus j along `inner`. */
function addr(r: Reduction, a: Access, over: readonly Dim[], inner?: Inner): Expr {
  const { f } = r.c;
  const s = inner ? strideOf(r, a, inner.d) : 0;
  let e = f.c32(a.base);
  for (const d of over) {
    const sd = strideOf(r, a, d);
    if (sd !== 0) e = f.i32.add(e, f.i32.mul(f.get(r.counter.get(d)!), f.c32(sd * 4)));
  }
  if (s !== 0) e = f.i32.add(e, f.i32.mul(f.get(inner!.j), f.c32(s * 4)));
  return e;
}

/** Nested loops over the merged axes `over` (outermost first) around `body`. */
function loops(r: Reduction, over: readonly Dim[], body: () => Expr[]): Expr[] {
  const { f } = r.c;
  const level = (k: number): Expr[] =>
    k === over.length
      ? body()
      : [f.forLoop(r.counter.get(over[k]!)!, f.c32(0), f.c32(over[k]!.size), 1, () => level(k + 1))];
  return level(0);
}

/** A prologue or epilogue operand at the current counters of `over` (+ j along `inner`). */
function value(r: Reduction, o: MapOperand, over: readonly Dim[], vector: boolean, inner?: Inner): Expr {
  if (!isAccess(o)) return immediate(r.c.f, o.dtype, o.immediate, vector);
  const broadcast = (inner ? strideOf(r, o, inner.d) : 0) === 0;
  return loadElement(r.c.f, o.dtype, addr(r, o, over, inner), vector, broadcast);
}

/** Stores `v` into output `o` at the current counters of `over` (+ j along `inner`). */
function storeAt(
  r: Reduction,
  o: Access,
  over: readonly Dim[],
  vector: boolean,
  inner: Inner | undefined,
  v: Expr,
): Expr {
  const { f } = r.c;
  const p = addr(r, o, over, inner);
  if (vector) return f.v128.store(0, 4, p, v);
  return o.dtype === "f32" ? f.f32.store(0, 4, p, v) : f.i32.store(0, 4, p, v);
}

/** One element of the reduction: its prologue outputs stored, then folded into `acc`. */
function accumulate(r: Reduction, acc: Local, over: readonly Dim[], vector: boolean, inner?: Inner): Expr[] {
  const { f } = r.c;
  const { spec } = r;
  const { stmts, results } = spec.element(
    spec.prologue.map((o) => value(r, o, over, vector, inner)),
    vector,
  );
  return [
    ...stmts,
    ...spec.prologueOuts.map((o, k) => storeAt(r, o, over, vector, inner, results[k + 1]!)),
    f.set(acc, vector ? combineV(r, f.get(acc), results[0]!) : combine(r, f.get(acc), results[0]!)),
  ];
}

/** Stores the finished results at the current kept position (+ j along the kept `inner` axis). */
function finishAt(r: Reduction, acc: Expr, vector: boolean, inner?: Inner): Expr[] {
  const { spec } = r;
  const over = r.kept.filter((d) => d !== inner?.d);
  const { stmts, results } = spec.finish(
    acc,
    spec.epilogue.map((o) => value(r, o, over, vector, inner)),
    vector,
  );
  return [...stmts, ...spec.outs.map((o, k) => storeAt(r, o, over, vector, inner, results[k]!))];
}

/**
 * The innermost axis is reduced and contiguous: per output element, accumulate its run four lanes
 * at a time (a scalar tail for the last innermost % 4), then fold the lanes.
 */
function reduceInnerRun(r: Reduction): Expr[] {
  const { f } = r.c;
  const { kept, red, int } = r;
  const last = r.dims[r.dims.length - 1]!;
  const innermost = last.size;
  const outerRed = red.slice(0, -1);
  const acc = f.local("v128");
  const tail = f.local(int ? "i32" : "f32");
  const j = r.counter.get(last)!;
  const vecEnd = innermost - (innermost % 4);
  const inner = { d: last, j };
  const lanes = [0, 1, 2, 3].map((l) =>
    int ? f.i32x4.extract_lane(f.get(acc), l) : f.f32x4.extract_lane(f.get(acc), l),
  );
  return loops(r, kept, () => [
    f.set(acc, initValue(r, true)),
    f.set(tail, initValue(r, false)),
    ...loops(r, outerRed, () => [
      f.forLoop(j, f.c32(0), f.c32(vecEnd), 4, () => accumulate(r, acc, [...kept, ...outerRed], true, inner)),
      ...(vecEnd < innermost
        ? [
            f.forLoop(j, f.c32(vecEnd), f.c32(innermost), 1, () =>
              accumulate(r, tail, [...kept, ...outerRed], false, inner),
            ),
          ]
        : []),
    ]),
    ...finishAt(
      r,
      combine(r, combine(r, combine(r, lanes[0]!, lanes[1]!), combine(r, lanes[2]!, lanes[3]!)), f.get(tail)),
      false,
    ),
  ]);
}

/** The innermost axis is kept and contiguous: accumulate four neighbouring outputs at once. */
function reduceKeptInner(r: Reduction): Expr[] {
  const { f } = r.c;
  const { kept, red, int } = r;
  const last = r.dims[r.dims.length - 1]!;
  const innermost = last.size;
  const outerKept = kept.slice(0, -1);
  const j = r.counter.get(last)!;
  const vecEnd = innermost - (innermost % 4);
  const chunk = (vector: boolean): Expr[] => {
    const acc = f.local(vector ? "v128" : int ? "i32" : "f32");
    return [
      f.set(acc, initValue(r, vector)),
      ...loops(r, red, () => accumulate(r, acc, [...outerKept, ...red], vector, { d: last, j })),
      ...finishAt(r, f.get(acc), vector, { d: last, j }),
    ];
  };
  return loops(r, outerKept, () => [
    f.forLoop(j, f.c32(0), f.c32(vecEnd), 4, () => chunk(true)),
    ...(vecEnd < innermost ? [f.forLoop(j, f.c32(vecEnd), f.c32(innermost), 1, () => chunk(false))] : []),
  ]);
}

/** Scalar: one accumulator per output element. */
function reduceScalar(r: Reduction): Expr[] {
  const { f } = r.c;
  const { kept, red } = r;
  return loops(r, kept, () => {
    const acc = f.local(r.int ? "i32" : "f32");
    return [
      f.set(acc, initValue(r, false)),
      ...loops(r, red, () => accumulate(r, acc, [...kept, ...red], false)),
      ...finishAt(r, f.get(acc), false),
    ];
  });
}
