import type { Target } from "../../target.js";
import type { FnBuilder } from "../module.js";
import type { TrapSite } from "../../../runtime/manifest.js";

/** What a kernel emitter needs besides the function it writes into. */
export interface LowerContext {
  readonly f: FnBuilder;
  /**
   * What the code may use (SIMD, relaxed SIMD's fused multiply-add) and the kernels' tuning; the
   * memory planner sized each kernel's scratch with the same target (kernelScratchBytes).
   */
  readonly target: Target;
  /** Internal name of a function of the AssemblyScript kernels (assembly/), by export name. */
  kernel(exportName: string): string;
  /**
   * Reserves scratch bytes for this kernel (packing buffers); returns the byte offset. Each request
   * takes reservedBytes(bytes), and a kernel's requests must fit in `kernelScratchBytes(node)`
   * (lower.ts), the amount the memory planner set aside for it.
   */
  scratch(bytes: number): number;
  /** Registers a check this kernel makes as it runs (FnBuilder.trap takes the index returned). */
  trapSite(site: TrapSite): number;
}
