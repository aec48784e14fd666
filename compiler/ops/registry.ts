/**
 * Lookup of the user-visible primitives by name, for ops (such as fusion) that interpret other
 * ops. Filled by ops/index.ts, which registers every primitive; kept apart from it so that an op
 * file can use the lookup without importing the list that imports it.
 */
import type { OpDef } from "../ir/op.js";

const table = new Map<string, OpDef>();

export function registerPrimitives(ops: readonly OpDef<any, string>[]): void {
  for (const op of ops) table.set(op.name, op);
}

export function getPrimitive(name: string): OpDef | undefined {
  return table.get(name);
}
