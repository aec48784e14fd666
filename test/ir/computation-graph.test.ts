// Seed 003 §6.6.3 (Figs. 6.15 and 6.17): L = c(a + 2b) at a = 3, b = 1, c = −2.
import { describe, expect, it } from "vitest";
import { gradGraph, interpret, model, toNested } from "../../compiler/index.js";

describe("the textbook's computation graph", () => {
  const cg = model("cg", (m) => {
    const a = m.param("a", []);
    const b = m.param("b", []);
    const c = m.param("c", []);
    const d = b.mul(2);
    const e = a.add(d);
    m.output("d", d);
    m.output("e", e);
    m.loss(c.mul(e));
  });

  it("forward pass gives d = 2, e = 5, L = −10", () => {
    const r = interpret(cg.graph, { params: { a: 3, b: 1, c: -2 } });
    expect(toNested(r.outputs.d!)).toBe(2);
    expect(toNested(r.outputs.e!)).toBe(5);
    expect(toNested(r.outputs.loss!)).toBe(-10);
  });

  it("backward pass gives dL/da = −2, dL/db = −4, dL/dc = 5", () => {
    const r = interpret(gradGraph(cg.graph), { params: { a: 3, b: 1, c: -2 } });
    expect(toNested(r.grads.a!)).toBe(-2);
    expect(toNested(r.grads.b!)).toBe(-4);
    expect(toNested(r.grads.c!)).toBe(5);
  });

  it("credits each node to the line of the model file that built it", () => {
    const nodes = [...cg.graph.outputs.values()];
    for (const n of nodes) {
      expect(n.src?.file).toMatch(/computation-graph\.test\.ts$/);
      expect(n.src?.line).toBeGreaterThan(7);
    }
  });
});
