/**
 * The matmul kernel's plan: every decision the emitter makes from the operands' shapes, the
 * transposes, SIMD and the tuning (tile sizes, which packings apply, the scratch layout), made once
 * in `planMatmul`. The memory planner's scratch size (`matmulScratchBytes`, through
 * `kernelScratchBytes` in lower.ts) and the emitter (../matmul.ts) both read it, so the bytes the
 * planner sets aside and the bytes the kernel uses cannot disagree.
 */
import { broadcastShapes, type Shape } from "../../../ir/shape.js";
import { reservedBytes } from "../../../plan/layout.js";

export { DEFAULT_MATMUL_TUNING, type MatmulTuning } from "../../../target.js";
import type { MatmulTuning } from "../../../target.js";

/**
 * The fewest k steps for which a transposed A is copied into a slab: in place, a weight gradient
 * Xᵀ·G reads 4 adjacent floats of each row of X per k step, a 64-byte line for 16 bytes, again for
 * every column panel. Worth it from 16 k steps and two panels of reuse (W2's three weight
 * gradients: 4% of its step).
 */
export const A_SLAB_MIN_K = 16;

/** What a matmul kernel computes: C[b] = op(A[b]) · op(B[b]), and how it is compiled. */
export interface MatmulShape {
  readonly a: Shape;
  readonly b: Shape;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly simd: boolean;
  /** Whether the product goes through an epilogue (a fusion's) before it is stored. */
  readonly epilogue: boolean;
}

/** One reservation of the kernel's scratch block. */
export interface ScratchRegion {
  readonly name: "bPanels" | "tailPanel" | "aSlab" | "bRows" | "accRow";
  /** Byte offset from the start of the kernel's scratch block. */
  readonly offset: number;
  /** Bytes reserved: reservedBytes(the bytes the buffer needs). */
  readonly bytes: number;
}

/**
 * How a matmul is compiled. The SIMD fields (tiles, rows and columns) describe the SIMD core
 * (./simd.ts); without SIMD only M, K, N, `packB` and the scratch layout matter (./scalar.ts).
 */
export interface MatmulPlan {
  /** op(A) is M×K, op(B) is K×N. */
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly simd: boolean;
  readonly epilogue: boolean;
  /**
   * How A' = op(A) is read in place: A'(i, k) is at aBase + i·row + k·k bytes (a transposed A has
   * adjacent rows).
   */
  readonly aStep: { readonly row: number; readonly k: number };
  /** The broadcast batch shape (the leading axes of A and B). */
  readonly batch: Shape;
  /** The register tile of a full row block: mr rows × nv vectors of 4 columns. */
  readonly mr: number;
  readonly nv: number;
  /** Width of a column panel, 4·nv columns. */
  readonly panelWidth: number;
  /** Rows in full row blocks (M − M % mr); the rest form one shorter block. */
  readonly fullRows: number;
  /** Columns in full panels (N − N % panelWidth). */
  readonly panelColumns: number;
  /** Columns in full vectors (N − N % 4); the rest go through the zero-padded tail panel. */
  readonly vectorColumns: number;
  /**
   * Vectors per tile for a block of r = 1 … mr rows reading B in place (index r − 1): wider tiles
   * for fewer rows (tuning.wide), never narrower than nv.
   */
  readonly inPlaceVectors: readonly number[];
  /**
   * How B is read. SIMD: "none" (in place), "panels" (the full panels packed; with a full row
   * block, the first row block packs them as it goes), "gather" (a transposed B: every column
   * gathered into panels in one pass, the last N % 4 zero-padded). Without SIMD: "none", or
   * "rows" (a transposed B packed into row-major order first).
   */
  readonly packB: "none" | "panels" | "gather" | "rows";
  /** The first (full) row block packs B's panels while it reads B in place ("panels" only). */
  readonly packAsWeGo: boolean;
  /** The last N % 4 columns are read from a zero-padded panel (SIMD, N % 4 ≠ 0). */
  readonly tailPanel: boolean;
  /**
   * A transposed A's full row blocks are copied into a contiguous [K][4] slab before their column
   * panels (SIMD, tuning.packA, ≥ A_SLAB_MIN_K k steps, a full row block, two column panels).
   */
  readonly aSlab: boolean;
  /** The scratch block: all buffers live during the whole kernel. */
  readonly scratch: {
    /** Total bytes: the sum of the regions' bytes (what the memory planner reserves). */
    readonly bytes: number;
    /** The reservations in address order, back to back. */
    readonly regions: readonly ScratchRegion[];
    /**
     * Where each buffer starts (bytes from the block's start), undefined when unused. With a
     * transposed B the tail panel lies inside bPanels (its last 4·K floats), not in a region of
     * its own.
     */
    readonly offsets: Readonly<Partial<Record<ScratchRegion["name"], number>>>;
  };
}

/** M, K, N of op(A)·op(B): op(A) is M×K, op(B) is K×N. */
export function matmulDims(
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

/** Decides everything about one matmul kernel; see MatmulPlan. */
export function planMatmul(shape: MatmulShape, tuning: MatmulTuning): MatmulPlan {
  const { transA, transB, simd, epilogue } = shape;
  const { M, K, N } = matmulDims(shape.a, shape.b, transA, transB);
  const { mr, nv } = tuning;
  const W = 4 * nv;
  const NW = N - (N % W);
  const N4 = N - (N % 4);
  const M4 = M - (M % mr);
  const panels = tuning.packB && M >= tuning.packMinRows && NW > 0;
  const packB = simd ? (transB ? "gather" : panels ? "panels" : "none") : transB ? "rows" : "none";
  const tailPanel = simd && N4 < N;
  const aSlab = simd && tuning.packA && transA && M >= mr && K >= A_SLAB_MIN_K && N >= 2 * W;

  // the reservations, in the order the kernel's buffers were requested before the plan existed
  const sizes: [ScratchRegion["name"], number][] = [];
  if (packB === "rows") sizes.push(["bRows", K * N * 4]);
  if (!simd && epilogue) sizes.push(["accRow", N * 4]);
  // a transposed B: every column in one region, the padded tail panel last
  if (packB === "gather") sizes.push(["bPanels", K * (N4 < N ? N4 + 4 : N4) * 4]);
  if (packB === "panels") sizes.push(["bPanels", NW * K * 4]);
  if (tailPanel && packB !== "gather") sizes.push(["tailPanel", K * 16]);
  if (aSlab) sizes.push(["aSlab", K * 16]);
  const regions: ScratchRegion[] = [];
  const offsets: Partial<Record<ScratchRegion["name"], number>> = {};
  let bytes = 0;
  for (const [name, need] of sizes) {
    regions.push({ name, offset: bytes, bytes: reservedBytes(need) });
    offsets[name] = bytes;
    bytes += reservedBytes(need);
  }
  if (tailPanel && packB === "gather") offsets.tailPanel = offsets.bPanels! + N4 * K * 4;

  return {
    M,
    K,
    N,
    transA,
    transB,
    simd,
    epilogue,
    aStep: transA ? { row: 4, k: M * 4 } : { row: K * 4, k: 4 },
    batch: broadcastShapes(shape.a.slice(0, -2), shape.b.slice(0, -2)),
    mr,
    nv,
    panelWidth: W,
    fullRows: M4,
    panelColumns: NW,
    vectorColumns: N4,
    inPlaceVectors: Array.from({ length: mr }, (_, r) => Math.max(nv, tuning.wide[r] ?? nv)),
    packB,
    packAsWeGo: packB === "panels" && M4 > 0,
    tailPanel,
    aSlab,
    scratch: { bytes, regions, offsets },
  };
}

/**
 * The kernel-internal scratch a matmul needs, in bytes (planMatmul's scratch.bytes), known before
 * lowering so that the memory planner can give it a place in the arena.
 */
export function matmulScratchBytes(
  a: Shape,
  b: Shape,
  transA: boolean,
  transB: boolean,
  simd: boolean,
  epilogue: boolean,
  tuning: MatmulTuning,
): number {
  return planMatmul({ a, b, transA, transB, simd, epilogue }, tuning).scratch.bytes;
}
