/** Small loop helpers shared by the structured kernels. */
import type { Expr, FnBuilder, Local } from "../module.js";

/** Stores `value` (as f32 or i32) into n elements at `offset`: a scalar loop, valid with or without SIMD. */
export function fillLoop(f: FnBuilder, offset: number, n: number, value: number, dtype: "f32" | "i32"): Expr {
  const i = f.local("i32");
  return f.forLoop(i, f.c32(0), f.c32(n), 1, () => {
    const ptr = f.i32.add(f.c32(offset), f.i32.shl(f.get(i), f.c32(2)));
    return dtype === "f32" ? f.f32.store(0, 4, ptr, f.cf32(value)) : f.i32.store(0, 4, ptr, f.c32(value));
  });
}

/** Nested `for` loops over `dims` (0-based counters); `body` sees the counters. */
export function nest(
  f: FnBuilder,
  dims: readonly number[],
  body: (counters: readonly Local[]) => Expr[],
): Expr[] {
  const counters = dims.map(() => f.local("i32"));
  const level = (axis: number): Expr[] =>
    axis === dims.length
      ? body(counters)
      : [f.forLoop(counters[axis]!, f.c32(0), f.c32(dims[axis]!), 1, () => level(axis + 1))];
  return level(0);
}

/** base + Σ counter·stride·4 as an i32 byte address. */
export function address(
  f: FnBuilder,
  base: Expr,
  counters: readonly Local[],
  strides: readonly number[],
): Expr {
  let e = base;
  counters.forEach((c, i) => {
    if (strides[i]) e = f.i32.add(e, f.i32.mul(f.get(c), f.c32(strides[i]! * 4)));
  });
  return e;
}
