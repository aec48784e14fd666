/**
 * matmul: C[b] = op(A[b]) · op(B[b]) for every batch index b (batch axes broadcast), alone or as
 * the head of a fusion whose epilogue (bias, activation, any elementwise chain) is applied to each
 * tile of C before it is stored.
 *
 * The kernel's parts, each in its own file under matmul/:
 *  - plan.ts: every decision (tile sizes, which packings apply, the scratch layout), made once
 *    from the shapes, transposes, SIMD and the tuning; the memory planner sizes the kernel's
 *    scratch from the same plan (matmulScratchBytes);
 *  - simd.ts: the SIMD core, a register-blocked micro-kernel computing a 4×8 tile of C in eight
 *    f32x4 accumulators (plus a 4×4 tile and a zero-padded tail panel for the last N % 4 columns at
 *    the edge; blocks of 1 or 2 rows reading B in place use 1×24 and 2×16 tiles), looping row
 *    block → column panel. Per k step it loads one row segment of B (two vectors) and splats one
 *    element of A per row (v128.load32_splat), so a transposed A is read with a different stride:
 *    in place, or, for a full row block with enough k steps and column panels, from a contiguous
 *    slab copied first;
 *  - pack.ts: B's column panels (a transposed B, as the matmul VJPs create, is gathered straight
 *    into the panels, every column, in one pass), the tail panel and the A slab;
 *  - stores.ts: the tile stores, which run the epilogue on the accumulators, reading the
 *    epilogue's operands at the tile's position (so an output may be written over such an
 *    operand);
 *  - scalar.ts: without SIMD, an i-k-j loop with a scalar inner product row; with an epilogue, the
 *    row is accumulated in scratch and then stored through the epilogue element by element.
 */
import type { Buffer } from "../../plan/layout.js";
import type { LowerContext } from "./context.js";
import { address, nest } from "./loops.js";
import { broadcastStrides } from "./map.js";
import type { ScratchAddresses } from "./matmul/core.js";
import { planMatmul, type MatmulPlan } from "./matmul/plan.js";
import { packTransposedB, scalarMatmul } from "./matmul/scalar.js";
import { simdCore } from "./matmul/simd.js";
import { tileStores, type Epilogue } from "./matmul/stores.js";

export {
  DEFAULT_MATMUL_TUNING,
  matmulScratchBytes,
  planMatmul,
  type MatmulPlan,
  type MatmulShape,
  type MatmulTuning,
} from "./matmul/plan.js";
export type { Epilogue } from "./matmul/stores.js";

/**
 * Emits C = op(A)·op(B) into `outs` (the product, or with an epilogue the fusion's results; all of
 * the product's shape). The kernel follows planMatmul's plan for these shapes under
 * `c.target.matmul`, and takes its scratch (the plan's total, in one request) from `c.scratch`.
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
  if (outList.length > 1 && !epilogue)
    throw new Error("internal: a matmul with several outputs needs an epilogue");
  const plan = planMatmul(
    { a: a.shape, b: b.shape, transA, transB, simd: c.target.simd, epilogue: epilogue !== undefined },
    c.target.matmul,
  );
  const { M, K, N, batch } = plan;
  const aStrides = broadcastStrides(a.shape.slice(0, -2), batch).map((s) => s * M * K);
  const bStrides = broadcastStrides(b.shape.slice(0, -2), batch).map((s) => s * K * N);
  const base = plan.scratch.bytes > 0 ? c.scratch(plan.scratch.bytes) : 0;
  const at = (name: keyof MatmulPlan["scratch"]["offsets"]): number | undefined => {
    const offset = plan.scratch.offsets[name];
    return offset === undefined ? undefined : base + offset;
  };
  const scratch: ScratchAddresses = {
    bPanels: at("bPanels"),
    tailPanel: at("tailPanel"),
    aSlab: at("aSlab"),
  };

  const aBase = f.local("i32");
  const bBase = f.local("i32");
  const ts = tileStores(f, outList, epilogue);
  const rank = outList[0]!.shape.length;
  f.emit(
    ...nest(f, batch, (bc) => {
      const stmts = [
        f.set(aBase, address(f, f.c32(a.offset), bc, aStrides)),
        f.set(bBase, address(f, f.c32(b.offset), bc, bStrides)),
      ];
      // without SIMD, a transposed B is first packed into row-major order (the SIMD core packs it
      // straight into its panels)
      if (plan.packB === "rows") stmts.push(...packTransposedB(f, plan, bBase, at("bRows")!));
      const core = c.target.simd
        ? simdCore(c, plan, scratch, aBase, bBase, ts.stores)
        : scalarMatmul(c, plan, aBase, bBase, ts, at("accRow"));
      // positions of the stores' accesses at this batch element (known once the core is built)
      for (const [o, l] of ts.sites) {
        const batchStrides = o.strides.slice(0, rank - 2);
        stmts.push(f.set(l, address(f, f.c32(o.base), bc, batchStrides)));
      }
      stmts.push(...core);
      return stmts;
    }),
  );
}
