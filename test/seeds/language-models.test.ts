// Seed 001 §1.3: the Bengio et al. (2003) feedforward LM, and skip-gram with the hierarchical
// softmax trick. Both share parameters across positions (fan-out), so their gradients must sum
// the contributions: gradcheck against centered differences verifies it.
import { describe, expect, it } from "vitest";
import { gradcheck, gradGraph, interpret, initParams, model, nn, toNested } from "../../compiler/index.js";

describe("Bengio feedforward language model (eq. 3)", () => {
  const V = 7;
  const n = 3; // context words
  const d1 = 4;
  const d2 = 5;
  const B = 4;
  const lm = model("bengio", (m) => {
    const context = m.input("context", [B, n], "i32");
    const next = m.input("next", [B], "i32");
    const W1 = m.param("W1", [V, d1], { kind: "normal", mean: 0, std: 0.5 }); // shared embedding
    const W2 = m.param("W2", [n * d1, d2]);
    const W3 = m.param("W3", [d2, V]);
    const logits = W1.gather(context)
      .reshape([B, n * d1])
      .matmul(W2)
      .tanh()
      .matmul(W3);
    m.output("p", logits.softmax());
    m.loss(nn.softmaxCrossEntropy(logits, next));
  });
  // word 2 appears several times, in different positions: its embedding row gets every use
  const inputs = { context: [2, 2, 5, 0, 2, 6, 2, 3, 2, 1, 4, 2], next: [3, 2, 6, 0] };

  it("the shared embedding's gradient sums over all positions (gradcheck)", () => {
    const report = gradcheck(lm, { inputs, seed: 5 });
    expect(report.entries.map((e) => e.name)).toEqual(["W1", "W2", "W3"]);
    expect(report.maxError).toBeLessThan(1e-6);
  });

  it("outputs a distribution over the vocabulary", () => {
    const p = toNested(interpret(lm.graph, { inputs, params: initParams(lm, 1) }).outputs.p!) as number[][];
    p.forEach((row) => expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14));
  });
});

describe("skip-gram with the hierarchical softmax (eq. 6)", () => {
  // A binary tree over V = 5 words with 4 internal nodes:
  //        0
  //      /   \
  //     1     2
  //    / \   / \
  //   w0 w1 3   w4
  //        / \
  //       w2 w3
  // Each word's path lists the internal nodes from the root, with dir = +1 for a left turn and −1
  // for a right one. Paths are padded to length 3 with direction 0; padded steps are masked out.
  const V = 5;
  const L = 3;
  const nodes = [
    [0, 1, 0],
    [0, 1, 0],
    [0, 2, 3],
    [0, 2, 3],
    [0, 2, 0],
  ];
  const dirs = [
    [1, 1, 0],
    [1, -1, 0],
    [-1, 1, 1],
    [-1, 1, -1],
    [-1, -1, 0],
  ];
  const d = 3;
  const skipgram = model("skipgram", (m) => {
    const center = m.input("center", [], "i32");
    const target = m.input("target", [], "i32");
    const pathNodes = m.input("nodes", [V, L], "i32");
    const pathDirs = m.input("dirs", [V, L]);
    const X = m.param("X", [V, d], { kind: "normal", mean: 0, std: 1 }); // word vectors x
    const Y = m.param("Y", [4, d], { kind: "normal", mean: 0, std: 1 }); // internal-node vectors y(j)
    const x = X.gather(center);
    const scores = Y.gather(pathNodes).mul(x).sum(-1); // y(j)ᵀ x for every word and step: [V, L]
    const used = pathDirs.ne(0).cast("f32"); // padding steps contribute log 1 = 0
    const logp = pathDirs.mul(scores).sigmoid().log().mul(used).sum(-1); // log p(y | x) for every y
    m.output("p", logp.exp());
    // −log p(target | center): pick the target's entry with a one-hot row
    m.loss(logp.mul(nn.oneHot(target, V)).sum().neg());
  });
  const base = { nodes, dirs };

  for (const center of [0, 3]) {
    it(`Σ_y p(y | x) = 1 for center word ${center} (σ(z) + σ(−z) = 1 at every split)`, () => {
      const p = toNested(
        interpret(skipgram.graph, { inputs: { ...base, center, target: 0 }, params: initParams(skipgram, 9) })
          .outputs.p!,
      ) as number[];
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      p.forEach((v) => expect(v).toBeGreaterThan(0));
    });
  }

  it("gradients of −log p(y | x) pass gradcheck; only the path's internal nodes receive gradient", () => {
    const inputs = { ...base, center: 1, target: 2 };
    expect(gradcheck(skipgram, { inputs, seed: 9 }).maxError).toBeLessThan(1e-6);
    const grads = interpret(gradGraph(skipgram.graph), { inputs, params: initParams(skipgram, 9) }).grads;
    const rowOf = (t: { data: ArrayLike<number> }, r: number) => Array.from(t.data).slice(r * d, (r + 1) * d);
    // word 2's path is 0 → 2 → 3, so internal node 1 gets no gradient and nodes 0, 2, 3 do
    expect(rowOf(grads.Y!, 1).every((v) => v === 0)).toBe(true);
    for (const r of [0, 2, 3]) expect(rowOf(grads.Y!, r).some((v) => v !== 0)).toBe(true);
    // only the center word's vector moves
    for (let w = 0; w < V; w++) expect(rowOf(grads.X!, w).some((v) => v !== 0)).toBe(w === 1);
  });
});
