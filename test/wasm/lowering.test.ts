// The backend's lowering registry is complete: every op with a kernel has a lowering in
// compiler/wasm/lowerings.ts, and every op a fused loop may contain has the scalar and vector form
// of its element. Whether each lowering is right is the business of ops.test.ts.
import { describe, expect, it } from "vitest";
import { hasKernel } from "../../compiler/ir/kernels.js";
import type { OpDef, OpName } from "../../compiler/ir/op.js";
import { INTERNAL_OPS, PRIMITIVES } from "../../compiler/ops/index.js";
import { LOOP, LOWERINGS } from "../../compiler/wasm/lowerings.js";

const ALL: readonly OpDef[] = [...PRIMITIVES, ...INTERNAL_OPS];

describe("lowering registry", () => {
  it("every op with a kernel has a lowering", () => {
    const missing = ALL.filter((d) => hasKernel(d) && LOWERINGS[d.name as OpName] === undefined);
    expect(missing.map((d) => d.name)).toEqual([]);
  });

  it("ops without a kernel register no kernel, unless they are elementwise (fused loops inline them)", () => {
    for (const d of ALL) {
      if (hasKernel(d)) continue;
      const l = LOWERINGS[d.name as OpName];
      if (l !== undefined) expect(d.traits.elementwise, d.name).toBe(true);
    }
  });

  it("every elementwise op has the scalar and the vector form of its element", () => {
    for (const d of ALL.filter((d) => d.traits.elementwise)) {
      const l = LOWERINGS[d.name as OpName];
      expect(
        l !== undefined && l !== LOOP && l.elementwise?.scalar && l.elementwise.vector,
        d.name,
      ).toBeTruthy();
    }
  });

  it("only loops are lowered as loops", () => {
    const loops = Object.entries(LOWERINGS)
      .filter(([, l]) => l === LOOP)
      .map(([op]) => op);
    expect(loops).toEqual(["scan"]);
  });
});
