// Elementwise fusion: fused kernels compute what the unfused graph computes (interpreter, -O0),
// with SIMD and without, on chains with multi-use values, broadcast operands, bool and i32
// values, and lengths that are not multiples of 4. A chain longer than one kernel may hold is cut
// into several (test/wasm/long-chains.test.ts compiles and runs thousands of ops).
import { describe, expect, it } from "vitest";
import {
  compile,
  gradGraph,
  graphNodes,
  interpret,
  leafName,
  model,
  nn,
  optim,
  trainGraph,
  type Graph,
  type ModelBuilder,
  type NDArray,
  type Node,
  type Tensor,
} from "../../compiler/index.js";
import { topologicalOrder } from "../../compiler/ir/graph.js";
import type { FusionAttrs } from "../../compiler/ops/fusion.js";
import { MAX_FUSED_INSTRUCTIONS } from "../../compiler/passes/fuse/state.js";
import { optimizeGraph } from "../../compiler/passes/pipeline.js";
import { optimizeStep } from "../../compiler/pipeline/optimize.js";
import { checkAgainstInterpreter, randomValues } from "../wasm/harness.js";
import { reluMlp } from "./models.js";

const cases: [string, (x: Tensor, m: ModelBuilder) => Tensor][] = [
  [
    "bias + relu + scale",
    (x, m) =>
      x
        .add(m.param("b", [7]))
        .relu()
        .mul(0.5),
  ],
  ["leaky relu and hard tanh (compare/select chains)", (x) => x.leakyRelu(0.1).add(x.hardTanh())],
  ["softplus (maximum, abs, exp, log) reusing x", (x) => nn.softplus(x).sub(x.tanh().mul(x))],
  [
    "a mask cast from a comparison, and i32 arithmetic",
    (x, m) =>
      x
        .gt(0.2)
        .cast("f32")
        .mul(x)
        .add(
          x
            .cast("i32")
            .mul(m.constant(3, [], "i32"))
            .cast("f32"),
        ),
  ],
  [
    "sigmoid, square, division with a broadcast row",
    (x, m) =>
      x
        .sigmoid()
        .square()
        .div(m.param("d", [1, 7]).abs().add(1)),
  ],
  ["pow and sqrt", (x) => x.abs().add(0.5).pow(1.5).add(x.abs().sqrt())],
];

describe("fused kernels agree with the interpreter", () => {
  for (const [name, f] of cases) {
    for (const simd of [true, false]) {
      it(`${name} (simd ${simd})`, async () => {
        const mdl = model("fused", (m) => {
          const y = f(m.input("x", [5, 7]), m);
          m.output("y", y);
          m.loss(y.mul(m.input("R", [5, 7])).sum());
        });
        const fused = optimizeGraph(mdl.graph).graph;
        expect(
          graphNodes(fused).some((n) => n.op === "fusion"),
          "the pass fused something",
        ).toBe(true);
        const params = Object.fromEntries(
          mdl.graph.params.map((p, i) => [
            p.attrs.name as string,
            randomValues(
              p.shape.reduce((a, d) => a * d, 1),
              10 + i,
              0.1,
              1,
            ),
          ]),
        );
        await checkAgainstInterpreter(
          mdl,
          { inputs: { x: randomValues(35, 1, -2, 2), R: randomValues(35, 2) }, params },
          simd,
          { optLevel: 2 },
        );
      });
    }
  }

  it("every entry runs its optimized graph (the forward entry too)", async () => {
    const mlp = model("mlp", (m) => {
      const x = m.input("x", [4, 3]);
      const h = x
        .matmul(m.param("W", [3, 5]))
        .add(m.param("b", [5]))
        .tanh();
      m.output("y", h);
      m.loss(h.sum());
    });
    const c = await compile(mlp);
    for (const entry of ["forward", "backward"] as const) {
      const nodes = new Set(graphNodes(c.graphs[entry]!));
      const schedule = c.plans[entry]!.schedule;
      expect(
        schedule.every((k) => nodes.has(k)),
        entry,
      ).toBe(true);
      expect(
        schedule.some((k) => k.op === "fusion"),
        entry,
      ).toBe(true);
    }
    expect(c.plans.forward.schedule.length).toBe(1); // x·W + b, tanh: one matmul epilogue
  });

  it("a training step of an MLP needs fewer kernels and less memory at -O2", async () => {
    const mlp = reluMlp;
    const kernels = async (level: 0 | 2) => {
      const c = await compile(mlp, { optLevel: level });
      const train = c.graphs.backward!;
      return {
        nodes: graphNodes(train).filter((n) => !["input", "param", "const"].includes(n.op)).length,
        memory: c.manifest.memoryBytes,
      };
    };
    const [o0, o2] = [await kernels(0), await kernels(2)];
    expect(o2.nodes).toBeLessThan(o0.nodes);
    expect(o2.memory).toBeLessThanOrEqual(o0.memory);
  });
});

describe("a long chain is cut into kernels of at most MAX_FUSED_INSTRUCTIONS instructions", () => {
  // x·w, then 150 pairs h·0.999 + 0.001 (a recurrence unrolled by hand), then a sum: 302
  // instructions of one shape, which one kernel held before
  const PAIRS = 150;
  const unrolled = (h: Tensor) => {
    for (let i = 0; i < PAIRS; i++) h = h.mul(0.999).add(0.001);
    return h;
  };
  const chain = model("chain", (m) => {
    const h = unrolled(m.input("x", [8, 64]).mul(m.param("w", [64])));
    m.output("y", h.sum());
    m.loss(h.sum());
  });
  const programSizes = (nodes: readonly Node[]) =>
    nodes.filter((n) => n.op === "fusion").map((n) => (n.attrs as unknown as FusionAttrs).program.length);
  const feeds = (g: Graph) => ({
    inputs: { x: Array.from({ length: 512 }, (_, i) => Math.sin(i)) },
    params: { w: Array.from({ length: 64 }, (_, i) => 1 + Math.cos(i) / 2) },
    states: Object.fromEntries(g.states.map((st) => [leafName(st), [0]])), // the optimizer's step
  });
  const same = (a: Record<string, NDArray>, b: Record<string, NDArray>) =>
    Object.keys(a).forEach((k) => expect(Array.from(b[k]!.data), k).toEqual(Array.from(a[k]!.data)));

  const graphs: [string, Graph][] = [
    ["forward", chain.graph],
    ["backward", gradGraph(chain.graph)],
    ["training step (SGD)", trainGraph(chain, optim.sgd(0.1)).graph],
  ];
  for (const [name, g] of graphs) {
    it(name, () => {
      const fused = optimizeGraph(g, { check: true }).graph;
      const sizes = programSizes(graphNodes(fused));
      expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_FUSED_INSTRUCTIONS);
      // each pass of the chain (forward; backward: the cotangent times 0.999, 150 times) is fused,
      // in as few kernels as the limit allows
      const chained = sizes.reduce((a, b) => a + b, 0);
      expect(chained).toBeGreaterThanOrEqual(2 * PAIRS);
      expect(sizes.length).toBeLessThanOrEqual(Math.ceil(chained / MAX_FUSED_INSTRUCTIONS) + 2);
      // and computes what the unfused graph computes (the same float64 operations, in order)
      const [want, got] = [interpret(g, feeds(g)), interpret(fused, feeds(g))];
      same(want.outputs, got.outputs);
      same(want.grads, got.grads);
      same(want.updates, got.updates);
    });
  }

  it("in a loop's step", () => {
    const looped = model("looped", (m) => {
      const { carry } = m.scan(
        { init: [m.constant(0, [8, 64])], xs: [m.input("x", [3, 8, 64])] },
        ([h], [x]) => ({
          carry: [unrolled(h!.add(x!))],
        }),
      );
      m.output("y", carry[0]!);
    });
    const scan = graphNodes(optimizeGraph(looped.graph).graph).find((n) => n.op === "scan")!;
    const step = optimizeStep(scan, { level: 2 });
    const sizes = programSizes(topologicalOrder(step.results));
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_FUSED_INSTRUCTIONS);
  });
});
