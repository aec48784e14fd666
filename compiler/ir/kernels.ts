/**
 * Which nodes become kernels. Shared by the backend (compiler/wasm/lower.ts) and by reports that
 * count kernels without loading the backend (binaryen).
 */
import type { Node } from "./node.js";

/** Ops whose result is a view of (part of) their operand's bytes: no kernel. */
export const ALIASING_OPS: ReadonlySet<string> = new Set(["reshape", "stop_gradient", "extract"]);
/** Ops without a kernel: leaves (and loop-body arguments), and constants (stored as data segments). */
export const NO_KERNEL_OPS: ReadonlySet<string> = new Set(["input", "param", "state", "const", "arg"]);

/** Values written by another node's kernel (the extra results of a multi-output fusion): no kernel. */
export const WRITTEN_BY_PRODUCER_OPS: ReadonlySet<string> = new Set(["fusion_output"]);

export function isKernel(n: Node): boolean {
  return !ALIASING_OPS.has(n.op) && !NO_KERNEL_OPS.has(n.op) && !WRITTEN_BY_PRODUCER_OPS.has(n.op);
}
