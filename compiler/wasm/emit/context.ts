import type { FnBuilder } from "../module.js";
import type { MatmulTuning } from "./matmul/plan.js";

/** What a kernel emitter needs besides the function it writes into. */
export interface LowerContext {
  readonly f: FnBuilder;
  readonly simd: boolean;
  /** Fused multiply-adds (f32x4.relaxed_madd) allowed: the module was compiled with relaxedSimd. */
  readonly fma: boolean;
  /**
   * The matmul kernel's tile sizes and packing switches (DEFAULT_MATMUL_TUNING in compiled
   * modules). The memory planner must size matmul scratch with the same value (kernelScratchBytes).
   */
  readonly matmulTuning: MatmulTuning;
  /** Internal name of a function of the AssemblyScript kernels (assembly/), by export name. */
  kernel(exportName: string): string;
  /**
   * Reserves scratch bytes for this kernel (packing buffers); returns the byte offset. Each request
   * takes reservedBytes(bytes), and a kernel's requests must fit in `kernelScratchBytes(node)`
   * (lower.ts), the amount the memory planner set aside for it.
   */
  scratch(bytes: number): number;
}
