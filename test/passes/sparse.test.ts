// The row-sparse SGD update (passes/sparse.ts, ops/scatter_sub.ts): an SGD step on a table read
// only through gather becomes scatter_sub, which touches the gathered rows only. Compiled, it
// trains bit for bit as the dense update does (the same module compiled without the pass), with
// repeated ids, 2-D ids, out-of-range ids that a one-hot product drops, a learning-rate schedule,
// with and without SIMD; in the float64 interpreter the rewritten step equals the dense one. What
// has no exact row-sparse form (momentum, Adam, clipping, a table also used densely) stays dense.
import { describe, expect, it } from "vitest";
import {
  compile,
  graphNodes,
  interpret,
  model,
  nn,
  optim,
  schedule,
  trainGraph,
  type Graph,
  type Model,
  type Optimizer,
} from "../../compiler/index.js";
import { optimizeGraph, PASSES } from "../../compiler/passes/pipeline.js";
import { load, type Net } from "../../runtime/index.js";
import { mulberry32 } from "../../examples/lib/random.js";

const [V, D, K] = [97, 12, 40];

/** Skip-gram with the hierarchical softmax, as word2vec's items: (input row, tree node, label). */
const skipgram = model("skipgram", (m) => {
  const inRow = m.input("in", [K], "i32");
  const node = m.input("node", [K], "i32");
  const label = m.input("label", [K]);
  const syn0 = m.param("syn0", [V, D], { kind: "uniform", low: -0.5, high: 0.5 });
  const syn1 = m.param("syn1", [V - 1, D], { kind: "uniform", low: -0.5, high: 0.5 });
  const score = syn0.gather(inRow).mul(syn1.gather(node)).sum(-1);
  m.loss(nn.binaryCrossEntropyWithLogits(score, label));
});

/** Bengio's LM: four context words ([B, 4] ids) share one embedding table; a dense output layer. */
const B = 8;
const bengio = model("bengio", (m) => {
  const context = m.input("context", [B, 4], "i32");
  const next = m.input("next", [B], "i32");
  const C = m.param("C", [V, 6], { kind: "normal", mean: 0, std: 0.3 });
  const h = C.gather(context)
    .reshape([B, 24])
    .matmul(m.param("H", [24, 10]))
    .tanh();
  m.loss(nn.softmaxCrossEntropy(h.matmul(m.param("U", [10, V])), next));
});

/** An embedding written as a one-hot product: the rules make it a gather with `fill` (ids may be −1). */
const onehot = model("onehot", (m) => {
  const ids = m.input("ids", [K], "i32");
  const E = m.param("E", [V, D], { kind: "normal", mean: 0, std: 0.3 });
  m.loss(nn.oneHot(ids, V).matmul(E).tanh().sum().mul(0.1));
});

/** Inputs of each model for step `s`, from a seeded generator; ids repeat (a skewed draw). */
function batch(mdl: Model, rand: () => number): Record<string, Int32Array | Float32Array> {
  const skewed = (n: number, rows: number) =>
    Int32Array.from({ length: n }, () => Math.floor(rand() ** 3 * rows));
  if (mdl === skipgram) {
    return {
      in: skewed(K, V),
      node: skewed(K, V - 1),
      label: Float32Array.from({ length: K }, () => (rand() < 0.5 ? 1 : 0)),
    };
  }
  if (mdl === bengio) return { context: skewed(B * 4, V), next: skewed(B, V) };
  // one id in eight is −1: a one-hot row of zeros, whose update the scatter drops
  return { ids: Int32Array.from(skewed(K, V), (id, i) => (i % 8 === 3 ? -1 : id)) };
}

const DENSE = PASSES.map((p) => p.name).filter((name) => name !== "sparse");

async function nets(mdl: Model, optimizer: Optimizer, simd: boolean): Promise<{ sparse: Net; dense: Net }> {
  const options = { optimizer, simd, relaxedSimd: false as const };
  const [sparse, dense] = await Promise.all([
    compile(mdl, options),
    compile(mdl, { ...options, passes: DENSE }),
  ]);
  const pair = { sparse: await load(sparse.wasm), dense: await load(dense.wasm) };
  pair.sparse.init(3);
  pair.dense.init(3);
  return pair;
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

const ops = (g: Graph) => graphNodes(g).map((n) => n.op);

describe("row-sparse SGD updates", () => {
  const cases: [string, Model, string[]][] = [
    ["skip-gram (two tables)", skipgram, ["syn0", "syn1"]],
    ["Bengio's LM ([B, 4] ids)", bengio, ["C"]],
    ["a one-hot product (dropped ids)", onehot, ["E"]],
  ];
  for (const [what, mdl, tables] of cases) {
    for (const simd of [true, false]) {
      it(`${what}, ${simd ? "simd" : "scalar"}: trains bit for bit as the dense update`, async () => {
        const lr = schedule.exponential(0.2, 0.01);
        const { sparse, dense } = await nets(mdl, optim.sgd(lr), simd);
        expect(sparse.manifest.entries.train!.rowSparse).toEqual(tables);
        expect(dense.manifest.entries.train!.rowSparse).toBeUndefined();
        // ten passes over three batches
        const rand = mulberry32(11);
        const batches = [0, 1, 2].map(() => batch(mdl, rand));
        const losses: number[] = [];
        for (let step = 0; step < 30; step++) {
          const inputs = batches[step % 3]!;
          const a = sparse.train(inputs as never).loss;
          const b = dense.train(inputs as never).loss;
          expect(Object.is(a, b), `loss at step ${step}`).toBe(true);
          losses.push(a);
        }
        const pass = (k: number) => losses.slice(3 * k, 3 * k + 3).reduce((x, y) => x + y);
        expect(pass(9)).toBeLessThan(pass(0)); // it trains
        for (const name of Object.keys(dense.params)) {
          expect(
            sameBits(sparse.params[name] as Float32Array, dense.params[name] as Float32Array),
            name,
          ).toBe(true);
        }
      });
    }
  }

  it("each table's update is one scatter_sub written in place, with no dense scatter_add left", async () => {
    const c = await compile(skipgram, { optimizer: optim.sgd(0.1) });
    const train = c.graphs.train!;
    expect(ops(train).filter((op) => op === "scatter_sub")).toHaveLength(2);
    expect(ops(train)).not.toContain("scatter_add");
    const inPlace = c.plans.train!.updatesInPlace.map((u) => u.leaf.attrs.name);
    expect(inPlace).toEqual(expect.arrayContaining(["syn0", "syn1"]));
    // the backward entry still computes both gradients
    expect(ops(c.graphs.backward!).filter((op) => op === "scatter_add")).toHaveLength(2);
    const report = c.passReports.train!.find((r) => r.pass === "sparse")!;
    expect(report.rules).toEqual({ "row-sparse-sgd": 2, "dense-grads-dropped": 2 });
  });

  it("the step equals the dense step in the float64 interpreter", () => {
    const g = trainGraph(skipgram, optim.sgd(0.3)).graph;
    const { graph } = optimizeGraph(g, { check: true });
    expect(ops(graph)).toContain("scatter_sub");
    const rand = mulberry32(5);
    const params = {
      syn0: Array.from({ length: V * D }, () => rand() - 0.5),
      syn1: Array.from({ length: (V - 1) * D }, () => rand() - 0.5),
    };
    const inputs = batch(skipgram, rand);
    const bind = { inputs, params, states: { "optim.step": [0] } };
    const [dense, sparse] = [interpret(g, bind), interpret(graph, bind)];
    for (const name of ["syn0", "syn1"]) {
      const [a, b] = [dense.updates[name]!.data, sparse.updates[name]!.data];
      for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-12);
    }
  });

  it("a row-sparse param's grad view keeps what backward wrote; grad() still gives it", async () => {
    const c = await compile(skipgram, { optimizer: optim.sgd(0.1) });
    const net = await load(c.wasm);
    net.init(1);
    const inputs = batch(skipgram, mulberry32(2));
    const { grads } = net.grad(inputs as never);
    expect(grads.syn0!.some((x) => x !== 0)).toBe(true);
    net.train(inputs as never);
    // train_step wrote neither table's gradient: the views still hold backward's
    expect(sameBits(net.grads.syn0!, grads.syn0!)).toBe(true);
    expect(sameBits(net.grads.syn1!, grads.syn1!)).toBe(true);
  });

  it("momentum, Adam, clipping and a table also read densely keep the dense update", async () => {
    const tied = model("tied", (m) => {
      const ids = m.input("ids", [K], "i32");
      const E = m.param("E", [V, D], { kind: "normal", mean: 0, std: 0.3 });
      // E is gathered and also multiplied as a whole: its gradient is not a scatter alone
      m.loss(
        E.gather(ids)
          .sum()
          .add(
            E.matmul(m.constant(1).broadcastTo([D, 1]))
              .square()
              .sum(),
          ),
      );
    });
    const dense = async (mdl: Model, optimizer: Optimizer, clipNorm?: number) => {
      const c = await compile(mdl, { optimizer, ...(clipNorm ? { clipNorm } : {}) });
      expect(c.manifest.entries.train!.rowSparse).toBeUndefined();
      expect(ops(c.graphs.train!)).not.toContain("scatter_sub");
    };
    await dense(skipgram, optim.momentum(0.1));
    await dense(skipgram, optim.adam(0.01));
    await dense(skipgram, optim.sgd(0.1), 1);
    await dense(tied, optim.sgd(0.1));
  });
});
