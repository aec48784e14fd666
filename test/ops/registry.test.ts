// Every op of the registry (compiler/ops/index.ts) has every rule it needs, and its traits are
// consistent with each other and with its rules. The lowering side is test/wasm/lowering.test.ts.
import { describe, expect, it } from "vitest";
import type { OpDef } from "../../compiler/ir/op.js";
import { INTERNAL_OPS, OPS, PRIMITIVES } from "../../compiler/ops/index.js";

const ALL: readonly OpDef[] = [...PRIMITIVES, ...INTERNAL_OPS];

describe("op registry", () => {
  it("names are unique and the table finds each op by its name", () => {
    expect(new Set(ALL.map((d) => d.name)).size).toBe(ALL.length);
    for (const d of ALL) expect(OPS.get(d.name), d.name).toBe(d);
    expect(OPS.get("matmull")).toBeUndefined();
  });

  it("every primitive has a shape rule, a reference evaluation and a VJP", () => {
    for (const d of PRIMITIVES) {
      expect(typeof d.infer, d.name).toBe("function");
      expect(typeof d.evaluate, d.name).toBe("function");
      expect(typeof d.vjp, d.name).toBe("function");
    }
  });

  it("leaves and constants take no operands; views and reshaping moves take one", () => {
    for (const d of ALL) {
      const t = d.traits;
      if (t.leaf || t.data) expect(d.arity, d.name).toBe(0);
      if (t.view) expect(d.arity, d.name).toBe(1);
    }
  });

  it("a leaf is not folded, rewritten or batched; data is not folded", () => {
    for (const d of ALL) {
      if (d.traits.leaf) expect(d.batch, d.name).toBeUndefined();
      if (d.traits.data) expect(d.traits.foldable, d.name).toBe(false);
    }
  });

  it("fusion heads: the reductions have a prologue, matmul and softmax_xent_grad read operands", () => {
    for (const d of ALL) {
      expect(d.traits.fusionHead === "prologue", d.name).toBe(!!d.traits.reduction);
    }
    const heads = ALL.filter((d) => d.traits.fusionHead === "operands").map((d) => d.name);
    expect(heads.sort()).toEqual(["matmul", "softmax_xent_grad"]);
  });

  it("a companion names a head op, and computes from the same operands (same arity)", () => {
    for (const d of ALL.filter((d) => d.traits.companionOf)) {
      const head = OPS.get(d.traits.companionOf!);
      expect(head?.traits.fusionHead, d.name).toBeDefined();
      expect(head!.arity, d.name).toBe(d.arity);
    }
  });

  it("cheap ops are elementwise; commutative ones have two operands", () => {
    for (const d of ALL) {
      if (d.traits.cheap) expect(d.traits.elementwise, d.name).toBe(true);
      if (d.traits.commutative) expect(d.arity, d.name).toBe(2);
    }
  });

  it("everything a loop step computes elementwise, by moving data, reducing or multiplying can be batched over time", () => {
    for (const d of ALL) {
      const t = d.traits;
      if (t.elementwise || t.movement || t.reduction || t.fusionHead) expect(d.batch, d.name).toBeDefined();
    }
  });
});
