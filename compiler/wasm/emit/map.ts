/**
 * The strided map: out[i] = f(operands[i]) over a static iteration space, where every operand and
 * the output are addressed by a base and per-axis strides (0 for a broadcast axis). Elementwise
 * ops, broadcasts, transposes, slices, pads and concats are all strided maps.
 *
 * Axes that are contiguous for every access are merged first. The innermost axis is then run with
 * f32x4/i32x4 vectors when the output is contiguous there and every operand is contiguous or
 * broadcast (stride 1 or 0), with a scalar tail for lengths that are not a multiple of 4.
 */
import { broadcastStrides, type DType, type Shape } from "../../ir/shape.js";

export { broadcastStrides };
import type { Expr, FnBuilder, Local } from "../module.js";

export interface Access {
  /** Byte address of the element at index (0, ..., 0). */
  readonly base: number;
  /** Element strides, one per axis of the iteration space. */
  readonly strides: readonly number[];
  readonly dtype: DType;
}

/** An operand: a memory access, or a constant splat into every element. */
export type MapOperand = Access | { readonly immediate: number; readonly dtype: DType };

/** Statements to run first, then one value per output (a map with several outputs). */
export interface MapResults {
  readonly stmts: readonly Expr[];
  readonly results: readonly Expr[];
}

/**
 * How one element is computed. Binaryen expressions form a tree, so each operand value may be
 * used once: a body that needs a value twice stores it in a local first.
 */
export interface MapBody {
  /** One element from scalar operand values (f32 or i32); `flat` is the output's flat index. */
  scalar(f: FnBuilder, values: readonly Expr[], flat: () => Expr): Expr | MapResults;
  /** Four lanes from v128 operand values; absent when the op has no vector form. */
  vector?(f: FnBuilder, values: readonly Expr[], flat: () => Expr): Expr | MapResults;
}

const isAccess = (o: MapOperand): o is Access => "base" in o;

/** Merges adjacent axes that every access walks contiguously, and drops size-1 axes. */
function collapse(shape: Shape, accesses: readonly Access[]): { shape: number[]; strides: number[][] } {
  let dims = shape.map((d, i) => ({ d, s: accesses.map((a) => a.strides[i]!) })).filter((x) => x.d !== 1);
  const merged: typeof dims = [];
  for (const x of dims) {
    const prev = merged[merged.length - 1];
    if (prev && prev.s.every((s, k) => s === x.s[k]! * x.d)) {
      merged[merged.length - 1] = { d: prev.d * x.d, s: x.s };
    } else merged.push(x);
  }
  dims = merged.length ? merged : [{ d: 1, s: accesses.map(() => 1) }];
  return { shape: dims.map((x) => x.d), strides: accesses.map((_, k) => dims.map((x) => x.s[k]!)) };
}

function store(f: FnBuilder, dtype: DType, ptr: Expr, value: Expr): Expr {
  return dtype === "f32" ? f.f32.store(0, 4, ptr, value) : f.i32.store(0, 4, ptr, value);
}
/** A constant operand's value, on 4 lanes when `vector`. */
export function immediate(f: FnBuilder, dtype: DType, v: number, vector: boolean): Expr {
  if (dtype === "f32") return vector ? f.splatF32(v) : f.cf32(v);
  return vector ? f.splatI32(v) : f.c32(v);
}

/**
 * The element at `ptr` + `offset` bytes, by dtype; with `vector`, 4 lanes: 4 consecutive elements,
 * or the one element splat when the access does not move along the vector's axis (`broadcast`).
 */
export function loadElement(
  f: FnBuilder,
  dtype: DType,
  ptr: Expr,
  vector: boolean,
  broadcast: boolean,
  offset = 0,
): Expr {
  if (vector) return broadcast ? f.v128.load32_splat(offset, 4, ptr) : f.v128.load(offset, 4, ptr);
  return dtype === "f32" ? f.f32.load(offset, 4, ptr) : f.i32.load(offset, 4, ptr);
}

/**
 * Emits `out = body(operands)` over `shape`. The output is an Access too (a pad or concat writes
 * into part of a larger buffer); with several outputs (all walked alike), the body returns one
 * value per output. `simd` enables the vector inner loop.
 */
export function emitMap(
  f: FnBuilder,
  shape: Shape,
  outs: Access | readonly Access[],
  operands: readonly MapOperand[],
  body: MapBody,
  simd: boolean,
): void {
  const outList: readonly Access[] = Array.isArray(outs) ? outs : [outs as Access];
  const out = outList[0]!;
  const accesses = [...outList, ...operands.filter(isAccess)];
  const { shape: dims, strides } = collapse(shape, accesses);
  const rank = dims.length;
  const inner = dims[rank - 1]!;
  const outStrides = strides[0]!;
  if (strides.slice(1, outList.length).some((s) => s.some((x, i) => x !== outStrides[i]))) {
    throw new Error("internal: the outputs of a map are walked differently");
  }
  const opStrides = new Map<MapOperand, number[]>();
  operands.filter(isAccess).forEach((o, k) => opStrides.set(o, strides[k + outList.length]!));

  const vectorize =
    simd &&
    body.vector !== undefined &&
    inner >= 4 &&
    outStrides[rank - 1] === 1 &&
    operands.every((o) => !isAccess(o) || [0, 1].includes(opStrides.get(o)![rank - 1]!));

  // Row pointers: the address of each access at the start of the current innermost run.
  const outPtrs = outList.map(() => f.local("i32"));
  const outPtr = outPtrs[0]!;
  const ptrs = new Map<MapOperand, Local>();
  for (const o of operands) if (isAccess(o)) ptrs.set(o, f.local("i32"));
  const counters = dims.slice(0, -1).map(() => f.local("i32"));
  const j = f.local("i32");

  const rowAddress = (base: number, s: readonly number[]): Expr => {
    let e = f.c32(base);
    counters.forEach((c, axis) => {
      if (s[axis] !== 0) e = f.i32.add(e, f.i32.mul(f.get(c), f.c32(s[axis]! * 4)));
    });
    return e;
  };
  // The flat output index of element j of the current row (outputs of index-dependent ops such
  // as random_uniform are whole contiguous buffers, so this is (address - base) / 4).
  const flatAt = (jExpr: () => Expr) => () =>
    f.i32.add(f.i32.shr_u(f.i32.sub(f.get(outPtr), f.c32(out.base)), f.c32(2)), jExpr());

  const element = (vector: boolean, jExpr: () => Expr): Expr => {
    const values = operands.map((o) => {
      if (!isAccess(o)) return immediate(f, o.dtype, o.immediate, vector);
      const s = opStrides.get(o)![rank - 1]!;
      const ptr = f.get(ptrs.get(o)!);
      if (s === 0) return loadElement(f, o.dtype, ptr, vector, true);
      return loadElement(f, o.dtype, f.i32.add(ptr, f.i32.mul(jExpr(), f.c32(s * 4))), vector, false);
    });
    const result = vector ? body.vector!(f, values, flatAt(jExpr)) : body.scalar(f, values, flatAt(jExpr));
    const dst = (k: number) =>
      f.i32.add(f.get(outPtrs[k]!), f.i32.mul(jExpr(), f.c32(outStrides[rank - 1]! * 4)));
    const put = (k: number, v: Expr) =>
      vector ? f.v128.store(0, 4, dst(k), v) : store(f, outList[k]!.dtype, dst(k), v);
    if (typeof result === "number") return put(0, result);
    if (result.results.length !== outList.length) throw new Error("internal: a map body's results");
    return f.block([...result.stmts, ...result.results.map((v, k) => put(k, v))]);
  };

  const row = (): Expr[] => {
    const stmts: Expr[] = outList.map((o, k) => f.set(outPtrs[k]!, rowAddress(o.base, outStrides)));
    for (const [o, p] of ptrs) stmts.push(f.set(p, rowAddress((o as Access).base, opStrides.get(o)!)));
    const vecEnd = vectorize ? inner - (inner % 4) : 0;
    if (vecEnd > 0) stmts.push(f.forLoop(j, f.c32(0), f.c32(vecEnd), 4, () => element(true, () => f.get(j))));
    if (vecEnd < inner)
      stmts.push(f.forLoop(j, f.c32(vecEnd), f.c32(inner), 1, () => element(false, () => f.get(j))));
    return stmts;
  };

  const nest = (axis: number): Expr | Expr[] =>
    axis === rank - 1
      ? row()
      : f.forLoop(counters[axis]!, f.c32(0), f.c32(dims[axis]!), 1, () => nest(axis + 1));
  const code = nest(0);
  f.emit(...(Array.isArray(code) ? code : [code]));
}

export function contiguousStrides(shape: Shape): number[] {
  return broadcastStrides(shape, shape);
}
