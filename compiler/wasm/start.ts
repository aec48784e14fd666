/**
 * The module's start function, run once when it is instantiated, before any export can be
 * called: it writes the large constants that hold one value everywhere (the layout's `fills`),
 * which as data segments would cost 4 bytes of module per element (4 GB for a [1e9] fill). A
 * module without such constants has no start function.
 */
import type { DataFill } from "../plan/module.js";
import { fillLoop } from "./emit/loops.js";
import type { ModuleBuilder } from "./module.js";

const START = "fill_constants";

export function emitConstantFills(mb: ModuleBuilder, fills: readonly DataFill[]): void {
  if (fills.length === 0) return;
  const f = mb.fn(START);
  for (const fill of fills) f.emit(fillLoop(f, fill.offset, fill.count, fill.value, fill.dtype));
  f.finish();
  mb.setStart(START);
}
