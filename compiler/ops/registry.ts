/**
 * Lookup of the user-visible primitives by name, for ops (fusion, scan) whose programs name other
 * ops, and for their traits (ops/fusion.ts). Filled exactly once, by ops/index.ts when it is first
 * imported, which happens before any node can exist (a Context needs that file's table), and never
 * changed after; kept apart from index.ts so that an op file can use the lookup without importing
 * the list that imports it.
 */
import type { OpDef } from "../ir/op.js";

const table = new Map<string, OpDef>();

export function registerPrimitives(ops: readonly OpDef<any, string>[]): void {
  if (table.size > 0)
    throw new Error("internal: the primitives are registered once, by compiler/ops/index.ts");
  for (const op of ops) table.set(op.name, op);
}

export function getPrimitive(name: string): OpDef | undefined {
  return table.get(name);
}
