/**
 * matmul: C[b] = op(A[b]) · op(B[b]) for every batch index b (batch axes broadcast).
 *
 * SIMD: a register-blocked micro-kernel computes a 4×8 tile of C in eight f32x4 accumulators
 * (plus 4×4 tiles and scalar columns at the edges), looping row block → column panel; see
 * matmulTuning for when B is packed first. Per k step it loads one row segment of B (two
 * vectors) and splats one element of A per row (v128.load32_splat), so a transposed A is read in
 * place with a different stride. A transposed B is first packed into row-major order in scratch.
 * Without SIMD: an i-k-j loop with a scalar inner product row.
 */
import { broadcastShapes, type Shape } from "../../ir/shape.js";
import { reservedBytes, type Buffer } from "../layout.js";
import type { Expr, Local } from "../module.js";
import type { LowerContext } from "./context.js";
import { address, nest } from "./loops.js";
import { broadcastStrides } from "./map.js";

const MR = 4;

/** M, K, N of op(A)·op(B): op(A) is M×K, op(B) is K×N. */
function matmulDims(
  a: Shape,
  b: Shape,
  transA: boolean,
  transB: boolean,
): { M: number; K: number; N: number } {
  const ra = a.length;
  const rb = b.length;
  return {
    M: transA ? a[ra - 1]! : a[ra - 2]!,
    K: transA ? a[ra - 2]! : a[ra - 1]!,
    N: transB ? b[rb - 2]! : b[rb - 1]!,
  };
}

/** Whether the SIMD core packs the full 8-column panels of B (see matmulTuning). */
function packsPanels(M: number, N: number): boolean {
  return matmulTuning.packB && M >= matmulTuning.packMinRows && N - (N % 8) > 0;
}

/**
 * The kernel-internal scratch a matmul needs, in bytes, known before lowering so that the memory
 * planner can give it a place in the arena: the transposed-B pack (K·N floats) when transB, and
 * with SIMD the panel pack of B (N8·K floats) when packing applies. Each is one `c.scratch`
 * request of emitMatmul, in that order; both are live during the whole kernel.
 */
export function matmulScratchBytes(
  a: Shape,
  b: Shape,
  transA: boolean,
  transB: boolean,
  simd: boolean,
): number {
  const { M, K, N } = matmulDims(a, b, transA, transB);
  let bytes = 0;
  if (transB) bytes += reservedBytes(K * N * 4);
  if (simd && packsPanels(M, N)) bytes += reservedBytes((N - (N % 8)) * K * 4);
  return bytes;
}

export function emitMatmul(
  c: LowerContext,
  a: Buffer,
  b: Buffer,
  out: Buffer,
  transA: boolean,
  transB: boolean,
): void {
  const { f } = c;
  const { M, K, N } = matmulDims(a.shape, b.shape, transA, transB);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const aStrides = broadcastStrides(a.shape.slice(0, -2), batch).map((s) => s * M * K);
  const bStrides = broadcastStrides(b.shape.slice(0, -2), batch).map((s) => s * K * N);
  const cStrides = broadcastStrides(batch, batch).map((s) => s * M * N);
  const packed = transB ? c.scratch(K * N * 4) : 0;

  const aBase = f.local("i32");
  const bBase = f.local("i32");
  const cBase = f.local("i32");
  f.emit(
    ...nest(f, batch, (bc) => {
      const stmts: Expr[] = [
        f.set(aBase, address(f, f.c32(a.offset), bc, aStrides)),
        f.set(bBase, address(f, f.c32(b.offset), bc, bStrides)),
        f.set(cBase, address(f, f.c32(out.offset), bc, cStrides)),
      ];
      if (transB) {
        // pack Bᵀ: P[k, n] = B[n, k]
        stmts.push(
          ...nest(f, [N, K], ([n, k]) => [
            f.f32.store(
              0,
              4,
              f.i32.add(
                f.c32(packed),
                f.i32.shl(f.i32.add(f.i32.mul(f.get(k!), f.c32(N)), f.get(n!)), f.c32(2)),
              ),
              f.f32.load(
                0,
                4,
                f.i32.add(
                  f.get(bBase),
                  f.i32.shl(f.i32.add(f.i32.mul(f.get(n!), f.c32(K)), f.get(k!)), f.c32(2)),
                ),
              ),
            ),
          ]),
          f.set(bBase, f.c32(packed)),
        );
      }
      stmts.push(
        ...(c.simd
          ? simdCore(c, aBase, bBase, cBase, M, K, N, transA)
          : scalarCore(c, aBase, bBase, cBase, M, K, N, transA)),
      );
      return stmts;
    }),
  );
}

/** Address of A'(i, k) for A' = op(A), as a base pointer plus per-row / per-k steps in bytes. */
function aSteps(M: number, K: number, transA: boolean): { row: number; k: number } {
  return transA ? { row: 4, k: M * 4 } : { row: K * 4, k: 4 };
}

/**
 * `packB`: with at least `packMinRows` rows of A, the full 8-column panels of B are first copied
 * into panel-major order ([N/8][K][8]), so that each tile streams one contiguous panel and uses
 * whole cache lines (row-major B gives a tile only 32 bytes of each row, 4·N bytes apart). With
 * few rows (batch-1 inference) the copy would cost as much as the product, so B is read in place.
 * Exposed so that benchmarks can compare settings; bench/RESULTS.md has the measurements.
 */
export const matmulTuning = { packB: true, packMinRows: 16 };

function simdCore(
  c: LowerContext,
  aBase: Local,
  bBase: Local,
  cBase: Local,
  M: number,
  K: number,
  N: number,
  transA: boolean,
): Expr[] {
  const { f } = c;
  const step = aSteps(M, K, transA);
  const N8 = N - (N % 8);
  const N4 = N - (N % 4);
  const M4 = M - (M % MR);
  const packed = packsPanels(M, N) ? c.scratch(N8 * K * 4) : -1;
  const i0 = f.local("i32");
  const j0 = f.local("i32");
  const k = f.local("i32");
  const pa = f.local("i32");
  const pb = f.local("i32");
  const cAt = (row: Expr, col: Expr) =>
    f.i32.add(f.get(cBase), f.i32.shl(f.i32.add(f.i32.mul(row, f.c32(N)), col), f.c32(2)));

  /** A tile of mr rows × nv vectors (4 columns each) at (i0, j0); `panel` reads packed B. */
  const tile = (mr: number, nv: number, panel: boolean): Expr[] => {
    const acc = Array.from({ length: mr }, () => Array.from({ length: nv }, () => f.local("v128")));
    const bv = Array.from({ length: nv }, () => f.local("v128"));
    const av = f.local("v128");
    const bStep = panel ? 32 : N * 4;
    return [
      ...acc.flat().map((l) => f.set(l, f.splatF32(0))),
      f.set(pa, f.i32.add(f.get(aBase), f.i32.mul(f.get(i0), f.c32(step.row)))),
      // packed panel j0/8 starts at packed + (j0/8)·K·32 = packed + j0·K·4
      f.set(
        pb,
        panel
          ? f.i32.add(f.c32(packed), f.i32.mul(f.get(j0), f.c32(K * 4)))
          : f.i32.add(f.get(bBase), f.i32.shl(f.get(j0), f.c32(2))),
      ),
      f.forLoop(k, f.c32(0), f.c32(K), 1, () => [
        ...bv.map((v, q) => f.set(v, f.v128.load(q * 16, 4, f.get(pb)))),
        ...acc.flatMap((row, r) => [
          f.set(av, f.v128.load32_splat(r * step.row, 4, f.get(pa))),
          ...row.map((l, q) => f.set(l, f.f32x4.add(f.get(l), f.f32x4.mul(f.get(av), f.get(bv[q]!))))),
        ]),
        f.set(pa, f.i32.add(f.get(pa), f.c32(step.k))),
        f.set(pb, f.i32.add(f.get(pb), f.c32(bStep))),
      ]),
      ...acc.flatMap((row, r) =>
        row.map((l, q) => f.v128.store((r * N + q * 4) * 4, 4, cAt(f.get(i0), f.get(j0)), f.get(l))),
      ),
    ];
  };

  /** Columns from `from` to N (fewer than four): scalar dot products, every row. */
  const narrowColumns = (from: number): Expr[] => {
    if (from >= N) return [];
    const acc = f.local("f32");
    const i = f.local("i32");
    const j = f.local("i32");
    return [
      f.forLoop(j, f.c32(from), f.c32(N), 1, () =>
        f.forLoop(i, f.c32(0), f.c32(M), 1, () => [
          f.set(acc, f.cf32(0)),
          f.set(pa, f.i32.add(f.get(aBase), f.i32.mul(f.get(i), f.c32(step.row)))),
          f.set(pb, f.i32.add(f.get(bBase), f.i32.shl(f.get(j), f.c32(2)))),
          f.forLoop(k, f.c32(0), f.c32(K), 1, () => [
            f.set(
              acc,
              f.f32.add(f.get(acc), f.f32.mul(f.f32.load(0, 4, f.get(pa)), f.f32.load(0, 4, f.get(pb)))),
            ),
            f.set(pa, f.i32.add(f.get(pa), f.c32(step.k))),
            f.set(pb, f.i32.add(f.get(pb), f.c32(N * 4))),
          ]),
          f.f32.store(0, 4, cAt(f.get(i), f.get(j)), f.get(acc)),
        ]),
      ),
    ];
  };

  /** Every column panel of the row block at i0, mr rows high. */
  const columns = (mr: number): Expr[] => [
    ...(N8 > 0 ? [f.forLoop(j0, f.c32(0), f.c32(N8), 8, () => tile(mr, 2, packed >= 0))] : []),
    ...(N4 > N8 ? [f.set(j0, f.c32(N8)), ...tile(mr, 1, false)] : []),
  ];
  const pack: Expr[] =
    packed < 0
      ? []
      : [
          // P[j0/8][k][0..8] = B'[k][j0..j0+8], two vectors per (panel, k)
          f.forLoop(j0, f.c32(0), f.c32(N8), 8, () => [
            f.set(pa, f.i32.add(f.c32(packed), f.i32.mul(f.get(j0), f.c32(K * 4)))),
            f.set(pb, f.i32.add(f.get(bBase), f.i32.shl(f.get(j0), f.c32(2)))),
            f.forLoop(k, f.c32(0), f.c32(K), 1, () => [
              f.v128.store(0, 4, f.get(pa), f.v128.load(0, 4, f.get(pb))),
              f.v128.store(16, 4, f.get(pa), f.v128.load(16, 4, f.get(pb))),
              f.set(pa, f.i32.add(f.get(pa), f.c32(32))),
              f.set(pb, f.i32.add(f.get(pb), f.c32(N * 4))),
            ]),
          ]),
        ];
  return [
    ...pack,
    ...(M4 > 0 ? [f.forLoop(i0, f.c32(0), f.c32(M4), MR, () => columns(MR))] : []),
    ...(M4 < M ? [f.set(i0, f.c32(M4)), ...columns(M - M4)] : []),
    ...narrowColumns(N4),
  ];
}

function scalarCore(
  c: LowerContext,
  aBase: Local,
  bBase: Local,
  cBase: Local,
  M: number,
  K: number,
  N: number,
  transA: boolean,
): Expr[] {
  const { f } = c;
  const step = aSteps(M, K, transA);
  const [i, k, j] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const av = f.local("f32");
  const crow = f.local("i32");
  const brow = f.local("i32");
  return [
    f.forLoop(i, f.c32(0), f.c32(M), 1, () => [
      f.set(crow, f.i32.add(f.get(cBase), f.i32.mul(f.get(i), f.c32(N * 4)))),
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
        f.forLoop(j, f.c32(0), f.c32(N), 1, () => {
          const off = f.i32.shl(f.get(j), f.c32(2));
          return f.f32.store(
            0,
            4,
            f.i32.add(f.get(crow), off),
            f.f32.add(
              f.f32.load(0, 4, f.i32.add(f.get(crow), f.i32.shl(f.get(j), f.c32(2)))),
              f.f32.mul(f.get(av), f.f32.load(0, 4, f.i32.add(f.get(brow), f.i32.shl(f.get(j), f.c32(2))))),
            ),
          );
        }),
      ]),
    ]),
  ];
}
