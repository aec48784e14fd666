// The compile pipeline's stages, each called alone (compiler/pipeline): what each produces, and
// that the options reach every graph they should (the pass list reaches the steps of loops too).
import { describe, expect, it } from "vitest";
import { model, nn, optim, type Model } from "../../compiler/index.js";
import { topologicalOrder } from "../../compiler/ir/graph.js";
import type { Node } from "../../compiler/ir/node.js";
import { buildEntries, entryNames, entryRoots } from "../../compiler/pipeline/entries.js";
import { layoutMemory, nodesOf } from "../../compiler/pipeline/layout.js";
import { optimizeEntries } from "../../compiler/pipeline/optimize.js";
import { planMemory } from "../../compiler/pipeline/plan.js";
import { DEFAULT_MATMUL_TUNING, targetOf } from "../../compiler/target.js";
import { compile, STAGES } from "../../compiler/pipeline/compile.js";

const [T, B, D, H] = [4, 2, 3, 5];

/** An Elman RNN whose step has an elementwise chain worth fusing (add, add, tanh). */
function rnn(): Model {
  return model("rnn", (m) => {
    const x = m.input("x", [T, B, D]);
    const y = m.input("y", [T, B], "i32");
    const Wx = m.param("Wx", [D, H]);
    const Wh = m.param("Wh", [H, H]);
    const b = m.param("b", [H]);
    const { ys } = m.scan({ init: [m.constant(0, [B, H])], xs: [x] }, ([h], [xt]) => {
      const next = xt!.matmul(Wx).add(h!.matmul(Wh)).add(b).tanh();
      return { carry: [next], ys: [next] };
    });
    m.loss(nn.softmaxCrossEntropy(ys[0]!, y));
  });
}

const ops = (nodes: readonly Node[]) => new Set(nodes.map((n) => n.op));

describe("stage entries", () => {
  it("forward only without a loss; backward with one; train with an optimizer", () => {
    const noLoss = model("f", (m) => m.output("y", m.input("x", [2]).exp()));
    expect(entryNames(buildEntries(noLoss, {}))).toEqual(["forward"]);
    expect(entryNames(buildEntries(rnn(), {}))).toEqual(["forward", "backward"]);
    const all = buildEntries(rnn(), { optimizer: optim.adam(0.01) });
    expect(entryNames(all)).toEqual(["forward", "backward", "train"]);
    expect(all.train!.states.length).toBeGreaterThan(0); // Adam's moments
    expect(() => buildEntries(noLoss, { optimizer: optim.sgd(0.1) })).toThrow(/has no loss/);
  });
});

describe("stage optimize", () => {
  it("optimizes the step of every loop with the entries' options (passes too)", () => {
    const entries = buildEntries(rnn(), { optimizer: optim.sgd(0.1) });
    const stepOps = (options: Parameters<typeof optimizeEntries>[1]) => {
      const { steps } = optimizeEntries(entries, options);
      expect(steps.size).toBeGreaterThanOrEqual(2); // the forward loop and BPTT's reverse loop
      return ops([...steps.values()].flatMap((s) => s.order));
    };
    expect(stepOps({ level: 2 }).has("fusion")).toBe(true);
    expect(stepOps({ level: 2, passes: ["hoist", "simplify", "fold", "cse"] }).has("fusion")).toBe(false);
    expect(stepOps({ level: 0 }).has("fusion")).toBe(false);
  });

  it("compile's `passes` reach the loop steps of the module (they used not to)", async () => {
    const scheduled = async (passes?: readonly string[]) => {
      const c = await compile(rnn(), { optimizer: optim.sgd(0.1), ...(passes ? { passes } : {}) });
      return ops(c.plans.steps.flatMap((s) => s.schedule));
    };
    expect((await scheduled()).has("fusion")).toBe(true);
    expect((await scheduled(["hoist", "simplify", "fold", "cse"])).has("fusion")).toBe(false);
  });
});

describe("stages layout and plan", () => {
  const mdl = rnn();
  const opt = optimizeEntries(buildEntries(mdl, { optimizer: optim.adam(0.01) }), { level: 2 });
  const layout = layoutMemory(mdl, opt, 1024);

  it("places every tensor after `start`, without overlaps, and every constant of the steps too", () => {
    expect(layout.tensors.map((t) => `${t.role}:${t.name}`)).toEqual([
      "input:x",
      "input:y",
      "param:Wx",
      "param:Wh",
      "param:b",
      ...opt.graphs.train!.states.map((s) => `state:${s.attrs.name}`),
      "output:loss",
      "grad:Wx",
      "grad:Wh",
      "grad:b",
    ]);
    const spans = [
      ...layout.tensors.map((t) => [t.offset, t.offset + 4 * t.shape.reduce((a, d) => a * d, 1)]),
      ...[...layout.constants.values()].map((b) => [
        b.offset,
        b.offset + 4 * b.shape.reduce((a, d) => a * d, 1),
      ]),
    ].sort((a, b) => a[0]! - b[0]!);
    expect(spans[0]![0]).toBeGreaterThanOrEqual(1024);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]!);
    expect(layout.end).toBeGreaterThanOrEqual(spans[spans.length - 1]![1]!);
    const stepConstants = [...opt.steps.values()].flatMap((s) => s.order).filter((n) => n.op === "const");
    for (const c of stepConstants) expect(layout.constants.has(c)).toBe(true);
    const roots = entryRoots("train", opt.graphs.train!);
    expect(nodesOf(opt, roots).length).toBeGreaterThan(topologicalOrder(roots).length); // steps included
  });

  it("plans every entry, and every loop step with a scratch block its scan reserves", () => {
    const memory = planMemory(opt, layout, targetOf({}, mdl.name));
    expect(memory.entries.map((e) => [e.name, e.exportName])).toEqual([
      ["forward", "forward"],
      ["backward", "backward"],
      ["train", "train_step"],
    ]);
    expect([...memory.steps.keys()].sort((a, b) => a.id - b.id)).toEqual(
      [...opt.steps.keys()].sort((a, b) => a.id - b.id),
    );
    for (const [scan, step] of memory.steps) {
      expect(step.bytes).toBeGreaterThanOrEqual(step.arenaStart + step.plan.arenaBytes);
      for (const e of memory.entries) {
        const block = e.plan.scratchOf.get(scan);
        if (block) expect(block.bytes).toBe(step.bytes);
      }
    }
  });
});

describe("target", () => {
  it("is made once from the options, and relaxed SIMD needs SIMD", () => {
    expect(targetOf({}, "m")).toEqual({ simd: true, relaxedSimd: false, matmul: DEFAULT_MATMUL_TUNING });
    expect(targetOf({ simd: false }, "m")).toEqual({
      simd: false,
      relaxedSimd: false,
      matmul: DEFAULT_MATMUL_TUNING,
    });
    const tuning = { ...DEFAULT_MATMUL_TUNING, packB: false };
    expect(targetOf({ matmul: tuning }, "m").matmul).toBe(tuning);
    expect(Object.isFrozen(targetOf({ relaxedSimd: true }, "m"))).toBe(true);
    expect(() => targetOf({ simd: false, relaxedSimd: true }, "m")).toThrow(
      /relaxedSimd needs simd \(model 'm'/,
    );
  });
});

describe("compile's timings", () => {
  it("reports every stage and the code generator's loading, within the call's own time", async () => {
    const started = performance.now();
    const { timings } = await compile(rnn(), { optimizer: optim.sgd(0.1) });
    const wall = performance.now() - started;
    expect(Object.keys(timings).sort()).toEqual([...STAGES, "load"].sort());
    const values = Object.values(timings);
    expect(values.every((ms) => ms >= 0)).toBe(true);
    expect(values.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(wall);
  });
});
