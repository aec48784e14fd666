/** What the parts of the SIMD matmul core (./simd.ts, ./pack.ts) share while one core is emitted. */
import type { Local } from "../../module.js";
import type { LowerContext } from "../context.js";
import type { MatmulPlan } from "./plan.js";
import type { Stores } from "./stores.js";

/** Absolute byte addresses of the scratch buffers the plan uses (undefined: not used). */
export interface ScratchAddresses {
  /** B' in panels of W columns ([N/W][K][W]; panel j0/W at bPanels + j0·K·4). */
  readonly bPanels: number | undefined;
  /** The last N % 4 columns of B', zero-padded to one vector per k ([K][4]). */
  readonly tailPanel: number | undefined;
  /** A transposed A's current full row block, [K][4]. */
  readonly aSlab: number | undefined;
}

/** One SIMD core under construction: the plan, the scratch, and the locals every part uses. */
export interface Core {
  readonly c: LowerContext;
  readonly plan: MatmulPlan;
  readonly scratch: ScratchAddresses;
  /** op(A) and op(B) of the current batch element. */
  readonly aBase: Local;
  readonly bBase: Local;
  readonly stores: Stores;
  /** The current tile's corner: row i0, column j0. */
  readonly i0: Local;
  readonly j0: Local;
  /** k counter of the packing loops. */
  readonly k: Local;
  /** Pointers into A' (or the slab) and B' (or a panel), advanced per k step; pEnd ends the k loop. */
  readonly pa: Local;
  readonly pb: Local;
  readonly pEnd: Local;
  /** Where the first row block stores the B vectors it packs as it goes. */
  readonly pp: Local;
}
