import type { FnBuilder } from "../module.js";

/** What a kernel emitter needs besides the function it writes into. */
export interface LowerContext {
  readonly f: FnBuilder;
  readonly simd: boolean;
  /** Internal name of a function of the AssemblyScript kernels (assembly/), by export name. */
  kernel(exportName: string): string;
  /** Reserves scratch bytes for this kernel (packing buffers); returns the byte offset. */
  scratch(bytes: number): number;
}
