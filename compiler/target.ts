/**
 * The target description: what the generated code may use. Made once from the compile options
 * (`targetOf`) and passed down unchanged to the memory planner (kernel scratch sizes), the
 * kernel emitters and the module builder (its feature flags), instead of each renaming the
 * options it needs.
 */
import { WasmgradError } from "./errors.js";

export interface Target {
  /** f32x4/i32x4 SIMD; false: scalar code only. */
  readonly simd: boolean;
  /** Relaxed SIMD: the matmul inner loops use f32x4.relaxed_madd (fused multiply-add). Needs simd. */
  readonly relaxedSimd: boolean;
}

export const DEFAULT_TARGET: Target = Object.freeze({ simd: true, relaxedSimd: false });

/** The target the options ask for; `model` names the model in the error. */
export function targetOf(
  options: { readonly simd?: boolean; readonly relaxedSimd?: boolean },
  model: string,
): Target {
  const simd = options.simd ?? DEFAULT_TARGET.simd;
  const relaxedSimd = options.relaxedSimd ?? DEFAULT_TARGET.relaxedSimd;
  if (relaxedSimd && !simd) {
    throw new WasmgradError(
      `compile: relaxedSimd needs simd (model '${model}' was compiled with simd: false)`,
    );
  }
  return Object.freeze({ simd, relaxedSimd });
}
