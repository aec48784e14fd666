/**
 * The matmul kernel without SIMD: an i-k-j loop with a scalar inner product row. A transposed B is
 * first packed into row-major order (plan.packB "rows"). With an epilogue, each row is accumulated
 * in scratch (plan.scratch accRow) and then stored through the epilogue element by element: an
 * epilogue operand may share the output's bytes, so it must be read before the output row is
 * written.
 */
import type { Expr, FnBuilder, Local } from "../../module.js";
import type { LowerContext } from "../context.js";
import { nest } from "../loops.js";
import type { MatmulPlan } from "./plan.js";
import type { TileStores } from "./stores.js";

/** Packs Bᵀ (B is N×K at bBase) into row-major K×N at `packed`: P[k, n] = B[n, k]; then bBase = packed. */
export function packTransposedB(f: FnBuilder, plan: MatmulPlan, bBase: Local, packed: number): Expr[] {
  const { K, N } = plan;
  return [
    ...nest(f, [N, K], ([n, k]) => [
      f.f32.store(
        0,
        4,
        f.i32.add(f.c32(packed), f.i32.shl(f.i32.add(f.i32.mul(f.get(k!), f.c32(N)), f.get(n!)), f.c32(2))),
        f.f32.load(
          0,
          4,
          f.i32.add(f.get(bBase), f.i32.shl(f.i32.add(f.i32.mul(f.get(n!), f.c32(K)), f.get(k!)), f.c32(2))),
        ),
      ),
    ]),
    f.set(bBase, f.c32(packed)),
  ];
}

/**
 * The scalar product of one batch element: straight into the output's rows without an epilogue,
 * else a row at a time into the scratch row `accRow` (an absolute address), then through the
 * epilogue into the outputs.
 */
export function scalarMatmul(
  c: LowerContext,
  plan: MatmulPlan,
  aBase: Local,
  bBase: Local,
  ts: TileStores,
  accRow: number | undefined,
): Expr[] {
  const { f } = c;
  if (accRow === undefined) {
    // accumulate straight into the output's rows
    return scalarCore(c, plan, aBase, bBase, (i) => ts.at(ts.outAccess[0]!, i, f.c32(0)));
  }
  const j = f.local("i32");
  return scalarCore(
    c,
    plan,
    aBase,
    bBase,
    () => f.c32(accRow),
    (i) => [
      f.forLoop(j, f.c32(0), f.c32(plan.N), 1, () =>
        ts.stores.scalar(
          f.f32.load(0, 4, f.i32.add(f.c32(accRow), f.i32.shl(f.get(j), f.c32(2)))),
          () => f.get(i),
          () => f.get(j),
        ),
      ),
    ],
  );
}

/**
 * i-k-j: each row of C is accumulated at `rowAt(i)` (the output's row, or a scratch row that
 * `finishRow` then stores through the epilogue).
 */
function scalarCore(
  c: LowerContext,
  plan: MatmulPlan,
  aBase: Local,
  bBase: Local,
  rowAt: (i: Expr) => Expr,
  finishRow?: (i: Local) => Expr[],
): Expr[] {
  const { f } = c;
  const { M, K, N } = plan;
  const step = plan.aStep;
  const [i, k, j] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const av = f.local("f32");
  const crow = f.local("i32");
  const brow = f.local("i32");
  const elementAt = (row: Local) => f.i32.add(f.get(row), f.i32.shl(f.get(j), f.c32(2)));
  return [
    f.forLoop(i, f.c32(0), f.c32(M), 1, () => [
      f.set(crow, rowAt(f.get(i))),
      f.memfill(f.get(crow), f.c32(0), f.c32(N * 4)),
      f.forLoop(k, f.c32(0), f.c32(K), 1, () => [
        f.set(
          av,
          f.f32.load(
            0,
            4,
            f.i32.add(
              f.get(aBase),
              f.i32.add(f.i32.mul(f.get(i), f.c32(step.row)), f.i32.mul(f.get(k), f.c32(step.k))),
            ),
          ),
        ),
        f.set(brow, f.i32.add(f.get(bBase), f.i32.mul(f.get(k), f.c32(N * 4)))),
        f.forLoop(j, f.c32(0), f.c32(N), 1, () =>
          f.f32.store(
            0,
            4,
            elementAt(crow),
            f.f32.add(
              f.f32.load(0, 4, elementAt(crow)),
              f.f32.mul(f.get(av), f.f32.load(0, 4, elementAt(brow))),
            ),
          ),
        ),
      ]),
      ...(finishRow ? finishRow(i) : []),
    ]),
  ];
}
