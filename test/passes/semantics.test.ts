// Every pass preserves semantics: random well-typed graphs (fast-check) are interpreted before
// and after each pass and after the whole pipeline, and the IR spec check runs after every pass.
// Compiled modules at -O0 and -O2 agree with each other and with the interpreter. NaN, infinite
// and overflowing results are compared by the edge rules of test/support/agree.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compile,
  gradGraph,
  interpret,
  model,
  nn,
  optim,
  trainGraph,
  type Tensor,
} from "../../compiler/index.js";
import { checkGraph } from "../../compiler/ir/spec.js";
import { optimizeGraph, PASSES, runPass } from "../../compiler/passes/pipeline.js";
import type { Graph } from "../../compiler/ir/graph.js";
import type { Node } from "../../compiler/ir/node.js";
import { agrees, type Quantity } from "../support/agree.js";
import { overflowsInF32, showsOverflow } from "../support/f32-range.js";
import { runs } from "../support/runs.js";

const PASS_RUNS = runs({ test: 60, fuzz: 240 });
const GROWTH_RUNS = runs({ test: 40, fuzz: 400 });
const COMPILED_RUNS = runs({ test: 12, fuzz: 80, compiled: true });

type Step = { readonly op: number; readonly k: number; readonly c: number };

const SPECIAL = [0, 1, -1, 2, 0.5];

/** Builds a random model over a [2, 3] input from a list of steps (all shape-correct). */
function build(steps: readonly Step[]) {
  return model("random", (m) => {
    let x: Tensor = m.input("x", [2, 3]);
    const w = m.param("w", [3, 3]);
    const ids = m.input("ids", [2], "i32"); // bound to IDS
    const values: Tensor[] = [x];
    for (const { op, k, c } of steps) {
      const other = values[k % values.length]!;
      const s = SPECIAL[c % SPECIAL.length]!;
      switch (op % 22) {
        case 0:
          x = x.add(s);
          break;
        case 1:
          x = x.mul(s);
          break;
        case 2:
          x = x.sub(s);
          break;
        case 3:
          x = x.div(s === 0 ? 3 : s);
          break;
        case 4:
          x = x.neg();
          break;
        case 5:
          x = x.tanh();
          break;
        case 6:
          x = x.exp().mul(0.1).log();
          break;
        case 7:
          x = x.T.T;
          break;
        case 8:
          x = x.reshape([6]).reshape([2, 3]);
          break;
        case 9:
          x = x.reshape([2, 1, 3]).sum(1);
          break;
        case 10:
          x = x.add(other);
          break;
        case 11:
          x = x.mul(other.sigmoid());
          break;
        case 12:
          x = x.matmul(w);
          break;
        case 13:
          x = x.add(m.constant(s).mul(m.constant(2)).broadcastTo([2, 3]));
          break;
        case 14:
          x = other.add(x).mul(x.add(other)).mul(0.25);
          break;
        case 15:
          x = x.maximum(other).sub(x.minimum(other));
          break;
        case 16: // a reduction with a prologue and an epilogue (fused)
          x = x.square().sum(1, true).mul(0.1).add(x);
          break;
        case 17: // a maximum over the outer axis, broadcast back
          x = x.max(0, true).sub(x).exp().mul(0.1);
          break;
        case 18: // a matmul epilogue reading another value
          x = x.matmul(w).add(other).tanh();
          break;
        case 19: // softmax cross-entropy per row (with its gradient in one kernel, or apart)
          x = x.add(nn.softmaxCrossEntropy(x, ids, { reduction: "none", ignoreIndex: -1 }).reshape([2, 1]));
          break;
        case 20: // a one-hot product
          x = nn.oneHot(ids, 3).matmul(w).add(x);
          break;
        case 21: // a one-hot pick of each row's element
          x = x.mul(nn.oneHot(ids, 3)).sum(1, true).add(other);
          break;
      }
      values.push(x);
    }
    m.output("y", x);
    m.loss(x.square().sum().mul(0.01));
  });
}

const steps = fc.array(fc.record({ op: fc.nat(21), k: fc.nat(20), c: fc.nat(4) }), {
  minLength: 1,
  maxLength: 12,
});
const X = [0.3, -0.7, 1.1, 0.45, -1.3, 0.9];
// class 1, and −1 (out of range: an ignored row, a one-hot row of zeros). Not class 2: −X's first
// row plus w's row 2 ties −X's second row in f32 but not in f64 (−0.45), which splits a maximum's
// gradient differently in the compiled and reference runs
const IDS = [1, -1];
const W = [0.2, -0.1, 0.4, 0.3, 0.25, -0.35, -0.15, 0.5, 0.1];

/** Two float64 evaluations agree within 1e-9, by the edge rules of agree.ts (NaN, infinities, gradients). */
function close(a: ArrayLike<number>, b: ArrayLike<number>, what: string, quantity: Quantity): void {
  expect(a.length).toBe(b.length);
  const near = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * (1 + Math.abs(y));
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    expect(agrees(x, y, near, { quantity, max: Number.MAX_VALUE }), `${what}[${i}]: ${x} vs ${y}`).toBe(true);
  }
}

/** Distinct nonzero values for every state (optimizer slots, the step counter). */
function stateValues(g: Graph): Record<string, number[]> {
  return Object.fromEntries(
    g.states.map((st, i) => {
      const n = st.shape.reduce((a, d) => a * d, 1);
      return [st.attrs.name as string, Array.from({ length: n }, (_, j) => 0.01 + 0.1 * ((i + j) % 7))];
    }),
  );
}

function sameResults(a: Graph, b: Graph): void {
  const bind = { inputs: { x: X, ids: IDS }, params: { w: W }, states: stateValues(a) };
  const ra = interpret(a, bind);
  const rb = interpret(b, bind);
  for (const k of Object.keys(ra.outputs))
    close(rb.outputs[k]!.data, ra.outputs[k]!.data, `output ${k}`, "value");
  for (const k of Object.keys(ra.grads)) {
    // the sparse pass drops the dense gradient of a param it updates by rows, and only then
    if (!b.grads.has(k)) {
      expect(b.updates.get(k)?.op, `grad ${k} dropped`).toBe("scatter_sub");
      continue;
    }
    close(rb.grads[k]!.data, ra.grads[k]!.data, `grad ${k}`, "gradient");
  }
  for (const k of Object.keys(ra.updates))
    close(rb.updates[k]!.data, ra.updates[k]!.data, `update ${k}`, "gradient");
}

describe("passes preserve semantics on random graphs", () => {
  it("each pass alone, and the pipeline, on forward, gradient and training-step graphs", () => {
    fc.assert(
      fc.property(
        steps,
        fc.constantFrom("sgd", "momentum", "rmsprop", "adam") as fc.Arbitrary<keyof typeof optim>,
        (s, opt) => {
          const mdl = build(s);
          const optimizer = (optim[opt] as (lr: number) => Parameters<typeof trainGraph>[1])(0.05);
          for (const g of [mdl.graph, gradGraph(mdl.graph), trainGraph(mdl, optimizer).graph]) {
            for (const pass of PASSES) {
              const after = runPass(g, pass).graph;
              checkGraph(after);
              sameResults(g, after);
            }
            const { graph } = optimizeGraph(g, { check: true });
            sameResults(g, graph);
          }
        },
      ),
      PASS_RUNS.parameters,
    );
  });

  it("the optimizer never grows a graph", () => {
    fc.assert(
      fc.property(steps, (s) => {
        const g = gradGraph(build(s).graph);
        const { report } = optimizeGraph(g);
        for (const r of report) expect(r.nodesAfter).toBeLessThanOrEqual(r.nodesBefore);
      }),
      GROWTH_RUNS.parameters,
    );
  });
});

describe("compiled -O0 and -O2 agree", () => {
  it("on random graphs (forward and backward)", async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (s) => {
        const mdl = build(s);
        const results = [];
        for (const optLevel of [0, 2] as const) {
          const c = await compile(mdl, { optLevel });
          const { instance } = await WebAssembly.instantiate(c.wasm);
          const mem = (instance.exports.memory as WebAssembly.Memory).buffer;
          const at = (role: string, name: string) =>
            c.manifest.tensors.find((t) => t.role === role && t.name === name)!;
          new Float32Array(mem, at("input", "x").offset, 6).set(X);
          new Float32Array(mem, at("param", "w").offset, 9).set(W);
          new Int32Array(mem, at("input", "ids").offset, 2).set(IDS);
          (instance.exports.forward as () => void)();
          (instance.exports.backward as () => void)();
          results.push({
            y: [...new Float32Array(mem, at("output", "y").offset, 6)],
            w: [...new Float32Array(mem, at("grad", "w").offset, 9)],
          });
        }
        const graph = gradGraph(mdl.graph);
        const bindings = { inputs: { x: X, ids: IDS }, params: { w: W } };
        const ref = interpret(graph, bindings);
        const overflowed = overflowsInF32(graph, bindings);
        const near = (v: number, e: number) => Math.abs(v - e) <= 1e-3 * (1 + Math.abs(e));
        const compare = (got: number[], want: ArrayLike<number>, result: Node, quantity: Quantity) => {
          // NaN or ±Infinity may stand where float64 left f32's range (test/support/f32-range.ts)
          const edges = { quantity, mayOverflow: showsOverflow(got) && overflowed(result) };
          got.forEach((v, i) =>
            expect(agrees(v, want[i]!, near, edges), `[${i}] ${v} vs ${want[i]}`).toBe(true),
          );
        };
        for (const r of results) {
          compare(r.y, ref.outputs.y!.data, graph.outputs.get("y")!, "value");
          compare(r.w, ref.grads.w!.data, graph.grads.get("w")!, "gradient");
        }
      }),
      COMPILED_RUNS.parameters,
    );
  });

  it("on a training step: the same trajectory for 10 Adam steps", async () => {
    const mlp = model("mlp", (m) => {
      const x = m.input("x", [4, 3]);
      const y = m.input("y", [4], "i32");
      const h = x
        .matmul(m.param("W1", [3, 8]))
        .add(m.param("b1", [8]))
        .mul(1)
        .relu();
      m.loss(nn.softmaxCrossEntropy(h.matmul(m.param("W2", [8, 3])), y));
    });
    const losses: number[][] = [];
    for (const optLevel of [0, 2] as const) {
      const c = await compile(mlp, { optLevel, optimizer: optim.adam(0.05) });
      const { instance } = await WebAssembly.instantiate(c.wasm);
      const e = instance.exports as Record<string, (...a: number[]) => void>;
      const mem = (instance.exports.memory as WebAssembly.Memory).buffer;
      const at = (role: string, name: string) =>
        c.manifest.tensors.find((t) => t.role === role && t.name === name)!;
      e.init!(7);
      new Float32Array(mem, at("input", "x").offset, 12).set(X.concat(X));
      new Int32Array(mem, at("input", "y").offset, 4).set([0, 1, 2, 1]);
      const run: number[] = [];
      for (let i = 0; i < 10; i++) {
        e.train_step!();
        run.push(new Float32Array(mem, at("output", "loss").offset, 1)[0]!);
      }
      losses.push(run);
    }
    losses[0]!.forEach((l, i) =>
      expect(Math.abs(l - losses[1]![i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, l)),
    );
    expect(losses[1]![9]!).toBeLessThan(losses[1]![0]!);
    void trainGraph;
  });
});
