// Fusions with a head: matmul epilogues (bias, activations, any elementwise chain applied to the
// product's tiles before they are stored) and reductions fused with their elementwise producers
// (prologue) and users (epilogue). Compiled at -O2, with SIMD and without, every case must agree
// with the float64 interpreter (outputs, loss and gradients, whose backward graphs hold more
// fused matmuls with transposed operands and fused reductions), and the optimized graph must hold
// the expected kind of fusion. Shapes cover the matmul's edge paths: rows not a multiple of the
// 4-row tile, 16 or more rows (packed panels), 1 or 2 rows (wider tiles), column counts with 1, 2
// or 3 columns past the last vector (the zero-padded tail panel), a batch axis; and reductions whose innermost axis is
// reduced or kept, with lengths that are not multiples of 4, over f32 and i32 values.
import { describe, expect, it } from "vitest";
import {
  compile,
  graphNodes,
  model,
  nn,
  optim,
  type ModelBuilder,
  type Tensor,
} from "../../compiler/index.js";
import * as b from "../../compiler/ir/build.js";
import { Context } from "../../compiler/ir/node.js";
import { OPS } from "../../compiler/ops/index.js";
import type { FusedInstr, FusionAttrs } from "../../compiler/ops/fusion.js";
import { fusionKind, optimizeGraph } from "../../compiler/passes/pipeline.js";
import { expectSoundPlans } from "../plan/check.js";
import { checkAgainstInterpreter, randomValues } from "../wasm/harness.js";
import { reluMlp } from "./models.js";

type Kind = "matmul epilogue" | "reduction";
interface Case {
  readonly name: string;
  readonly x: readonly number[];
  readonly build: (x: Tensor, m: ModelBuilder) => Tensor;
  /** Kinds of fusion the optimized forward graph must hold. */
  readonly kinds: readonly Kind[];
}

const dense = (M: number, K: number, N: number): Case => ({
  name: `x·W + b, relu (${M}×${K}·${K}×${N})`,
  x: [M, K],
  build: (x, m) =>
    x
      .matmul(m.param("W", [K, N]))
      .add(m.param("b", [N]))
      .relu(),
  kinds: ["matmul epilogue"],
});

const cases: Case[] = [
  dense(5, 7, 3),
  dense(4, 8, 8),
  dense(16, 9, 10),
  dense(17, 12, 13),
  dense(20, 5, 1),
  dense(3, 4, 6),
  dense(1, 9, 30), // one row: 6-vector tiles, then a 1-vector tile and a 2-column tail
  dense(2, 5, 21), // two rows: 4-vector tiles
  // the weight gradient xᵀ·G (6×20·20×18) copies each full 4-row block of xᵀ into a slab first,
  // then a 2-row block reads x in place; 2 columns past the last vector
  dense(20, 6, 18),
  {
    name: "batched product, bias and tanh",
    x: [2, 5, 6],
    build: (x, m) =>
      x
        .matmul(m.param("W", [6, 7]))
        .add(m.param("b", [7]))
        .tanh(),
    kinds: ["matmul epilogue"],
  },
  {
    name: "per-row scale, a scalar constant and sigmoid",
    x: [6, 5],
    build: (x, m) =>
      x
        .matmul(m.param("W", [5, 9]))
        .mul(m.param("s", [6, 1]))
        .add(0.25)
        .sigmoid(),
    kinds: ["matmul epilogue"],
  },
  {
    name: "the product used twice (swish) and divided by a column vector",
    x: [18, 4],
    build: (x, m) => {
      const z = x.matmul(m.param("W", [4, 11]));
      return z.mul(z.sigmoid()).div(m.param("d", [11]).abs().add(1));
    },
    kinds: ["matmul epilogue"],
  },
  {
    name: "sum of squares over rows",
    x: [5, 7],
    build: (x) => x.square().sum(1),
    kinds: ["reduction"],
  },
  {
    name: "log-sum-exp over rows (prologue and epilogue)",
    x: [6, 10],
    build: (x) => x.logsumexp(1).mul(2),
    kinds: ["reduction"],
  },
  {
    name: "column maxima of 2x (innermost axis kept)",
    x: [6, 9],
    build: (x) => x.mul(2).max(0).sub(1),
    kinds: ["reduction"],
  },
  {
    name: "middle axis of a rank-3 tensor",
    x: [3, 5, 6],
    build: (x) => x.abs().sum(1),
    kinds: ["reduction"],
  },
  {
    name: "the norm of everything (a scalar)",
    x: [4, 9],
    build: (x) => x.square().sum().sqrt(),
    kinds: ["reduction"],
  },
  {
    name: "counting positive entries in i32",
    x: [7, 6],
    build: (x) => x.gt(0.1).cast("i32").sum(1).cast("f32").add(x.sum(1)),
    kinds: ["reduction"],
  },
  {
    name: "softmax over rows: exp(x - max) stored while its sums are taken",
    x: [5, 11],
    build: (x, m) => x.mul(m.param("s", [11])).softmax(1),
    kinds: ["reduction"],
  },
  {
    name: "softmax over columns (innermost axis kept), exp stored in the prologue",
    x: [7, 9],
    build: (x, m) =>
      x
        .mul(m.param("s", [7, 1]))
        .softmax(0)
        .mul(x),
    kinds: ["reduction"],
  },
  {
    name: "softmax cross-entropy of a dense layer",
    x: [9, 6],
    build: (x, m) => {
      const logits = x.matmul(m.param("W", [6, 5])).add(m.param("b", [5]));
      const labels = m.constant([0, 1, 2, 3, 4, 0, 1, 2, 3], [9], "i32");
      return nn.softmaxCrossEntropy(logits, labels, { reduction: "none" });
    },
    kinds: ["matmul epilogue", "reduction"],
  },
];

describe("fusions with a matmul or reduction head agree with the interpreter", () => {
  for (const c of cases) {
    for (const simd of [true, false]) {
      it(`${c.name} (simd ${simd})`, async () => {
        const size = c.x.reduce((a, d) => a * d, 1);
        const mdl = model("heads", (m) => {
          const y = c.build(m.input("x", c.x), m);
          m.output("y", y);
          m.loss(y.mul(m.input("R", y.shape)).sum());
        });
        const kinds = new Set(
          graphNodes(optimizeGraph(mdl.graph).graph)
            .filter((n) => n.op === "fusion")
            .map(fusionKind),
        );
        for (const k of c.kinds) expect(kinds, `the optimized graph has a ${k}`).toContain(k);
        const ySize = mdl.graph.outputs.get("y")!.shape.reduce((a, d) => a * d, 1);
        const params = Object.fromEntries(
          mdl.graph.params.map((p, i) => [
            p.attrs.name as string,
            randomValues(
              p.shape.reduce((a, d) => a * d, 1),
              10 + i,
              -1,
              1,
            ),
          ]),
        );
        const { wasm } = await checkAgainstInterpreter(
          mdl,
          { inputs: { x: randomValues(size, 1, -2, 2), R: randomValues(ySize, 2) }, params },
          simd,
          { optLevel: 2 },
        );
        expectSoundPlans(wasm.compiled);
      });
    }
  }
});

describe("the fuse pass", () => {
  const mlp = reluMlp;

  it("fuses bias adds into the matmuls, and the relu mask into the backward matmul", async () => {
    const c = await compile(mlp, { optimizer: optim.sgd(0.1) });
    const fuse = c.passReports.train!.find((r) => r.pass === "fuse")!;
    expect(fuse.rules["matmul-epilogues"]).toBeGreaterThanOrEqual(3);
    expect(fuse.rules["reduction-fusions"]).toBeGreaterThanOrEqual(2);
    // the mask relu'(z) = z > 0 is recomputed by the forward relu and the backward product
    expect(fuse.rules.duplicated).toBeGreaterThanOrEqual(1);
    const programs = graphNodes(c.graphs.train!)
      .filter((n) => n.op === "fusion")
      .map((n) => (n.attrs as unknown as FusionAttrs).program.map((i) => i.op).join(" "));
    expect(programs).toContain("matmul add");
    expect(programs).toContain("compare matmul select");
    expectSoundPlans(c);
  });

  it("computes exp(x - max), its row sums and log-sum-exp of a log-softmax in one kernel", async () => {
    // cross-entropy written out as a composite (nn.softmaxCrossEntropy is a primitive pair)
    const composite = model("composite-xent", (m) => {
      const logits = m.input("x", [16, 12]).matmul(m.param("W", [12, 5]));
      const y = m.input("y", [16], "i32");
      m.loss(logits.logSoftmax(-1).mul(nn.oneHot(y, 5)).sum(-1).neg().mean());
    });
    const c = await compile(composite, { optimizer: optim.sgd(0.1) });
    const g = c.graphs.train!;
    const lse = graphNodes(g).filter((n) => {
      if (n.op !== "fusion" || fusionKind(n) !== "reduction") return false;
      const { program, outputs } = n.attrs as unknown as FusionAttrs;
      const ops = program.map((i) => i.op).join(" ");
      // exp(x - max) is an extra output computed in the reduction's prologue
      return ops === "sub exp reduce_sum log add" && outputs?.includes(n.inputs.length + 1);
    });
    expect(lse.length).toBe(1);
    expectSoundPlans(c);
  });

  it("computes softmax cross-entropy's row losses and its gradient (times the mean's 1/N) in one kernel", async () => {
    const c = await compile(mlp, { optimizer: optim.sgd(0.1) });
    const g = c.graphs.train!;
    const xent = graphNodes(g).filter((n) => n.op === "fusion" && fusionKind(n) === "softmax cross-entropy");
    expect(xent.length).toBe(1);
    const { program, outputs } = xent[0]!.attrs as unknown as FusionAttrs;
    expect(program.map((i) => i.op)).toEqual(["softmax_xent", "softmax_xent_grad", "mul"]);
    // the row losses (instruction 0) are its extra output; nothing else computes softmax_xent
    expect(outputs).toEqual([xent[0]!.inputs.length]);
    expect(graphNodes(g).filter((n) => n.op === "softmax_xent" || n.op === "softmax_xent_grad")).toEqual([]);
    expectSoundPlans(c);
  });

  it("checks a companion's place in a fusion program: with its head's operands, an extra output, read by nothing", () => {
    const ctx = new Context("companion", OPS);
    const logits = b.constant(ctx, [0, 1, 2, 3, 4, 5], [2, 3]);
    const labels = b.constant(ctx, [0, 2], [2], "i32");
    const fusionOf = (program: FusedInstr[], outputs?: number[]) =>
      ctx.node("fusion", [logits, labels], { shape: [2, 3], program, ...(outputs ? { outputs } : {}) });
    const xent: FusedInstr = { op: "softmax_xent", args: [0, 1], attrs: {} };
    const grad: FusedInstr = { op: "softmax_xent_grad", args: [0, 1], attrs: {} };
    expect(fusionOf([xent, grad], [2]).shape).toEqual([2, 3]);
    expect(() => fusionOf([xent, { op: "exp", args: [0], attrs: {} }], [2])).toThrow(
      /needs a softmax_xent_grad head of the same operands/,
    );
    expect(() => fusionOf([xent, grad])).toThrow(/must be an extra output/);
    expect(() => fusionOf([xent, { op: "add", args: [2, 2], attrs: {} }, grad], [2])).toThrow(
      /cannot be read by another instruction/,
    );
    expect(() => fusionOf([grad, { op: "softmax_xent", args: [0, 2], attrs: {} }], [3])).toThrow(
      /reads fusion operands only/,
    );
  });

  it("keeps softmax_xent apart from its gradient's kernel when the gradient reads the loss (loss²)", async () => {
    const squared = model("squared-xent", (m) => {
      const logits = m.input("x", [6, 4]).matmul(m.param("W", [4, 3]));
      m.loss(
        nn
          .softmaxCrossEntropy(logits, m.input("y", [6], "i32"), { reduction: "none" })
          .square()
          .sum(),
      );
    });
    const g = (await compile(squared, { optimizer: optim.sgd(0.1) })).graphs.train!;
    expect(graphNodes(g).filter((n) => n.op === "softmax_xent").length).toBe(1);
    const fused = graphNodes(g).filter((n) => n.op === "fusion" && fusionKind(n) === "softmax cross-entropy");
    expect(fused.length).toBe(1);
    expect((fused[0]!.attrs as unknown as FusionAttrs).program.some((i) => i.op === "softmax_xent")).toBe(
      false,
    );
  });

  it("computes relu(x·W + b) and the x·W + b the backward pass reads in one matmul kernel", async () => {
    const g = (await compile(mlp, { optimizer: optim.sgd(0.1) })).graphs.train!;
    const first = graphNodes(g).filter((n) => {
      const attrs = n.attrs as unknown as FusionAttrs;
      return n.op === "fusion" && attrs.program.map((i) => i.op).join(" ") === "matmul add compare select";
    });
    expect(first.length).toBe(1);
    expect((first[0]!.attrs as unknown as FusionAttrs).outputs).toEqual([first[0]!.inputs.length + 1]);
  });

  it("never makes kernels that depend on each other (a stored value read by duplicated nodes)", async () => {
    // found by the semantics property: y = x·w, then y + 0.1·Σ y² over rows; its gradient
    // duplicates a cheap cluster into two reductions that both read y
    const mdl = model("cycle", (m) => {
      const x = m.input("x", [2, 3]);
      const y0 = x.matmul(m.param("w", [3, 3]));
      const y = y0.square().sum(1, true).mul(0.1).add(y0);
      m.output("y", y);
      m.loss(y.square().sum().mul(0.01));
    });
    const params = { w: randomValues(9, 3) };
    for (const simd of [true, false]) {
      const { wasm } = await checkAgainstInterpreter(
        mdl,
        { inputs: { x: randomValues(6, 4) }, params },
        simd,
        { optLevel: 2 },
      );
      expectSoundPlans(wasm.compiled);
    }
  });

  it("keeps every matmul's operands out of its epilogue, and heads apart", async () => {
    for (const entry of ["forward", "backward", "train"] as const) {
      const g = (await compile(mlp, { optimizer: optim.adam(0.01) })).graphs[entry]!;
      for (const n of graphNodes(g).filter((x) => x.op === "fusion")) {
        const { program } = n.attrs as unknown as FusionAttrs;
        expect(
          program.filter((i) => ["matmul", "reduce_sum", "reduce_max"].includes(i.op)).length,
        ).toBeLessThanOrEqual(1);
        for (const i of program.filter((x) => x.op === "matmul"))
          for (const a of i.args) expect(a).toBeLessThan(n.inputs.length);
      }
    }
  });
});
