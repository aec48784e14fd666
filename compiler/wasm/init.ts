/**
 * Stage "init": the module's `init(seed)` (every param from its initializer, every state zeroed:
 * the model's and the optimizer's) and `reset_state()` (the model's recurrent states zeroed;
 * params and optimizer moments are left alone). Seeded fills call the AssemblyScript kernels
 * (assembly/init.ts), which hash (seed, stream, index) as the interpreter's initializers do.
 */
import { xavierLimit } from "../dsl/init.js";
import type { Model } from "../dsl/model.js";
import { leafName } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import type { PersistentLayout } from "../plan/module.js";
import { fillLoop } from "./emit/loops.js";
import type { Expr, FnBuilder, ModuleBuilder } from "./module.js";

/** Fills param `p` (stream `stream` of the seed) as its initializer says. */
function initParam(
  mb: ModuleBuilder,
  init: FnBuilder,
  mdl: Model,
  layout: PersistentLayout,
  p: Node,
  stream: number,
) {
  const b = layout.leaves.get(p)!;
  const n = sizeOf(p.shape);
  const initializer = mdl.initializers.get(leafName(p))!;
  const ptr = init.c32(b.offset);
  /** Calls an AssemblyScript fill kernel: (ptr, n, seed, stream, ...f64 parameters). */
  const seededFill = (kernel: string, ...parameters: number[]) =>
    init.emit(
      init.call(
        mb.kernel(kernel),
        [ptr, init.c32(n), init.get(init.param(0)), init.c32(stream), ...parameters.map((v) => init.cf64(v))],
        "none",
      ),
    );
  switch (initializer.kind) {
    case "zeros":
      init.emit(init.memfill(ptr, init.c32(0), init.c32(n * 4)));
      break;
    case "ones":
      init.emit(fillLoop(init, b.offset, n, 1, "f32"));
      break;
    case "constant": {
      const v = initializer.values;
      if (typeof v === "number") init.emit(fillLoop(init, b.offset, n, v, "f32"));
      else init.emit(init.memcpy(ptr, init.c32(layout.initValues.get(p)!.offset), init.c32(n * 4)));
      break;
    }
    case "uniform":
      seededFill("fill_uniform", initializer.low, initializer.high);
      break;
    case "normal":
      seededFill("fill_normal", initializer.mean, initializer.std);
      break;
    case "xavier":
      seededFill("fill_xavier", xavierLimit(p.shape, initializer.gain));
      break;
  }
}

/**
 * Emits `init(seed)` and `reset_state()`. `states`: every state leaf (the model's, the optimizer's
 * and those of the forward entries at other dims); `modelStates`: those reset_state zeros (all
 * but the optimizer's).
 */
export function emitInit(
  mb: ModuleBuilder,
  mdl: Model,
  layout: PersistentLayout,
  states: readonly Node[],
  modelStates: readonly Node[] = mdl.graph.states,
): void {
  const zeroStates = (f: FnBuilder, which: readonly Node[]): Expr[] =>
    which.map((s) => f.memfill(f.c32(layout.leaves.get(s)!.offset), f.c32(0), f.c32(sizeOf(s.shape) * 4)));
  const init = mb.fn("init", ["i32"]);
  mdl.graph.params.forEach((p, stream) => initParam(mb, init, mdl, layout, p, stream));
  init.emit(...zeroStates(init, states));
  init.finish("none", "init");
  const reset = mb.fn("reset_state");
  reset.emit(...zeroStates(reset, modelStates));
  reset.finish("none", "reset_state");
}
