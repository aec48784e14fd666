/**
 * matmul: C[b] = op(A[b]) · op(B[b]) for every batch index b (batch axes broadcast), alone or as
 * the head of a fusion whose epilogue (bias, activation, any elementwise chain) is applied to each
 * tile of C before it is stored.
 *
 * SIMD: a register-blocked micro-kernel computes a 4×8 tile of C in eight f32x4 accumulators
 * (plus a 4×4 tile and a zero-padded tail panel for the last N % 4 columns at the edge; blocks of
 * 1 or 2 rows reading B in place use 1×24 and 2×16 tiles), looping row block → column panel; see matmulTuning for when B is packed first. Per k step it loads one
 * row segment of B (two vectors) and splats one element of A per row (v128.load32_splat), so a
 * transposed A is read with a different stride: in place, or, for a full row block with enough k
 * steps and column panels, from a contiguous slab copied first (packsASlab). A transposed B (the products the
 * matmul VJPs create) is gathered straight into the panels, every column, in one pass. The tile's stores run the epilogue on the accumulators, reading the
 * epilogue's operands at the tile's position (so an output may be written over such an operand).
 *
 * Without SIMD: an i-k-j loop with a scalar inner product row; with an epilogue, the row is
 * accumulated in scratch and then stored through the epilogue element by element.
 */
import { broadcastShapes, type Shape } from "../../ir/shape.js";
import { reservedBytes, type Buffer } from "../../plan/layout.js";
import type { Expr, Local } from "../module.js";
import type { LowerContext } from "./context.js";
import { address, nest } from "./loops.js";
import {
  broadcastStrides,
  contiguousStrides,
  immediate,
  loadElement,
  type Access,
  type MapOperand,
} from "./map.js";
import type { Results } from "./reduce.js";

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

/** Whether the SIMD core packs the full column panels of B (see matmulTuning). */
function packsPanels(M: number, N: number): boolean {
  const W = 4 * matmulTuning.nv;
  return matmulTuning.packB && M >= matmulTuning.packMinRows && N - (N % W) > 0;
}

/**
 * Whether the SIMD core copies each full row block of a transposed A into a contiguous [K][4] slab
 * before its column panels (matmulTuning.packA): in place, a weight gradient Xᵀ·G reads 4 adjacent
 * floats of each row of X per k step, a 64-byte line for 16 bytes, again for every column panel.
 * Worth it from 16 k steps and two panels of reuse (W2's three weight gradients: 4% of its step).
 */
function packsASlab(M: number, K: number, N: number, transA: boolean): boolean {
  return matmulTuning.packA && transA && M >= matmulTuning.mr && K >= 16 && N >= 8 * matmulTuning.nv;
}

/**
 * The kernel-internal scratch a matmul needs, in bytes, known before lowering so that the memory
 * planner can give it a place in the arena. With SIMD: for a transposed B, its panels with every
 * column (K·roundup(N, 4) floats); otherwise the panel pack of B (N8·K floats) when packing applies
 * and the padded tail panel (4·K floats) when N % 4 ≠ 0. Without SIMD: the row-major pack of a
 * transposed B (K·N floats) and, with an epilogue, one accumulator row (N floats). Each is one
 * `c.scratch` request of emitMatmul, in that order; all are live during the whole kernel.
 */
export function matmulScratchBytes(
  a: Shape,
  b: Shape,
  transA: boolean,
  transB: boolean,
  simd: boolean,
  epilogue = false,
): number {
  const { M, K, N } = matmulDims(a, b, transA, transB);
  const N4 = N - (N % 4);
  if (!simd) return (transB ? reservedBytes(K * N * 4) : 0) + (epilogue ? reservedBytes(N * 4) : 0);
  // the A slab comes last (see simdCore)
  const slab = packsASlab(M, K, N, transA) ? reservedBytes(K * 16) : 0;
  // a transposed B: every column in one request (see simdCore)
  if (transB) return reservedBytes(K * (N4 < N ? N4 + 4 : N4) * 4) + slab;
  let bytes = 0;
  if (packsPanels(M, N)) bytes += reservedBytes((N - (N % (4 * matmulTuning.nv))) * K * 4);
  if (N4 < N) bytes += reservedBytes(K * 16);
  return bytes + slab;
}

/**
 * What happens to the product before it is stored (a fusion's epilogue, see emit/fusion.ts): the
 * values written into each output at the current element (or, `vector`, four columns), computed
 * from the product `acc`; `load(o)` reads an epilogue operand there (its strides are over the
 * product's shape; 0 or 1 along the columns).
 */
export interface Epilogue {
  /** Whether every instruction has a vector form; if not, tiles are stored lane by lane. */
  readonly vectorizable: boolean;
  apply(acc: Expr, load: (o: MapOperand) => Expr, vector: boolean): Results;
}

const IDENTITY: Epilogue = { vectorizable: true, apply: (acc) => ({ stmts: [], results: [acc] }) };

/**
 * Emits C = op(A)·op(B) into `outs` (the product, or with an epilogue the fusion's results; all of
 * the product's shape).
 */
export function emitMatmul(
  c: LowerContext,
  a: Buffer,
  b: Buffer,
  outs: Buffer | readonly Buffer[],
  transA: boolean,
  transB: boolean,
  epilogue?: Epilogue,
): void {
  const { f } = c;
  const outList: readonly Buffer[] = Array.isArray(outs) ? outs : [outs as Buffer];
  const out = outList[0]!;
  const { M, K, N } = matmulDims(a.shape, b.shape, transA, transB);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const aStrides = broadcastStrides(a.shape.slice(0, -2), batch).map((s) => s * M * K);
  const bStrides = broadcastStrides(b.shape.slice(0, -2), batch).map((s) => s * K * N);
  // without SIMD, a transposed B is first packed into row-major order (the SIMD core packs it
  // straight into its panels)
  const packed = transB && !c.simd ? c.scratch(K * N * 4) : 0;

  const aBase = f.local("i32");
  const bBase = f.local("i32");
  // every access the stores make, positioned at the current batch element: outputs, operands
  const sites = new Map<Access, Local>();
  const siteOf = (o: Access): Local => {
    let l = sites.get(o);
    if (!l) sites.set(o, (l = f.local("i32")));
    return l;
  };
  const outAccess: Access[] = outList.map((o) => ({
    base: o.offset,
    strides: contiguousStrides(o.shape),
    dtype: o.dtype,
  }));
  const rank = out.shape.length;
  /** Byte address of access `o` at (row, col) of the current batch element. */
  const at = (o: Access, row: Expr, col: Expr): Expr =>
    f.i32.add(
      f.get(siteOf(o)),
      f.i32.add(
        f.i32.mul(row, f.c32(o.strides[rank - 2]! * 4)),
        f.i32.mul(col, f.c32(o.strides[rank - 1]! * 4)),
      ),
    );
  // In the SIMD tiles every access is addressed from its position at the tile's corner (i0, j0),
  // set once per tile, plus a constant offset: no address arithmetic per store.
  const corners = new Map<Access, Local>();
  const cornerOf = (o: Access): Local => {
    let l = corners.get(o);
    if (!l) corners.set(o, (l = f.local("i32")));
    return l;
  };
  /** Where an element is: anywhere (row and column expressions), or (r, c) from the tile's corner. */
  type Place = { row: () => Expr; col: () => Expr } | { r: number; c: number };
  /** Pointer and constant offset of access `o` at `place`. */
  const addressOf = (o: Access, place: Place): [Expr, number] =>
    "r" in place
      ? [f.get(cornerOf(o)), (place.r * o.strides[rank - 2]! + place.c * o.strides[rank - 1]!) * 4]
      : [at(o, place.row(), place.col()), 0];
  const store = (o: Access, [p, off]: [Expr, number], v: Expr, vector: boolean): Expr =>
    vector
      ? f.v128.store(off, 4, p, v)
      : o.dtype === "f32"
        ? f.f32.store(off, 4, p, v)
        : f.i32.store(off, 4, p, v);
  /** Stores the (epilogue of the) product value `acc` at `place`: 4 columns when `vector`. */
  const put = (acc: Expr, place: Place, vector: boolean): Expr[] => {
    const epi = epilogue ?? IDENTITY;
    const load = (o: MapOperand): Expr => {
      if (!("base" in o)) return immediate(f, o.dtype, o.immediate, vector);
      const [p, off] = addressOf(o, place);
      return loadElement(f, o.dtype, p, vector, o.strides[rank - 1] === 0, off);
    };
    const { stmts, results } = epi.apply(acc, load, vector);
    return [...stmts, ...outAccess.map((o, k) => store(o, addressOf(o, place), results[k]!, vector))];
  };
  const stores: Stores = {
    tile: (acc, r, c, lanes) => {
      if (lanes === 4 && (epilogue?.vectorizable ?? true)) return put(f.get(acc), { r, c }, true);
      return Array.from({ length: lanes }, (_, l) =>
        put(f.f32x4.extract_lane(f.get(acc), l), { r, c: c + l }, false),
      ).flat();
    },
    corner: (i0, j0) => [...corners].map(([o, l]) => f.set(l, at(o, f.get(i0), f.get(j0)))),
    scalar: (acc, row, col) => put(acc, { row, col }, false),
  };

  f.emit(
    ...nest(f, batch, (bc) => {
      const stmts: Expr[] = [
        f.set(aBase, address(f, f.c32(a.offset), bc, aStrides)),
        f.set(bBase, address(f, f.c32(b.offset), bc, bStrides)),
      ];
      if (transB && !c.simd) {
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
      let core: Expr[];
      if (c.simd) core = simdCore(c, aBase, bBase, stores, M, K, N, transA, transB);
      else if (!epilogue && outList.length === 1) {
        // accumulate straight into the output's rows
        core = scalarCore(c, aBase, bBase, M, K, N, transA, (i) => at(outAccess[0]!, i, f.c32(0)));
      } else {
        // accumulate a row in scratch, then store its epilogue (an epilogue operand may share
        // the output's bytes: it must be read before the output row is written)
        const row = c.scratch(N * 4);
        const j = f.local("i32");
        core = scalarCore(
          c,
          aBase,
          bBase,
          M,
          K,
          N,
          transA,
          () => f.c32(row),
          (i) => [
            f.forLoop(j, f.c32(0), f.c32(N), 1, () =>
              stores.scalar(
                f.f32.load(0, 4, f.i32.add(f.c32(row), f.i32.shl(f.get(j), f.c32(2)))),
                () => f.get(i),
                () => f.get(j),
              ),
            ),
          ],
        );
      }
      // positions of the stores' accesses at this batch element (known once the core is built)
      for (const [o, l] of sites) {
        const batchStrides = o.strides.slice(0, rank - 2);
        stmts.push(f.set(l, address(f, f.c32(o.base), bc, batchStrides)));
      }
      stmts.push(...core);
      return stmts;
    }),
  );
}

/**
 * How the cores store results: a tile vector at (r, c) from the tile's corner (`lanes` valid
 * columns), after `corner` has positioned every access the tile stores use at the corner (i0, j0);
 * or one scalar anywhere.
 */
interface Stores {
  tile(acc: Local, r: number, c: number, lanes: number): Expr[];
  corner(i0: Local, j0: Local): Expr[];
  scalar(acc: Expr, row: () => Expr, col: () => Expr): Expr[];
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
 * `mr` × `nv`: the register tile, mr rows × nv vectors of 4 columns. V8 (x64, 16 xmm registers,
 * one reserved) loads the mr splats and nv B vectors of a k step before the multiplies, so a tile
 * needs mr·nv + mr + nv + 1 registers: 4×2 (15) and 2×4 (15) fit, 5×2 or 3×3 spill in the inner
 * loop and run 15–50% slower; explicit k unrolling made V8 hoist the loads of every step and
 * spill as well (measured on W1's and W4's shapes, see bench/README.md).
 * Exposed so that benchmarks can compare settings; bench/RESULTS.md has the measurements.
 */
export const matmulTuning = {
  packB: true,
  /** Copy each full row block of a transposed A into a contiguous slab first (packsASlab). */
  packA: true,
  packMinRows: 16,
  mr: 4,
  nv: 2,
  /**
   * Vectors per tile for a block of 1, 2, 3 rows reading B in place (few rows: batch-1 inference,
   * the last M % 4 rows): 1×6, 2×4 and 3×2 fit the same registers, and a single row needs several
   * independent accumulators to hide the latency of its additions (two chains of 3-cycle adds
   * would otherwise bound it).
   */
  wide: [6, 4, 2] as readonly number[],
};

function simdCore(
  c: LowerContext,
  aBase: Local,
  bBase: Local,
  stores: Stores,
  M: number,
  K: number,
  N: number,
  transA: boolean,
  transB: boolean,
): Expr[] {
  const { f } = c;
  const step = aSteps(M, K, transA);
  const { mr: MR, nv: NV } = matmulTuning;
  const W = 4 * NV;
  const NW = N - (N % W);
  const N4 = N - (N % 4);
  const M4 = M - (M % MR);
  // B' = op(B) in panels of W columns ([N/W][K][W]; panel j0/W at packed + j0·K·4), then with a
  // transposed B the N4 - NW remaining full vectors in one narrower panel at the same formula,
  // and the last N % 4 columns zero-padded to one vector per k. A transposed B is always packed
  // (every column, in one request); otherwise the full panels when packsPanels says so.
  const all = transB ? c.scratch(K * (N4 < N ? N4 + 4 : N4) * 4) : -1;
  const packed = transB ? all : packsPanels(M, N) ? c.scratch(NW * K * 4) : -1;
  const tailPanel = N4 < N ? (transB ? all + N4 * K * 4 : c.scratch(K * 16)) : -1;
  // a transposed A's full row blocks, copied to [K][4] before their column panels (packsASlab)
  const slab = packsASlab(M, K, N, transA) ? c.scratch(K * 16) : -1;
  const i0 = f.local("i32");
  const j0 = f.local("i32");
  const k = f.local("i32");
  const pa = f.local("i32");
  const pb = f.local("i32");
  const pEnd = f.local("i32");
  const pp = f.local("i32");

  /**
   * A tile of mr rows × nv vectors (4 columns each) at (i0, j0), reading B' from `from`: B' in
   * place, the packed panels, or the padded tail panel; `lanes` columns of the last vector are valid.
   */
  const tile = (mr: number, nv: number, from: "b" | "b+pack" | "panel" | "tail", lanes = 4): Expr[] => {
    const acc = Array.from({ length: mr }, () => Array.from({ length: nv }, () => f.local("v128")));
    const bv = Array.from({ length: nv }, () => f.local("v128"));
    const av = f.local("v128");
    const bStep = from === "panel" ? nv * 16 : from === "tail" ? 16 : N * 4;
    // A: the slab of a full row block, or A in place
    const fromSlab = slab >= 0 && mr === MR;
    const aStep = fromSlab ? { row: 4, k: 16 } : step;
    /**
     * One k step: acc = next(acc, a, b) for every accumulator (a·b on the first step, then
     * acc + a·b, fused with relaxed SIMD), then advance pa and pb; with
     * "b+pack", the B vectors read in place are also stored into the panel at pp.
     */
    const kStep = (next: (l: Local, a: Expr, b: Expr) => Expr): Expr[] => [
      ...bv.map((v, q) => f.set(v, f.v128.load(q * 16, 4, f.get(pb)))),
      ...(from === "b+pack"
        ? [
            ...bv.map((v, q) => f.v128.store(q * 16, 4, f.get(pp), f.get(v))),
            f.set(pp, f.i32.add(f.get(pp), f.c32(nv * 16))),
          ]
        : []),
      ...acc.flatMap((row, r) => [
        f.set(av, f.v128.load32_splat(r * aStep.row, 4, f.get(pa))),
        ...row.map((l, q) => f.set(l, next(l, f.get(av), f.get(bv[q]!)))),
      ]),
      f.set(pa, f.i32.add(f.get(pa), f.c32(aStep.k))),
      f.set(pb, f.i32.add(f.get(pb), f.c32(bStep))),
    ];
    // the stores are built first, so that `stores.corner` knows every access they use
    const storeExprs = acc.flatMap((row, r) =>
      row.flatMap((l, q) => stores.tile(l, r, q * 4, q === nv - 1 ? lanes : 4)),
    );
    return [
      ...(K === 0 ? acc.flat().map((l) => f.set(l, f.splatF32(0))) : []),
      f.set(pa, fromSlab ? f.c32(slab) : f.i32.add(f.get(aBase), f.i32.mul(f.get(i0), f.c32(step.row)))),
      // packed panel j0/W starts at packed + (j0/W)·K·W·4 = packed + j0·K·4
      f.set(
        pb,
        from === "panel"
          ? f.i32.add(f.c32(packed), f.i32.mul(f.get(j0), f.c32(K * 4)))
          : from === "tail"
            ? f.c32(tailPanel)
            : f.i32.add(f.get(bBase), f.i32.shl(f.get(j0), f.c32(2))),
      ),
      ...(from === "b+pack" ? [f.set(pp, f.i32.add(f.c32(packed), f.i32.mul(f.get(j0), f.c32(K * 4))))] : []),
      // the first k step sets the accumulators (no zeroing, no adds), the k loop does the rest:
      // its only counter is pb, which ends at pEnd
      ...(K > 0 ? kStep((_, a, b) => f.f32x4.mul(a, b)) : []),
      ...(K > 1
        ? [
            f.set(pEnd, f.i32.add(f.get(pb), f.c32((K - 1) * bStep))),
            f.doWhile(
              kStep((l, a, b) =>
                c.fma ? f.relaxedMadd(a, b, f.get(l)) : f.f32x4.add(f.get(l), f.f32x4.mul(a, b)),
              ),
              f.i32.lt_u(f.get(pb), f.get(pEnd)),
            ),
          ]
        : []),
      ...stores.corner(i0, j0),
      ...storeExprs,
    ];
  };

  // Without a transposed B, the first row block reads B in place and packs each panel as it
  // goes ("b+pack"), and the other row blocks read the panels: no separate pass over B.
  const packAsWeGo = packed >= 0 && !transB && M4 > 0;
  /** Every column panel of the row block at i0, mr rows high (the first block packs, see above). */
  const columns = (mr: number, first = false): Expr[] => [...packSlab(mr), ...panels(mr, first)];
  /** Copies op(A)'s rows i0 .. i0+3 (4 adjacent floats of each row of a transposed A) to the slab. */
  const packSlab = (mr: number): Expr[] => {
    if (slab < 0 || mr !== MR) return [];
    const [src, dst] = [f.local("i32"), f.local("i32")];
    return [
      f.set(src, f.i32.add(f.get(aBase), f.i32.shl(f.get(i0), f.c32(2)))),
      f.set(dst, f.c32(slab)),
      f.forLoop(k, f.c32(0), f.c32(K), 1, () => [
        f.v128.store(0, 4, f.get(dst), f.v128.load(0, 4, f.get(src))),
        f.set(src, f.i32.add(f.get(src), f.c32(M * 4))),
        f.set(dst, f.i32.add(f.get(dst), f.c32(16))),
      ]),
    ];
  };
  const panels = (mr: number, first = false): Expr[] => {
    if (packed < 0) {
      // B read in place: with fewer rows, a wider tile (more independent accumulators; see
      // matmulTuning.wide) in the same registers
      const nvb = Math.max(NV, matmulTuning.wide[mr - 1] ?? NV);
      const Wb = 4 * nvb;
      const NWb = N4 - (N4 % Wb);
      return [
        ...(NWb > 0 ? [f.forLoop(j0, f.c32(0), f.c32(NWb), Wb, () => tile(mr, nvb, "b"))] : []),
        ...(N4 > NWb ? [f.set(j0, f.c32(NWb)), ...tile(mr, (N4 - NWb) / 4, "b")] : []),
        ...(N4 < N ? [f.set(j0, f.c32(N4)), ...tile(mr, 1, "tail", N - N4)] : []),
      ];
    }
    return [
      ...(NW > 0
        ? [
            f.forLoop(j0, f.c32(0), f.c32(NW), W, () =>
              tile(mr, NV, first && packAsWeGo ? "b+pack" : "panel"),
            ),
          ]
        : []),
      ...(N4 > NW ? [f.set(j0, f.c32(NW)), ...tile(mr, (N4 - NW) / 4, transB ? "panel" : "b")] : []),
      ...(N4 < N ? [f.set(j0, f.c32(N4)), ...tile(mr, 1, "tail", N - N4)] : []),
    ];
  };
  /**
   * Copies B'[k][j + c] (c < width) to P[k][c] (rows of `stride` floats from `to`) for every k;
   * `to` and `j` are expressions (evaluated once).
   */
  const packColumns = (to: Expr, j: Expr, width: number, stride: number): Expr[] => {
    return [
      f.set(pa, to),
      // B'[k][j] is B[j][k] (transposed) or B[k][j]
      f.set(pb, f.i32.add(f.get(bBase), f.i32.shl(transB ? f.i32.mul(j, f.c32(K)) : j, f.c32(2)))),
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
  };
  const pack: Expr[] = [
    ...(packed >= 0 && !packAsWeGo && NW > 0
      ? [
          f.forLoop(j0, f.c32(0), f.c32(NW), W, () =>
            packColumns(f.i32.add(f.c32(packed), f.i32.mul(f.get(j0), f.c32(K * 4))), f.get(j0), W, W),
          ),
        ]
      : []),
    ...(transB && N4 > NW ? packColumns(f.c32(packed + NW * K * 4), f.c32(NW), N4 - NW, N4 - NW) : []),
    ...(tailPanel >= 0
      ? [
          f.memfill(f.c32(tailPanel), f.c32(0), f.c32(K * 16)),
          ...packColumns(f.c32(tailPanel), f.c32(N4), N - N4, 4),
        ]
      : []),
  ];
  return [
    ...pack,
    ...(packAsWeGo
      ? // the first row block (a full one) packs
        [
          f.set(i0, f.c32(0)),
          ...columns(MR, true),
          f.forLoop(i0, f.c32(MR), f.c32(M4), MR, () => columns(MR)),
        ]
      : M4 > 0
        ? [f.forLoop(i0, f.c32(0), f.c32(M4), MR, () => columns(MR))]
        : []),
    ...(M4 < M ? [f.set(i0, f.c32(M4)), ...columns(M - M4)] : []),
  ];
}

/**
 * i-k-j: each row of C is accumulated at `rowAt(i)` (the output's row, or a scratch row that
 * `finishRow` then stores through the epilogue).
 */
function scalarCore(
  c: LowerContext,
  aBase: Local,
  bBase: Local,
  M: number,
  K: number,
  N: number,
  transA: boolean,
  rowAt: (i: Expr) => Expr,
  finishRow?: (i: Local) => Expr[],
): Expr[] {
  const { f } = c;
  const step = aSteps(M, K, transA);
  const [i, k, j] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const av = f.local("f32");
  const crow = f.local("i32");
  const brow = f.local("i32");
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
      ...(finishRow ? finishRow(i) : []),
    ]),
  ];
}
