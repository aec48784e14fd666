/**
 * `mode`: true in training, false in evaluation (a bool scalar). It is the one value an entry
 * point decides rather than the caller: ops that behave differently in training (dropout,
 * compiler/dsl/nn.ts) select between their two behaviours with it, as PyTorch's
 * `module.training` does. Compiling replaces it by a constant per entry
 * (compiler/pipeline/modes.ts: forward runs in eval mode, backward and train_step in training
 * mode), keeping only the branch of that mode; the interpreter binds it from its `mode`
 * binding (default "train").
 *
 * Its value is fixed before the graph runs, as a constant's is (`data`): no kernel, never folded.
 */
import type { NoAttrs } from "../ir/op.js";
import { defineOp, type OpDef } from "../ir/op.js";

export type Mode = "train" | "eval";
export const MODES: readonly Mode[] = ["train", "eval"];

export const mode: OpDef<NoAttrs, "mode"> = defineOp({
  name: "mode",
  arity: 0,
  traits: { data: true, foldable: false },
  infer: () => ({ shape: [], dtype: "bool" }),
  evaluate() {
    throw new Error("internal: `mode` is bound by the interpreter and replaced by compile, not evaluated");
  },
  vjp: () => [],
});
