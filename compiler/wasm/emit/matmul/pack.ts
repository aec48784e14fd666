/**
 * The SIMD matmul core's packing (see MatmulPlan): B' = op(B) copied into column panels of W
 * columns ([N/W][K][W]; panel j0/W at bPanels + j0·K·4), then with a transposed B the N4 − NW
 * remaining full vectors in one narrower panel at the same formula, and the last N % 4 columns
 * zero-padded to one vector per k (the tail panel). A transposed B is always packed, every column
 * in one pass ("gather"); otherwise the full panels are packed when the plan says so ("panels"),
 * by the first row block as it reads B in place (packAsWeGo) or, without a full row block, in a
 * pass of their own. And a transposed A's full row blocks are copied to a [K][4] slab before
 * their column panels (aSlab).
 */
import type { Expr } from "../../module.js";
import type { Core } from "./core.js";

/** The packing of B that runs before the row blocks (everything but the packing as we go). */
export function packB(core: Core): Expr[] {
  const { f } = core.c;
  const { plan, scratch, j0 } = core;
  const { K, N, panelWidth: W, panelColumns: NW, vectorColumns: N4 } = plan;
  const packed = scratch.bPanels;
  const tailPanel = scratch.tailPanel;
  return [
    ...(packed !== undefined && !plan.packAsWeGo && NW > 0
      ? [
          f.forLoop(j0, f.c32(0), f.c32(NW), W, () =>
            packColumns(core, f.i32.add(f.c32(packed), f.i32.mul(f.get(j0), f.c32(K * 4))), f.get(j0), W, W),
          ),
        ]
      : []),
    ...(plan.transB && N4 > NW
      ? packColumns(core, f.c32(packed! + NW * K * 4), f.c32(NW), N4 - NW, N4 - NW)
      : []),
    ...(tailPanel !== undefined
      ? [
          f.memfill(f.c32(tailPanel), f.c32(0), f.c32(K * 16)),
          ...packColumns(core, f.c32(tailPanel), f.c32(N4), N - N4, 4),
        ]
      : []),
  ];
}

/**
 * Copies B'[k][j + c] (c < width) to P[k][c] (rows of `stride` floats from `to`) for every k;
 * `to` and `j` are expressions (evaluated once).
 */
function packColumns(core: Core, to: Expr, j: Expr, width: number, stride: number): Expr[] {
  const { f } = core.c;
  const { plan, pa, pb, k } = core;
  const { K, N, transB } = plan;
  return [
    f.set(pa, to),
    // B'[k][j] is B[j][k] (transposed) or B[k][j]
    f.set(pb, f.i32.add(f.get(core.bBase), f.i32.shl(transB ? f.i32.mul(j, f.c32(K)) : j, f.c32(2)))),
    f.forLoop(k, f.c32(0), f.c32(K), 1, () => [
      ...(transB || width % 4 !== 0
        ? Array.from({ length: width }, (_, c) =>
            f.f32.store(c * 4, 4, f.get(pa), f.f32.load(transB ? c * K * 4 : c * 4, 4, f.get(pb))),
          )
        : Array.from({ length: width / 4 }, (_, q) =>
            f.v128.store(q * 16, 4, f.get(pa), f.v128.load(q * 16, 4, f.get(pb))),
          )),
      f.set(pa, f.i32.add(f.get(pa), f.c32(stride * 4))),
      f.set(pb, f.i32.add(f.get(pb), f.c32(transB ? 4 : N * 4))),
    ]),
  ];
}

/**
 * Copies op(A)'s rows i0 .. i0+3 (4 adjacent floats of each row of a transposed A) to the slab,
 * for a full row block (`mr` = plan.mr) when the plan has a slab; nothing otherwise.
 */
export function packSlab(core: Core, mr: number): Expr[] {
  const { f } = core.c;
  const { plan, scratch } = core;
  if (scratch.aSlab === undefined || mr !== plan.mr) return [];
  const [src, dst] = [f.local("i32"), f.local("i32")];
  return [
    f.set(src, f.i32.add(f.get(core.aBase), f.i32.shl(f.get(core.i0), f.c32(2)))),
    f.set(dst, f.c32(scratch.aSlab)),
    f.forLoop(core.k, f.c32(0), f.c32(plan.K), 1, () => [
      f.v128.store(0, 4, f.get(dst), f.v128.load(0, 4, f.get(src))),
      f.set(src, f.i32.add(f.get(src), f.c32(plan.M * 4))),
      f.set(dst, f.i32.add(f.get(dst), f.c32(16))),
    ]),
  ];
}
