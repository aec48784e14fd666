// One module at several sizes (compiler/dsl/dims.ts, compiler/pipeline/batches.ts): a model
// defined over dims is compiled with forward entries at other batch sizes, which share the params
// and have their own inputs, outputs and states. The oracle for each entry is the module compiled
// alone at that entry's size (the same graph, so the same kernels: bit for bit), and the float64
// interpreter.
import { describe, expect, it } from "vitest";
import {
  atDims,
  compile,
  emitDts,
  interpret,
  model,
  nn,
  optim,
  WasmgradError,
  type CompileOptions,
  type Model,
} from "../../compiler/index.js";
import { cacheKey } from "../../compiler/cache/key.js";
import { load, type Net } from "../../runtime/index.js";
import { randomValues } from "../wasm/harness.js";
import { expectRuntimeError } from "../runtime/support.js";
import { fakeModule } from "../runtime/fake-module.js";

const D = 5;
const H = 7;
const C = 3;

/** A softmax classifier with a tanh hidden layer, over a batch dim. */
const mlp = model(
  "mlp",
  (m, { batch }) => {
    const x = m.input("x", [batch, D]);
    const y = m.input("y", [batch], "i32");
    const W = m.param("W", [D, H]);
    const b = m.param("b", [H]);
    const V = m.param("V", [H, C]);
    const logits = x.matmul(W).add(b).tanh().matmul(V);
    m.output("probs", nn.softmax(logits));
    m.loss(nn.softmaxCrossEntropy(logits, y));
  },
  { batch: 16 },
);

/** An Elman RNN over [steps, batch] ids with its hidden state carried between calls. */
const rnn = model(
  "rnn",
  (m, { batch, steps }) => {
    const x = m.input("x", [steps, batch], "i32");
    const y = m.input("y", [steps, batch], "i32");
    const E = m.param("E", [C + 1, H]);
    const Wh = m.param("Wh", [H, H]);
    const Wy = m.param("Wy", [H, C + 1]);
    const h0 = m.state("h", [batch, H]);
    const {
      carry: [hT],
      ys: [hs],
    } = m.scan({ init: [h0], xs: [E.gather(x)] }, ([h], [u]) => {
      const next = u!.add(h!.matmul(Wh)).tanh();
      return { carry: [next], ys: [next] };
    });
    m.setState(h0, hT!);
    const logits = hs!.matmul(Wy);
    m.output("logits", logits);
    m.loss(nn.softmaxCrossEntropy(logits, y));
  },
  { batch: 4, steps: 6 },
);

const rows = (batch: number, seed: number) => new Float32Array(randomValues(batch * D, seed));
const labels = (n: number, k: number) => new Int32Array(n).map((_, i) => (i * 7 + 3) % k);

async function loaded(mdl: Model, options: CompileOptions = {}): Promise<Net> {
  return load((await compile(mdl, options)).wasm);
}

/** The module compiled alone at `dims`, holding `net`'s params. */
async function alone(mdl: Model, dims: Record<string, number>, net: Net): Promise<Net> {
  const single = await loaded(atDims(mdl, dims));
  single.loadWeights(net.saveWeights());
  return single;
}

describe("a module with forward entries at several batch sizes", () => {
  const options = { optimizer: optim.adam(0.05), batches: { forward: [1, 8] } } as const;

  it("agrees bit for bit with each size compiled alone, before and after training", async () => {
    const net = await loaded(mlp, options);
    net.init(7);
    const check = async () => {
      for (const batch of [16, 1, 8]) {
        const x = rows(batch, batch);
        const single = await alone(mlp, { batch }, net);
        expect(Array.from(net.at(batch).run({ x }).probs!)).toEqual(Array.from(single.run({ x }).probs!));
        // run() picks the same entry from the size of x
        expect(Array.from(net.run({ x }).probs!)).toEqual(Array.from(single.run({ x }).probs!));
      }
    };
    await check();
    const x = rows(16, 99);
    const y = labels(16, C);
    const first = net.train({ x, y }).loss;
    for (let i = 0; i < 30; i++) net.train({ x, y });
    expect(net.train({ x, y }).loss).toBeLessThan(first * 0.5);
    // the params the training entry wrote are what the batch-1 and batch-8 entries read
    await check();
  });

  it("matches the float64 interpreter at every size", async () => {
    const net = await loaded(mlp, options);
    net.init(3);
    const params = Object.fromEntries(Object.entries(net.params).map(([k, v]) => [k, Array.from(v)]));
    for (const batch of [1, 8, 16]) {
      const x = Array.from(rows(batch, 40 + batch));
      const y = Array.from(labels(batch, C));
      const want = interpret(atDims(mlp, { batch }).graph, { inputs: { x, y }, params }).outputs.probs!.data;
      const got = net.at(batch).run({ x }).probs!;
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 6);
    }
  });

  it("lists every entry with its dims in the manifest, the .d.ts and the plans", async () => {
    const compiled = await compile(mlp, options);
    const { entries } = compiled.manifest;
    expect(entries.forward.dims).toEqual({ batch: 16 });
    expect(entries.train!.dims).toEqual({ batch: 16 });
    expect(entries.forwardAt!.map((e) => [e.export, e.dims, e.inputs, e.outputs, e.mode])).toEqual([
      ["forward_batch_1", { batch: 1 }, ["x"], ["probs"], "eval"],
      ["forward_batch_8", { batch: 8 }, ["x"], ["probs"], "eval"],
    ]);
    // an entry's own tensors are tagged; the labels only the loss reads are the main entries'
    const own = compiled.manifest.tensors.filter((t) => t.entry === "forward_batch_8");
    expect(own.map((t) => [t.role, t.name, t.shape])).toEqual([
      ["input", "x", [8, D]],
      ["output", "probs", [8, C]],
    ]);
    expect(Object.keys(compiled.plans.forwardAt)).toEqual(["forward_batch_1", "forward_batch_8"]);
    expect(Object.keys(compiled.graphs.forwardAt)).toEqual(["forward_batch_1", "forward_batch_8"]);
    const dts = emitDts(compiled.manifest);
    expect(dts).toContain("forward_batch_1 { batch: 1 } (net.at(1)), x f32[1,5], probs f32[1,3]");
    expect(dts).toContain("forward_batch_8 { batch: 8 } (net.at(8)), x f32[8,5], probs f32[8,3]");
    const net = await load(compiled.wasm);
    expect(net.dims).toEqual({ batch: 16 });
    expect(net.forwards.map((f) => [f.export, f.dims])).toEqual([
      ["forward", { batch: 16 }],
      ["forward_batch_1", { batch: 1 }],
      ["forward_batch_8", { batch: 8 }],
    ]);
    expect(net.at(8).inputs.x!.length).toBe(8 * D);
  });

  it("sizes its arena for the largest entry, not the sum (1, 2 and 3 entries)", async () => {
    const report: string[] = [];
    let previous: { wasm: number; arena: number } | undefined;
    for (const forward of [[], [1], [1, 8]]) {
      const c = await compile(mlp, { ...options, batches: { forward } });
      const plans = [c.plans.forward, c.plans.backward!, c.plans.train!, ...Object.values(c.plans.forwardAt)];
      const arena = Math.max(...plans.map((p) => p.arenaBytes));
      const start = c.plans.forward.arenaStart;
      // every entry's arena starts at the same byte, after every entry's tensors
      for (const p of plans) expect(p.arenaStart).toBe(start);
      expect(c.manifest.memoryBytes).toBe(Math.ceil((start + arena) / 65536) * 65536);
      const sum = plans.reduce((s, p) => s + p.arenaBytes, 0);
      expect(arena).toBeLessThan(sum);
      report.push(
        `${1 + forward.length} forward entries: ${c.wasm.byteLength} bytes, arena ${arena} bytes ` +
          `(sum of the entries' ${sum}), memory ${c.manifest.memoryBytes}`,
      );
      if (previous) expect(c.wasm.byteLength).toBeGreaterThan(previous.wasm);
      previous = { wasm: c.wasm.byteLength, arena };
    }
    console.log(report.join("\n"));
  });

  it("keeps a state per entry: a batch-1 sampler does not disturb the training state", async () => {
    const dims = { batch: 1, steps: 1 };
    const net = await loaded(rnn, { optimizer: optim.sgd(0.1), batches: { forward: [dims] } });
    net.init(5);
    const x = labels(24, C + 1);
    const y = labels(24, C);
    net.train({ x, y });
    const trained = Array.from(net.states.h!);
    expect(trained.some((v) => v !== 0)).toBe(true);
    const sampler = net.at(dims);
    expect(sampler.export).toBe("forward_batch_1_steps_1");
    expect(Array.from(sampler.states.h!)).toEqual(new Array(H).fill(0));
    // stepping the sampler agrees with the batch-1, one-step module alone, state carried
    const single = await alone(rnn, dims, net);
    for (const id of [1, 3, 0, 2]) {
      expect(Array.from(sampler.run({ x: [id] }).logits!)).toEqual(
        Array.from(single.run({ x: [id] }).logits!),
      );
    }
    expect(Array.from(sampler.states.h!)).toEqual(Array.from(single.states.h!));
    expect(Array.from(net.states.h!)).toEqual(trained); // the main entry's state is its own
    net.resetState(dims); // one entry's states
    expect(Array.from(sampler.states.h!)).toEqual(new Array(H).fill(0));
    expect(Array.from(net.states.h!)).toEqual(trained);
    sampler.run({ x: [1] });
    net.resetState(); // every entry's
    expect([...net.states.h!, ...sampler.states.h!].every((v) => v === 0)).toBe(true);
  });

  it("gives each size its own cache key", () => {
    const key = (o: CompileOptions) => cacheKey(mlp, o, "fingerprint");
    expect(key({ batches: { forward: [1] } })).not.toBe(key({}));
    expect(key({ batches: { forward: [1] } })).not.toBe(key({ batches: { forward: [2] } }));
    expect(key({ batches: { forward: [1] } })).toBe(key({ batches: { forward: [1] } }));
  });
});

describe("errors", () => {
  const fails = async (mdl: Model, batches: unknown, message: RegExp) => {
    await expect(compile(mdl, { batches } as CompileOptions)).rejects.toThrow(WasmgradError);
    await expect(compile(mdl, { batches } as CompileOptions)).rejects.toThrow(message);
  };

  it("names a model without dims, an unknown dim and a bad size", async () => {
    const fixed = model("fixed", (m) => m.output("y", m.input("x", [2, 3]).tanh()));
    await fails(fixed, { forward: [1] }, /model 'fixed': it is not defined over dims/);
    await fails(
      mlp,
      { forward: [{ steps: 2 }] },
      /model 'mlp': it has no dim 'steps' \(its dims: \{ batch: 16 \}\)/,
    );
    await fails(rnn, { forward: [1.5] }, /dim 'batch' must be a positive integer, got 1.5/);
    await fails(mlp, { forward: [0] }, /dim 'batch' must be a positive integer, got 0/);
    await fails(mlp, { forward: ["8"] }, /batches.forward\[0\] must be a batch size or dims/);
    await fails(mlp, { forward: 8 }, /batches.forward must be a list of sizes/);
    await fails(mlp, { serve: [1] }, /batches: unknown key 'serve'/);
    await fails(mlp, [1, 8], /batches must be an object/);
  });

  it("names a param whose shape depends on the dims", async () => {
    const bad = model(
      "bad",
      (m, { batch }) => {
        const x = m.input("x", [batch, 2]);
        m.output("y", x.mul(m.param("scale", [batch, 2])));
      },
      { batch: 4 },
    );
    await fails(
      bad,
      { forward: [1] },
      /param 'scale' has shape \[4,2\] at \{ batch: 4 \} but \[1,2\] at \{ batch: 1 \}: a param is shared/,
    );
  });

  it("checks the dims a model is defined over", () => {
    const build = (m: Parameters<Parameters<typeof model>[1]>[0]) => m.output("y", m.input("x", [1]).tanh());
    expect(() => model("m", build, { batch: 0 })).toThrow(
      /model 'm': dim 'batch' must be a positive integer/,
    );
    expect(() => model("m", build, {})).toThrow(/dims must name at least one size/);
    expect(() => model("m", build, { "a-b": 1 })).toThrow(/the dim name "a-b" must be letters and digits/);
  });

  it("says which sizes the module's entries take", async () => {
    const net = await loaded(mlp, { batches: { forward: [1] } });
    expectRuntimeError(
      () => net.run({ x: new Float32Array(3 * D) }),
      'model "mlp": run(): no forward entry takes inputs of these sizes (x: 15 values); the module\'s ' +
        "forward entries take { batch: 16 }: x [16, 5]; { batch: 1 }: x [1, 5]",
    );
    expectRuntimeError(
      () => net.at(4),
      'model "mlp": at(4): no forward entry runs at that size (the module\'s forward entries: ' +
        "{ batch: 16 }, { batch: 1 })",
    );
    expectRuntimeError(() => net.at("1" as unknown as number), /at\(1\): no forward entry runs at that size/);
  });

  it("rejects a manifest whose entries do not match its tensors", async () => {
    const withEntry = (f: (m: Record<string, unknown>) => void) =>
      fakeModule({
        manifest: (m) => {
          f(m);
          return m;
        },
      });
    const tensors = (m: Record<string, unknown>) => m.tensors as Record<string, unknown>[];
    const entries = (m: Record<string, unknown>) => m.entries as Record<string, unknown>;
    await expect(
      load(withEntry((m) => tensors(m).push({ ...tensors(m)[0]!, entry: "forward_batch_1" }))),
    ).rejects.toThrow(/tensor "x" belongs to no entry "forward_batch_1"/);
    await expect(
      load(
        withEntry((m) => {
          entries(m).forwardAt = [{ export: "forward_batch_1", inputs: ["x"], outputs: [] }];
        }),
      ),
    ).rejects.toThrow(/entries.forwardAt\[0\] lists unknown input "x"/);
    await expect(
      load(withEntry((m) => (entries(m).forwardAt = [{ export: "forward", inputs: [], outputs: [] }]))),
    ).rejects.toThrow(/entries.forwardAt\[0\] exports "forward" twice/);
  });
});
