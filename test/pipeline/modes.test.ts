// Training and evaluation mode (compiler/ops/mode.ts, compiler/pipeline/modes.ts): dropout is the
// identity in a compiled forward pass and in the interpreter's eval mode, draws the seeded mask
// in training mode (backward, train_step, forwardMode "train"), and an eval-mode forward neither
// reads the seed nor computes a mask. The oracle for the mask is written out here from the
// counter-based hash (compiler/ir/random.ts), not taken from the code under test.
import { describe, expect, it } from "vitest";
import {
  compile,
  gradGraph,
  interpret,
  model,
  nn,
  optim,
  WasmgradError,
  type Model,
} from "../../compiler/index.js";
import { uniform24 } from "../../compiler/ir/random.js";
import { printGraph } from "../../compiler/inspect/text.js";
import { WasmModel, f32, randomValues } from "../wasm/harness.js";

const B = 4;
const D = 6;
const H = 5;
const KEEP = 0.6;
const SALT = 11;
const SEED = 1234;

/** x -> dropout(x W) -> sum of squares: one layer whose activations are dropped. */
function net(keep: number): Model {
  return model(`dropout-${keep}`, (m) => {
    const x = m.input("x", [B, D]);
    const seed = m.input("seed", [], "i32");
    const W = m.param("W", [D, H]);
    const h = nn.dropout(x.matmul(W), keep, seed, SALT);
    m.output("h", h);
    m.loss(h.mul(h).sum());
  });
}

const x = f32(randomValues(B * D, 1));
const W = f32(randomValues(D * H, 2));
const feeds = { inputs: { x, seed: [SEED] }, params: { W } };

/** The mask of dropout(·, KEEP, SEED, SALT) over [B, H], scaled: 1/keep where kept, 0 elsewhere. */
const scale = Array.from({ length: B * H }, (_, i) => (uniform24(SEED, SALT, i) < KEEP ? 1 / KEEP : 0));

async function loaded(mdl: Model, options: Parameters<typeof compile>[1] = {}): Promise<WasmModel> {
  const wasm = await WasmModel.create(await compile(mdl, options));
  wasm.write("x", "input", x);
  if (wasm.has("seed", "input")) wasm.write("seed", "input", [SEED]);
  wasm.write("W", "param", W);
  return wasm;
}

describe("the interpreter", () => {
  const g = net(KEEP).graph;
  const plain = interpret(net(1).graph, feeds).outputs.h!.data;

  it("evaluates dropout as the identity in eval mode", () => {
    expect(Array.from(interpret(g, { ...feeds, mode: "eval" }).outputs.h!.data)).toEqual(Array.from(plain));
  });

  it("draws the seeded mask in training mode, its default", () => {
    const expected = Array.from(plain, (v, i) => v * scale[i]!);
    for (const bindings of [feeds, { ...feeds, mode: "train" as const }]) {
      const got = Array.from(interpret(g, bindings).outputs.h!.data);
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    }
    expect(scale.some((s) => s === 0) && scale.some((s) => s > 0)).toBe(true);
  });

  it("rejects a mode that is neither, naming it", () => {
    expect(() => interpret(g, { ...feeds, mode: "test" as never })).toThrow(
      /interpret\(dropout-0\.6\): mode must be "train" or "eval", got "test"/,
    );
  });
});

describe("compiled entries", () => {
  it("forward evaluates: bit for bit the forward of the same model without dropout", async () => {
    const withDropout = await loaded(net(KEEP));
    const without = await loaded(net(1));
    withDropout.call("forward");
    without.call("forward");
    expect(withDropout.read("h", "output")).toEqual(without.read("h", "output"));
  });

  it.each([0, 2] as const)(
    "forward neither reads the seed nor draws a mask; backward does; the manifest says each mode (-O%i)",
    async (optLevel) => {
      const compiled = await compile(net(KEEP), { optLevel });
      const { forward, backward } = compiled.manifest.entries;
      expect(forward).toMatchObject({ inputs: ["x"], mode: "eval" });
      expect(backward).toMatchObject({ inputs: ["x", "seed"], mode: "train" });
      // the ops of every kernel, and of the loops fused into them
      const ops = (plan: typeof compiled.plans.forward) =>
        plan.schedule.flatMap((n) => [
          n.op,
          ...((n.attrs.program as { op: string }[] | undefined) ?? []).map((i) => i.op),
        ]);
      expect(ops(compiled.plans.forward)).not.toContain("random_uniform");
      expect(ops(compiled.plans.backward!)).toContain("random_uniform");
    },
  );

  it("backward trains: the gradient of the interpreter's training-mode graph", async () => {
    const wasm = await loaded(net(KEEP));
    wasm.call("backward");
    const ref = interpret(gradGraph(net(KEEP).graph), { ...feeds, mode: "train" });
    const got = wasm.read("W", "grad");
    Array.from(ref.grads.W!.data).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    expect(wasm.read("loss", "output")[0]).toBeCloseTo(ref.outputs.loss!.data[0]!, 3);
  });

  it("train_step trains: one SGD step equals W − lr·(the seeded-mask gradient)", async () => {
    const lr = 0.05;
    const wasm = await loaded(net(KEEP), { optimizer: optim.sgd(lr) });
    wasm.call("train_step");
    const grad = interpret(gradGraph(net(KEEP).graph), { ...feeds, mode: "train" }).grads.W!.data;
    const got = wasm.read("W", "param");
    W.forEach((w, i) => expect(got[i]).toBeCloseTo(w - lr * grad[i]!, 5));
  });

  it('forwardMode "train" keeps the mask in forward (Monte-Carlo dropout)', async () => {
    const wasm = await loaded(net(KEEP), { forwardMode: "train" });
    expect(wasm.manifest.entries.forward).toMatchObject({ inputs: ["x", "seed"], mode: "train" });
    wasm.call("forward");
    const ref = interpret(net(KEEP).graph, { ...feeds, mode: "train" }).outputs.h!.data;
    const got = wasm.read("h", "output");
    Array.from(ref).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    expect(got.filter((v) => v === 0).length).toBe(scale.filter((s) => s === 0).length);
  });

  it("rejects a forwardMode that is neither, naming the option", async () => {
    await expect(compile(net(KEEP), { forwardMode: "test" as never })).rejects.toThrow(WasmgradError);
    await expect(compile(net(KEEP), { forwardMode: "test" as never })).rejects.toThrow(
      /forwardMode must be "train" or "eval", got "test"/,
    );
  });
});

describe("dropout in a loop body", () => {
  // an RNN step with dropout on its hidden state: the mode node is a loop-invariant operand
  const rnn = (keep: number) =>
    model(`rnn-dropout-${keep}`, (m) => {
      const xs = m.input("xs", [3, B, D]);
      const seed = m.input("seed", [], "i32");
      const Wx = m.param("Wx", [D, H]);
      const Wh = m.param("Wh", [H, H]);
      const {
        carry: [h],
      } = m.scan({ init: [m.constant(0, [B, H])], xs: [xs] }, ([carry], [xt]) => {
        const next = xt!.matmul(Wx).add(carry!.matmul(Wh)).tanh();
        return { carry: [nn.dropout(next, keep, seed, 5)] };
      });
      m.output("h", h!);
      m.loss(h!.sum());
    });

  it("evaluates in forward and trains in backward", async () => {
    const text = printGraph(rnn(KEEP).graph);
    expect(text).toMatch(/mode/);
    const inputs = { xs: f32(randomValues(3 * B * D, 3)), seed: [SEED] };
    const params = { Wx: f32(randomValues(D * H, 4)), Wh: f32(randomValues(H * H, 5)) };
    const run = async (mdl: Model) => {
      const wasm = await WasmModel.create(await compile(mdl));
      wasm.write("xs", "input", inputs.xs);
      if (wasm.has("seed", "input")) wasm.write("seed", "input", inputs.seed);
      wasm.write("Wx", "param", params.Wx);
      wasm.write("Wh", "param", params.Wh);
      wasm.call("forward");
      wasm.call("backward");
      return { h: wasm.read("h", "output"), grad: wasm.read("Wh", "grad") };
    };
    const dropped = await run(rnn(KEEP));
    const plain = await run(rnn(1));
    expect(dropped.h).toEqual(plain.h);
    const ref = interpret(gradGraph(rnn(KEEP).graph), { inputs, params, mode: "train" }).grads.Wh!.data;
    Array.from(ref).forEach((v, i) => expect(dropped.grad[i]).toBeCloseTo(v, 4));
    expect(dropped.grad).not.toEqual(plain.grad);
  });
});
