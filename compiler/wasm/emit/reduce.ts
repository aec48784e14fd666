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

export function emitReduction(c: LowerContext, spec: ReduceSpec): void {
  const { f } = c;
  const { kind } = spec;
  const int = spec.dtype !== "f32";
  const accesses: Access[] = [...spec.prologue, ...spec.epilogue]
    .filter(isAccess)
    .concat(spec.outs, spec.prologueOuts);
  // merge runs of adjacent axes of the same class that every access walks contiguously
  const dims: { size: number; reduced: boolean; strides: number[] }[] = [];
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
  const kept = dims.filter((d) => !d.reduced);
  const red = dims.filter((d) => d.reduced);
  const strideOf = (a: Access, d: (typeof dims)[number]) => d.strides[accesses.indexOf(a)]!;

  const init = kind === "sum" ? 0 : int ? -(2 ** 31) : -Infinity;
  const scalarInit = () => (int ? f.c32(init) : f.cf32(init));
  const vectorInit = () => (int ? f.splatI32(init) : f.splatF32(init));
  const combine = (a: Expr, b: Expr): Expr => {
    if (kind === "sum") return int ? f.i32.add(a, b) : f.f32.add(a, b);
    if (!int) return f.f32.max(a, b);
    const [x, y] = [f.local("i32"), f.local("i32")];
    // select evaluates its condition last: the tees go in the value operands
    return f.select(f.i32.gt_s(f.get(x), f.get(y)), f.tee(x, a), f.tee(y, b));
  };
  const combineV = (a: Expr, b: Expr): Expr =>
    kind === "sum"
      ? int
        ? f.i32x4.add(a, b)
        : f.f32x4.add(a, b)
      : int
        ? f.i32x4.max_s(a, b)
        : f.f32x4.max(a, b);
  const type = int ? "i32" : "f32";

  // loop counters per merged axis
  const counter = new Map(dims.map((d) => [d, f.local("i32")]));
  /** Byte address of an access at the current counters (axes in `over`), plus `extra` elements. */
  const addr = (a: Access, over: readonly (typeof dims)[number][], extra?: () => Expr): Expr => {
    let e = f.c32(a.base);
    for (const d of over) {
      const s = strideOf(a, d);
      if (s !== 0) e = f.i32.add(e, f.i32.mul(f.get(counter.get(d)!), f.c32(s * 4)));
    }
    if (extra) e = f.i32.add(e, extra());
    return e;
  };
  const loops = (over: readonly (typeof dims)[number][], body: () => Expr[]): Expr[] => {
    const level = (k: number): Expr[] =>
      k === over.length
        ? body()
        : [f.forLoop(counter.get(over[k]!)!, f.c32(0), f.c32(over[k]!.size), 1, () => level(k + 1))];
    return level(0);
  };
  /** A prologue or epilogue operand at the current counters of `over` (+ j along `inner`). */
  const value = (
    o: MapOperand,
    over: readonly (typeof dims)[number][],
    vector: boolean,
    inner?: { d: (typeof dims)[number]; j: Local },
  ): Expr => {
    if (!isAccess(o)) return immediate(f, o.dtype, o.immediate, vector);
    const s = inner ? strideOf(o, inner.d) : 0;
    const p = addr(o, over, s !== 0 ? () => f.i32.mul(f.get(inner!.j), f.c32(s * 4)) : undefined);
    return loadElement(f, o.dtype, p, vector, s === 0);
  };
  /** Stores `v` into output `o` at the current counters of `over` (+ j along `inner`). */
  const storeAt = (
    o: Access,
    over: readonly (typeof dims)[number][],
    vector: boolean,
    inner: { d: (typeof dims)[number]; j: Local } | undefined,
    v: Expr,
  ): Expr => {
    const s = inner ? strideOf(o, inner.d) : 0;
    const p = addr(o, over, s !== 0 ? () => f.i32.mul(f.get(inner!.j), f.c32(s * 4)) : undefined);
    if (vector) return f.v128.store(0, 4, p, v);
    return o.dtype === "f32" ? f.f32.store(0, 4, p, v) : f.i32.store(0, 4, p, v);
  };
  /** One element of the reduction: its prologue outputs stored, then folded into `acc`. */
  const accumulate = (
    acc: Local,
    over: readonly (typeof dims)[number][],
    vector: boolean,
    inner?: { d: (typeof dims)[number]; j: Local },
  ): Expr[] => {
    const { stmts, results } = spec.element(
      spec.prologue.map((o) => value(o, over, vector, inner)),
      vector,
    );
    return [
      ...stmts,
      ...spec.prologueOuts.map((o, k) => storeAt(o, over, vector, inner, results[k + 1]!)),
      f.set(acc, vector ? combineV(f.get(acc), results[0]!) : combine(f.get(acc), results[0]!)),
    ];
  };
  /** Stores the finished results at the current kept position (+ j along the kept `inner` axis). */
  const finishAt = (acc: Expr, vector: boolean, inner?: { d: (typeof dims)[number]; j: Local }): Expr[] => {
    const over = kept.filter((d) => d !== inner?.d);
    const { stmts, results } = spec.finish(
      acc,
      spec.epilogue.map((o) => value(o, over, vector, inner)),
      vector,
    );
    return [...stmts, ...spec.outs.map((o, k) => storeAt(o, over, vector, inner, results[k]!))];
  };
  const last = dims[dims.length - 1]!;
  const innermost = last.size;
  const unitOrZero = (d: (typeof dims)[number]) => (a: MapOperand) =>
    !isAccess(a) || [0, 1].includes(strideOf(a, d));

  if (
    c.simd &&
    last.reduced &&
    innermost >= 4 &&
    spec.prologue.every(unitOrZero(last)) &&
    spec.prologueOuts.every((o) => strideOf(o, last) === 1)
  ) {
    // reduce a contiguous run per output element
    const outerRed = red.slice(0, -1);
    const acc = f.local("v128");
    const tail = f.local(type);
    const j = counter.get(last)!;
    const vecEnd = innermost - (innermost % 4);
    const inner = { d: last, j };
    const lanes = [0, 1, 2, 3].map((l) =>
      int ? f.i32x4.extract_lane(f.get(acc), l) : f.f32x4.extract_lane(f.get(acc), l),
    );
    f.emit(
      ...loops(kept, () => [
        f.set(acc, vectorInit()),
        f.set(tail, scalarInit()),
        ...loops(outerRed, () => [
          f.forLoop(j, f.c32(0), f.c32(vecEnd), 4, () =>
            accumulate(acc, [...kept, ...outerRed], true, inner),
          ),
          ...(vecEnd < innermost
            ? [
                f.forLoop(j, f.c32(vecEnd), f.c32(innermost), 1, () =>
                  accumulate(tail, [...kept, ...outerRed], false, inner),
                ),
              ]
            : []),
        ]),
        ...finishAt(
          combine(combine(combine(lanes[0]!, lanes[1]!), combine(lanes[2]!, lanes[3]!)), f.get(tail)),
          false,
        ),
      ]),
    );
    return;
  }

  if (
    c.simd &&
    !last.reduced &&
    innermost >= 4 &&
    [...spec.prologue, ...spec.epilogue].every(unitOrZero(last)) &&
    [...spec.outs, ...spec.prologueOuts].every((o) => strideOf(o, last) === 1)
  ) {
    // the innermost axis is kept: accumulate four neighbouring outputs at once
    const outerKept = kept.slice(0, -1);
    const j = counter.get(last)!;
    const vecEnd = innermost - (innermost % 4);
    const chunk = (vector: boolean): Expr[] => {
      const acc = f.local(vector ? "v128" : type);
      return [
        f.set(acc, vector ? vectorInit() : scalarInit()),
        ...loops(red, () => accumulate(acc, [...outerKept, ...red], vector, { d: last, j })),
        ...finishAt(f.get(acc), vector, { d: last, j }),
      ];
    };
    f.emit(
      ...loops(outerKept, () => [
        f.forLoop(j, f.c32(0), f.c32(vecEnd), 4, () => chunk(true)),
        ...(vecEnd < innermost ? [f.forLoop(j, f.c32(vecEnd), f.c32(innermost), 1, () => chunk(false))] : []),
      ]),
    );
    return;
  }

  // scalar: one accumulator per output element
  f.emit(
    ...loops(kept, () => {
      const acc = f.local(type);
      return [
        f.set(acc, scalarInit()),
        ...loops(red, () => accumulate(acc, [...kept, ...red], false)),
        ...finishAt(f.get(acc), false),
      ];
    }),
  );
}
