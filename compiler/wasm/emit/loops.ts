/** Small loop helpers shared by the structured kernels. */
import type { Expr, FnBuilder, Local } from "../module.js";

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
