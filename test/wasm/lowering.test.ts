// The backend's lowering table is complete: every primitive of the closed set has a lowering in
// compiler/wasm/lower.ts (an elementwise rule, an aliasing or kernel-less op, or a structured
// kernel). Whether each lowering is right is the business of ops.test.ts.
import { describe, expect, it } from "vitest";
import { PRIMITIVES } from "../../compiler/index.js";
import { INTERNAL_OPS } from "../../compiler/ops/index.js";
import { ALIASING_OPS, LOWERED_OPS, NO_KERNEL_OPS } from "../../compiler/wasm/lower.js";

describe("lowering table", () => {
  it("every primitive in PRIMITIVES appears in LOWERED_OPS", () => {
    const missing = PRIMITIVES.map((op) => op.name).filter((name) => !LOWERED_OPS.has(name));
    expect(missing).toEqual([]);
  });

  it("LOWERED_OPS names only primitives and the compiler's internal ops (fusion)", () => {
    const names = new Set([...PRIMITIVES, ...INTERNAL_OPS].map((op) => op.name));
    expect([...LOWERED_OPS].filter((name) => !names.has(name))).toEqual([]);
    expect(INTERNAL_OPS.map((op) => op.name).filter((name) => !LOWERED_OPS.has(name))).toEqual([]);
  });

  it("aliasing and kernel-less ops are ops with one operand or none", () => {
    for (const name of [...ALIASING_OPS, ...NO_KERNEL_OPS]) {
      const op = [...PRIMITIVES, ...INTERNAL_OPS].find((p) => p.name === name);
      expect(op, name).toBeDefined();
      expect(op!.arity === 0 || op!.arity === 1, name).toBe(true);
    }
  });
});
