/**
 * Calls into compiled code, which traps on an id or label out of range (the checks the manifest
 * lists as `traps`; compiler/wasm/emit/indexing.ts). The runtime checks inputs before a call, so a
 * trap means a value the runtime could not see: one computed inside the model (Manifest
 * `computedIds`), or one written to a view (`net.inputs.ids`) before a bare `trainStep()`.
 *
 * A trap becomes a WasmgradRuntimeError that names the check (op, user line, range) and the value.
 * For a checked call (run, grad, train) of a module with computed ids, the named tensors (inputs,
 * params, states, outputs, grads: one contiguous block of memory, compiler/pipeline/layout.ts) are
 * saved first and restored after a trap, so that they are as before the call (the arena of
 * intermediates, which no API exposes, is not restored). The bare calls
 * (forward, backward, trainStep) save nothing, to stay as fast as the export itself: after a trap
 * there, memory may hold part of a step, which the message says.
 */
import { WasmgradRuntimeError } from "./errors.js";
import type { Manifest, TrapSite } from "./manifest.js";
import { sizeOf } from "./values.js";

/** The exported globals a trap leaves its reason in (compiler/wasm/module.ts, TRAP_GLOBALS). */
const SITE = "trap_site";
const VALUE = "trap_value";

export interface Guard {
  /**
   * Runs `fn` (writing the inputs, then calling an export) for `run`, `grad` or `train`: when the
   * module has computed ids, the tensors are saved first and restored if it fails.
   */
  checked(fn: () => void, call: string): void;
  /** Wraps a bare export (forward, backward, train_step): a trap becomes a clear error. */
  bare(fn: () => void, exportName: string): () => void;
}

export function guardCalls(manifest: Manifest, exports: WebAssembly.Exports, buffer: ArrayBuffer): Guard {
  const site = exports[SITE];
  const value = exports[VALUE];
  const globals =
    site instanceof WebAssembly.Global && value instanceof WebAssembly.Global ? { site, value } : undefined;
  const named = namedBlock(manifest, buffer);
  const save = manifest.computedIds === true;
  // one buffer for the saved tensors, made once: a copy into it is cheap, an allocation is not
  const saved = save ? new Uint8Array(named.length) : undefined;

  /** The error for the trap `e` just raised in `call`, or undefined when it is no check of ours. */
  const explain = (e: unknown, call: string, after: keyof typeof AFTER): WasmgradRuntimeError | undefined => {
    if (!(e instanceof WebAssembly.RuntimeError) || !globals) return undefined;
    const index = (globals.site.value as number) - 1;
    const trap = manifest.traps?.[index];
    if (trap === undefined) return undefined;
    globals.site.value = 0;
    const where = trap.where ? ` (${trap.where})` : "";
    const what = trap.use === "table" ? "id" : "label";
    return new WasmgradRuntimeError(
      `${call}(): ${what} ${globals.value.value as number} at ${trap.op}${where} is outside ${rangeOfTrap(trap)}` +
        AFTER[after],
      { model: manifest.model, cause: e },
    );
  };

  return {
    checked(fn, call) {
      saved?.set(named);
      try {
        fn();
      } catch (e) {
        if (saved) named.set(saved);
        throw explain(e, call, saved ? "undone" : "partial") ?? e;
      }
    },
    bare(fn, exportName) {
      return () => {
        try {
          fn();
        } catch (e) {
          throw explain(e, exportName, save ? "bareComputed" : "bare") ?? e;
        }
      };
    },
  };
}

/** What a trap left behind, by how the call was made. */
const AFTER = {
  undone: "; the call was undone: every tensor is as it was before",
  partial: "; the call stopped part way, so the tensors may hold part of a step",
  bare:
    "; a bare call does not check the ids and labels written to the views (run, grad and train do), " +
    "and it stopped part way, so the tensors may hold part of a step",
  bareComputed:
    "; the call stopped part way, so the tensors may hold part of a step (run, grad and train undo " +
    "such a call)",
} as const;

/** The bytes of every named tensor: they lie together, before the arena of intermediates. */
function namedBlock(manifest: Manifest, buffer: ArrayBuffer): Uint8Array {
  let start = Infinity;
  let end = 0;
  for (const t of manifest.tensors) {
    start = Math.min(start, t.offset);
    end = Math.max(end, t.offset + sizeOf(t.shape) * 4);
  }
  return start < end ? new Uint8Array(buffer, start, end - start) : new Uint8Array(0);
}

function rangeOfTrap({ rows, ignore, use }: TrapSite): string {
  const ignored = ignore === undefined ? "" : ` or the ignored label ${ignore}`;
  return use === "table" ? `the ${rows} rows of its table` : `the ${rows} classes [0, ${rows})${ignored}`;
}
