/**
 * The target description: what the generated code may use and how its kernels are tuned. Made
 * once from the compile options (`targetOf`) and passed down unchanged to the memory planner
 * (kernel scratch sizes), the kernel emitters (LowerContext.target) and the module builder (its
 * feature flags), instead of each renaming the options it needs.
 */
import { WasmgradError } from "./errors.js";

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
 * Part of the target description, so that the planner (kernelScratchBytes) and the emitter
 * (compiler/wasm/emit/matmul/plan.ts) read the same value, and benchmarks can compare settings;
 * bench/RESULTS.md has the measurements.
 */
export interface MatmulTuning {
  readonly packB: boolean;
  /** Copy each full row block of a transposed A into a contiguous slab first (see MatmulPlan.aSlab). */
  readonly packA: boolean;
  readonly packMinRows: number;
  readonly mr: number;
  readonly nv: number;
  /**
   * Vectors per tile for a block of 1, 2, 3 rows reading B in place (few rows: batch-1 inference,
   * the last M % 4 rows): 1×6, 2×4 and 3×2 fit the same registers, and a single row needs several
   * independent accumulators to hide the latency of its additions (two chains of 3-cycle adds
   * would otherwise bound it).
   */
  readonly wide: readonly number[];
}

/** The tuning every compiled module uses (frozen: a setting is changed by passing another one). */
export const DEFAULT_MATMUL_TUNING: MatmulTuning = Object.freeze({
  packB: true,
  packA: true,
  packMinRows: 16,
  mr: 4,
  nv: 2,
  wide: Object.freeze([6, 4, 2]),
});

export interface Target {
  /** f32x4/i32x4 SIMD; false: scalar code only. */
  readonly simd: boolean;
  /** Relaxed SIMD: the matmul inner loops use f32x4.relaxed_madd (fused multiply-add). Needs simd. */
  readonly relaxedSimd: boolean;
  /** The matmul kernels' tile sizes and packing decisions. */
  readonly matmul: MatmulTuning;
}

export const DEFAULT_TARGET: Target = Object.freeze({
  simd: true,
  relaxedSimd: false,
  matmul: DEFAULT_MATMUL_TUNING,
});

/** The target the options ask for; `model` names the model in the error. */
export function targetOf(
  options: { readonly simd?: boolean; readonly relaxedSimd?: boolean; readonly matmul?: MatmulTuning },
  model: string,
): Target {
  const simd = options.simd ?? DEFAULT_TARGET.simd;
  const relaxedSimd = options.relaxedSimd ?? DEFAULT_TARGET.relaxedSimd;
  if (relaxedSimd && !simd) {
    throw new WasmgradError(
      `compile: relaxedSimd needs simd (model '${model}' was compiled with simd: false)`,
    );
  }
  return Object.freeze({ simd, relaxedSimd, matmul: options.matmul ?? DEFAULT_TARGET.matmul });
}
