// The hoist pass (compiler/passes/hoist.ts) and the rules that finish its work: what stays in a
// scan's loop, what leaves it, and that every value and gradient stays the same (float64
// interpreter before and after the -O2 pipeline).
import { describe, expect, it } from "vitest";
import {
  gradGraph,
  graphNodes,
  initParams,
  interpret,
  model,
  nn,
  type Graph,
  type Model,
  type Node,
} from "../../compiler/index.js";
import { optimizeGraph } from "../../compiler/passes/pipeline.js";
import type { ScanAttrs } from "../../compiler/ops/scan-body.js";

const T = 5;
const B = 3;
const D = 4;
const H = 6;
const V = 5;

interface Options {
  readonly reverse?: boolean;
  /** Also return a per-step output computed from the pre-activation (needs the step's matmul). */
  readonly preActivation?: boolean;
  /** Compute the output projection inside the step (hoistable after the loop). */
  readonly projectInStep?: boolean;
  /** Feed the step with ids through an embedding table instead of dense rows. */
  readonly ids?: boolean;
}

function rnn(o: Options = {}): Model {
  return model("hoist", (m) => {
    const X = o.ids ? m.input("ids", [T, B], "i32") : m.input("x", [T, B, D]);
    const Y = m.input("y", [T, B], "i32");
    const E = m.param("E", [V, D]);
    const Wx = m.param("Wx", [D, H]);
    const Wh = m.param("Wh", [H, H]);
    const bh = m.param("bh", [H], { kind: "uniform", low: -0.3, high: 0.3 });
    const Wy = m.param("Wy", [H, V]);
    const h0 = m.input("h0", [B, H]);
    const r = m.scan({ init: [h0], xs: [X], reverse: o.reverse }, ([h], [x]) => {
      const input = o.ids ? E.gather(x!) : x!;
      const z = input.matmul(Wx).add(h!.matmul(Wh)).add(bh);
      const next = z.tanh();
      const ys = [o.projectInStep ? next.matmul(Wy) : next];
      if (o.preActivation) ys.push(z);
      return { carry: [next], ys };
    });
    const logits = o.projectInStep ? r.ys[0]! : r.ys[0]!.matmul(Wy);
    let loss = nn.softmaxCrossEntropy(logits.reshape([T * B, V]), Y.reshape([T * B]));
    if (o.preActivation) loss = loss.add(r.ys[1]!.mul(r.ys[1]!).mean().mul(0.1));
    m.loss(loss);
    m.output("hT", r.carry[0]!);
  });
}

const feeds = (o: Options) => ({
  inputs: {
    ...(o.ids
      ? { ids: Array.from({ length: T * B }, (_, i) => (i * 7) % V) }
      : { x: Array.from({ length: T * B * D }, (_, i) => Math.sin(i + 1)) }),
    y: Array.from({ length: T * B }, (_, i) => (i * 3) % V),
    h0: Array.from({ length: B * H }, (_, i) => 0.3 * Math.cos(i)),
  },
});

const scans = (g: Graph): Node[] => graphNodes(g).filter((n) => n.op === "scan");
const opsInLoop = (scan: Node, op: string) =>
  (scan.attrs as ScanAttrs).program.filter((i) => i.op === op).length;

function expectSameValues(mdl: Model, o: Options): Graph {
  const params = initParams(mdl, 3);
  // the params the model does not use (E with dense rows) are bound anyway
  const g = gradGraph(mdl.graph);
  const optimized = optimizeGraph(g, { check: true }).graph;
  const before = interpret(g, { ...feeds(o), params });
  const after = interpret(optimized, { ...feeds(o), params });
  for (const [kind, a, b] of [
    ["output", before.outputs, after.outputs],
    ["gradient", before.grads, after.grads],
  ] as const) {
    for (const name of Object.keys(a)) {
      const x = a[name]!.data;
      const y = b[name]!.data;
      x.forEach((v, i) => expect(Math.abs(y[i]! - v), `${kind} ${name}[${i}]`).toBeLessThanOrEqual(1e-12));
    }
  }
  return optimized;
}

describe("hoist: the loop keeps only what depends on its carries", () => {
  for (const reverse of [false, true]) {
    it(`an Elman RNN (reverse ${reverse}): one matmul per step forward and backward; weight gradients are single matmuls over T·B rows`, () => {
      const o = { reverse };
      const g = expectSameValues(rnn(o), o);
      const [fwd, bwd] = scans(g);
      expect(scans(g)).toHaveLength(2);
      expect(opsInLoop(fwd!, "matmul")).toBe(1); // h·Wh; x_t·Wx left the loop
      expect(opsInLoop(bwd!, "matmul")).toBe(1); // dz·Whᵀ; dWh, dWx left the loop
      expect((bwd!.attrs as ScanAttrs).reverse).toBe(!reverse);
      // dz·Whᵀ reads Whᵀ, transposed once before the loop, not at every step
      const inLoop = (bwd!.attrs as ScanAttrs).program.find((i) => i.op === "matmul")!;
      expect(inLoop.attrs).toEqual({ transA: false, transB: false });
      expect(bwd!.inputs.some((i) => i.op === "transpose" && i.inputs[0]!.op === "param")).toBe(true);
      const grad = (name: string) => g.grads.get(name)!;
      for (const name of ["Wh", "Wx"]) {
        expect(grad(name).op, name).toBe("matmul");
        expect(grad(name).inputs[0]!.shape[0], name).toBe(T * B);
      }
    });
  }

  it("a per-step output computed from the new carry leaves the loop (the projection h_t·Wy)", () => {
    const o = { projectInStep: true };
    const g = expectSameValues(rnn(o), o);
    expect(opsInLoop(scans(g)[0]!, "matmul")).toBe(1);
  });

  it("a per-step output that needs the step's own matmul stays in the loop (no recomputation)", () => {
    const o = { preActivation: true };
    const g = expectSameValues(rnn(o), o);
    const fwd = scans(g)[0]!;
    expect(opsInLoop(fwd, "matmul")).toBe(1);
    expect((fwd.attrs as ScanAttrs).results).toHaveLength(2); // h_t and z_t are stored
  });

  it("an embedding lookup of the step's ids leaves the loop as one gather", () => {
    const o = { ids: true };
    const g = expectSameValues(rnn(o), o);
    for (const s of scans(g)) expect(opsInLoop(s, "gather")).toBe(0);
  });

  it("a per-step softmax cross-entropy leaves the loop: one softmax_xent over T·B rows, with its gradient", () => {
    const tagger = model("per-step-loss", (m) => {
      const X = m.input("x", [T, B, D]);
      const Y = m.input("y", [T, B], "i32");
      const Wx = m.param("Wx", [D, H]);
      const Wh = m.param("Wh", [H, H]);
      const Wy = m.param("Wy", [H, V]);
      const r = m.scan({ init: [m.input("h0", [B, H])], xs: [X, Y] }, ([h], [x, y]) => {
        const next = x!.matmul(Wx).add(h!.matmul(Wh)).tanh();
        return { carry: [next], ys: [nn.softmaxCrossEntropy(next.matmul(Wy), y!, { reduction: "none" })] };
      });
      m.loss(r.ys[0]!.mean());
    });
    const g = expectSameValues(tagger, {});
    for (const s of scans(g)) {
      expect(opsInLoop(s, "softmax_xent")).toBe(0);
      expect(opsInLoop(s, "softmax_xent_grad")).toBe(0);
    }
    // after the loop, in one fused kernel over the [T, B] rows
    const fused = graphNodes(g).filter(
      (n) =>
        n.op === "fusion" &&
        (n.attrs as { program: { op: string }[] }).program[1]?.op === "softmax_xent_grad",
    );
    expect(fused).toHaveLength(1);
    expect((fused[0]!.attrs as { program: { op: string }[] }).program[0]!.op).toBe("softmax_xent");
    expect(fused[0]!.shape).toEqual([T, B, V]);
  });

  it("an LSTM: the gates its backward step reads are stored by the forward loop, not recomputed", () => {
    const lstm = model("lstm", (m) => {
      const X = m.input("x", [T, B, D]);
      const Y = m.input("y", [T, B], "i32");
      const Wx = m.param("Wx", [D, 4 * H]);
      const Wh = m.param("Wh", [H, 4 * H]);
      const Wy = m.param("Wy", [H, V]);
      const h0 = m.input("h0", [B, H]);
      const r = m.scan({ init: [h0, m.constant(0, [B, H])], xs: [X] }, ([h, c], [x]) => {
        const z = x!.matmul(Wx).add(h!.matmul(Wh));
        const gate = (k: number) => z.slice(1, k * H, (k + 1) * H);
        const [i, f, o, g] = [gate(0).sigmoid(), gate(1).sigmoid(), gate(2).sigmoid(), gate(3).tanh()];
        const c2 = f.mul(c!).add(i.mul(g));
        return { carry: [o.mul(c2.tanh()), c2], ys: [o.mul(c2.tanh())] };
      });
      m.loss(nn.softmaxCrossEntropy(r.ys[0]!.matmul(Wy).reshape([T * B, V]), Y.reshape([T * B])));
    });
    const o = {};
    const g = expectSameValues(lstm, o);
    const [fwd, bwd] = scans(g);
    expect(scans(g)).toHaveLength(2);
    expect(opsInLoop(fwd!, "matmul")).toBe(1);
    expect(opsInLoop(bwd!, "matmul")).toBe(1); // d gates · Whᵀ only: h·Wh is not recomputed
    // h and c, then the four gates (i, f, o, g) as residuals
    expect((fwd!.attrs as ScanAttrs).results).toHaveLength(6);
  });

  it("-O0 keeps the loop as written", () => {
    const mdl = rnn();
    const g = optimizeGraph(gradGraph(mdl.graph), { level: 0 }).graph;
    expect(opsInLoop(scans(g)[0]!, "matmul")).toBe(2);
  });
});
