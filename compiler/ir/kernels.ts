/**
 * Which nodes become kernels, from their ops' traits. Shared by the backend (compiler/wasm) and by
 * reports that count kernels without loading the backend (binaryen).
 */
import type { Node } from "./node.js";
import type { OpDef } from "./op.js";

/** The result is a view of (part of) its operand's bytes: no kernel (reshape, stop_gradient, extract). */
export const isView = (n: Pick<Node, "def">): boolean => !!n.def.traits.view;

/** Leaves (and loop-body arguments) and constants: persistent slots or data segments, no kernel. */
export const isData = (n: Pick<Node, "def">): boolean => !!(n.def.traits.leaf || n.def.traits.data);

/** Written by another node's kernel (the extra results of a multi-output fusion): no kernel. */
export const isWrittenByProducer = (n: Pick<Node, "def">): boolean => !!n.def.traits.writtenByProducer;

/** Whether an op has a kernel of its own. */
export function hasKernel(def: OpDef): boolean {
  const t = def.traits;
  return !t.view && !t.leaf && !t.data && !t.writtenByProducer;
}

export const isKernel = (n: Pick<Node, "def">): boolean => hasKernel(n.def);
