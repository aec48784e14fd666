// Seed 003 §6.2.1, Fig. 6.6 (after Goodfellow et al. 2016): XOR with two ReLU hidden units.
// h = relu(W x + c) with W = [[1, 1], [1, 1]], c = [0, −1]; y = w·h + b with w = [1, −2], b = 0.
import { describe, expect, it } from "vitest";
import { init, interpret, model, toNested } from "../../compiler/index.js";

const xor = model("xor", (m) => {
  const x = m.input("x", [4, 2]);
  const W = m.param("W", [2, 2], init.constant([1, 1, 1, 1]));
  const c = m.param("c", [2], init.constant([0, -1]));
  const w = m.param("w", [2, 1], init.constant([1, -2]));
  const b = m.param("b", [1], init.constant([0]));
  const h = x.matmul(W).add(c).relu();
  m.output("h", h);
  m.output("y", h.matmul(w).add(b).reshape([4]));
});

const params = { W: [1, 1, 1, 1], c: [0, -1], w: [1, -2], b: [0] };
const inputs = { x: [0, 0, 0, 1, 1, 0, 1, 1] };

describe("the chapter's XOR network", () => {
  const r = interpret(xor.graph, { inputs, params });

  it("outputs 0, 1, 1, 0", () => {
    expect(toNested(r.outputs.y!)).toEqual([0, 1, 1, 0]);
  });

  it("maps [0,1] and [1,0] to the same hidden point h = [1, 0] (Fig. 6.7b)", () => {
    expect(toNested(r.outputs.h!)).toEqual([
      [0, 0],
      [1, 0],
      [1, 0],
      [2, 1],
    ]);
  });
});
