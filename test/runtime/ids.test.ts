// An i32 input that indexes a table (gather, scatter_add) is checked against the table's rows
// before the call: compiled code would clamp an out-of-range id silently, the interpreter raises.
import { describe, expect, it } from "vitest";
import { compile, interpret, model, nn, optim } from "../../compiler/index.js";
import { load, type Manifest, type Net } from "../../runtime/index.js";
import { expectRuntimeError } from "./support.js";

const embedding = model("embedding", (m) => {
  const E = m.param("E", [5, 3]);
  const ids = m.input("ids", [2, 2], "i32");
  m.output("rows", E.gather(ids.reshape([4])));
  // a one-hot's ids may be out of range: their rows are zeros
  m.output("hot", nn.oneHot(m.input("classes", [2], "i32"), 5).matmul(E));
});

describe("id inputs are checked against their table", () => {
  it("the manifest records the rows of the table an input indexes, through reshapes", async () => {
    const { manifest } = await compile(embedding);
    const info = (name: string) => manifest.tensors.find((t) => t.role === "input" && t.name === name)!;
    expect(info("ids").idRows).toBe(5);
    expect(info("classes").idRows).toBeUndefined();
  });

  it("run() rejects an id outside the rows, naming the input and the element; one-hot ids may be", async () => {
    const net = await load((await compile(embedding)).wasm);
    net.init(1);
    const E = [...net.params.E!];
    const ok = net.run({ ids: [4, 0, 1, 2], classes: [-1, 7] });
    expect([...ok.rows!.slice(0, 3)]).toEqual(E.slice(12, 15));
    expect([...ok.hot!]).toEqual([0, 0, 0, 0, 0, 0]);
    expectRuntimeError(
      () => net.run({ ids: [4, 0, 5, 2], classes: [0, 0] }),
      'model "embedding": input "ids": element [1, 0] is 5, outside the 5 rows of the table it indexes',
    );
    expectRuntimeError(
      () => net.run({ ids: [0, -1, 0, 0], classes: [0, 0] }),
      /element \[0, 1\] is -1, outside/,
    );
    // an Int32Array takes the runtime's fast check, with the same verdicts and messages
    const fast = net.run({ ids: Int32Array.of(4, 0, 1, 2), classes: Int32Array.of(-1, 7) });
    expect([...fast.rows!]).toEqual([...ok.rows!]);
    expectRuntimeError(
      () => net.run({ ids: Int32Array.of(4, 0, 5, 2), classes: Int32Array.of(0, 0) }),
      'model "embedding": input "ids": element [1, 0] is 5, outside the 5 rows of the table it indexes',
    );
    expectRuntimeError(
      () => net.run({ ids: Int32Array.of(0, -1, 0, 0), classes: Int32Array.of(0, 0) }),
      /element \[0, 1\] is -1, outside/,
    );
  });
});

/** The bytes of every tensor the Net shows (inputs, params, states, outputs, grads). */
function tensorBytes(net: Net): Uint8Array[] {
  return [net.inputs, net.params, net.states, net.outputs, net.grads].flatMap((views) =>
    Object.values(views).map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice()),
  );
}

const inputInfo = (manifest: Manifest, name: string) =>
  manifest.tensors.find((t) => t.role === "input" && t.name === name)!;

describe("ids that reach a table through a chain of ops", () => {
  // every use moves the input's values unchanged: the runtime checks the input itself
  const chains = model("chains", (m) => {
    const E = m.param("E", [6, 2]);
    const F = m.param("F", [4, 2]);
    const ids = m.input("ids", [2, 3], "i32");
    const more = m.input("more", [3], "i32");
    const picked = ids.index(0, 1).slice(0, 0, 2); // [ids[1][0], ids[1][1]]
    m.output("a", E.gather(nn.concat([picked, more], 0)));
    m.output("b", F.gather(ids.transpose().reshape([6]).slice(0, 4, 6)));
  });

  it("records the smallest table an input reaches, through index, slice, concat, transpose", async () => {
    const { manifest } = await compile(chains);
    expect(inputInfo(manifest, "ids").idRows).toBe(4);
    expect(inputInfo(manifest, "more").idRows).toBe(6);
    expect(manifest.computedIds).toBe(false);
  });

  it("run() rejects an id out of range anywhere in such an input, where it used to read row 5", async () => {
    const net = await load((await compile(chains)).wasm);
    net.init(3);
    net.run({ ids: [0, 1, 2, 3, 3, 3], more: [5, 5, 5] });
    const before = tensorBytes(net);
    expectRuntimeError(
      () => net.run({ ids: [0, 1, 2, 3, 3, 3], more: [5, 9, 5] }),
      'model "chains": input "more": element 1 is 9, outside the 6 rows of the table it indexes',
    );
    expectRuntimeError(
      () => net.run({ ids: [0, 1, 2, 3, 4, 3], more: [5, 5, 5] }),
      /input "ids": element \[1, 1\] is 4, outside the 4 rows/,
    );
    expect(tensorBytes(net)).toEqual(before);
  });

  it("follows the rows of a sequence into a loop's step (an RNN over token ids)", async () => {
    const rnn = model("token-rnn", (m) => {
      const E = m.param("E", [5, 3]);
      const W = m.param("W", [3, 3]);
      const x = m.input("x", [4, 2], "i32");
      const y = m.input("y", [4, 2], "i32");
      const h0 = m.state("h", [2, 3]);
      const r = m.scan({ init: [h0], xs: [x, y] }, ([h], [ids, labels]) => {
        const h2 = E.gather(ids!).add(h!.matmul(W)).tanh();
        return { carry: [h2], ys: [nn.softmaxCrossEntropy(h2, labels!, { reduction: "none" })] };
      });
      m.loss(r.ys[0]!.mean());
      m.setState(h0, r.carry[0]!);
    });
    const { manifest, wasm } = await compile(rnn, { optimizer: optim.sgd(0.1) });
    expect(inputInfo(manifest, "x")).toMatchObject({ idRows: 5 });
    expect(inputInfo(manifest, "y")).toMatchObject({ idRows: 3, idUse: "classes" });
    const net = await load(wasm);
    net.init(1);
    const ok = { x: [0, 1, 2, 3, 4, 0, 1, 2], y: [0, 1, 2, 0, 1, 2, 0, 1] };
    net.train(ok);
    const before = tensorBytes(net);
    expectRuntimeError(
      () => net.train({ ...ok, x: [0, 1, 2, 3, 4, 0, 99, 2] }),
      'model "token-rnn": input "x": element [3, 0] is 99, outside the 5 rows of the table it indexes',
    );
    expectRuntimeError(
      () => net.grad({ ...ok, y: [0, 1, 2, 0, 1, 2, 0, 3] }),
      'model "token-rnn": input "y": element [3, 1] is 3, outside the 3 classes [0, 3) of the softmaxCrossEntropy it labels',
    );
    expect(tensorBytes(net)).toEqual(before);
  });

  it("a constant id out of range is a compile error at the gather's line", async () => {
    const bad = model("constant-ids", (m) => {
      const E = m.param("E", [3, 2]);
      m.output("rows", E.gather(m.constant([0, 3], [2], "i32")));
    });
    await expect(compile(bad)).rejects.toThrow(
      /ids\.test\.ts:\d+:\d+: gather: a constant id 3 is outside the 3 rows of the table it indexes/,
    );
  });
});

describe("ids computed inside the model are checked as it runs", () => {
  // shifted ids: arithmetic, which only compiled code can check
  const shifted = model("shifted", (m) => {
    const E = m.param("E", [6, 2]);
    const ids = m.input("ids", [3], "i32");
    const y = m.input("y", [3], "i32");
    const h = E.gather(ids.add(1));
    m.output("h", h);
    m.loss(nn.softmaxCrossEntropy(h, y));
  });

  it("the interpreter raises, and train() raises naming the gather and undoes the call", async () => {
    const c = await compile(shifted, { optimizer: optim.adam(0.1) });
    expect(c.manifest.computedIds).toBe(true);
    expect(inputInfo(c.manifest, "ids").idRows).toBeUndefined();
    const net = await load(c.wasm);
    net.init(2);
    net.train({ ids: [0, 1, 4], y: [0, 1, 1] });
    const before = tensorBytes(net);
    const message =
      /^model "shifted": train\(\): id 6 at gather \(.*ids\.test\.ts:\d+:\d+\) is outside the 6 rows of its table; the call was undone: every tensor is as it was before$/;
    expectRuntimeError(() => net.train({ ids: [0, 5, 4], y: [0, 1, 1] }), message);
    expect(tensorBytes(net)).toEqual(before);
    expectRuntimeError(() => net.run({ ids: [-2, 0, 0] }), /run\(\): id -1 at gather .* outside the 6 rows/);
    expect(tensorBytes(net)).toEqual(before);
    // the interpreter agrees that such an id is an error
    expect(() =>
      interpret(shifted.graph, {
        inputs: { ids: [0, 5, 4], y: [0, 1, 1] },
        params: { E: [...net.params.E!] },
      }),
    ).toThrow(/gather: id 6 at position 1 is outside the table's 6 rows/);
    // and the next call works on the untouched weights
    expect(net.train({ ids: [0, 1, 4], y: [0, 1, 1] }).loss).toBeGreaterThan(0);
  });

  it("inside a loop: ids computed from a carry trap at the step that goes out of range", async () => {
    // step t gathers row start + t: a counter no check before the call can follow
    const counter = model("counter", (m) => {
      const E = m.param("E", [4, 2]);
      const r = m.scan({ init: [m.input("start", [1])], length: 3 }, ([c]) => ({
        carry: [c!.add(1)],
        ys: [E.gather(c!.cast("i32"))],
      }));
      m.output("rows", r.ys[0]!);
      m.loss(r.ys[0]!.sum());
    });
    const c = await compile(counter, { optimizer: optim.sgd(0.1) });
    expect(c.manifest.computedIds).toBe(true);
    const net = await load(c.wasm);
    net.init(0);
    const E = [...net.params.E!];
    expect([...net.run({ start: [1] }).rows!]).toEqual(E.slice(2, 8));
    const before = tensorBytes(net);
    expectRuntimeError(
      () => net.train({ start: [2] }),
      /^model "counter": train\(\): id 4 at gather \(.*\) is outside the 4 rows of its table; the call was undone/,
    );
    expect(tensorBytes(net)).toEqual(before);
  });

  it("a bare trainStep() with an id written to the view traps with an error, not a clamped row", async () => {
    const net = await load((await compile(shifted, { optimizer: optim.sgd(0.1) })).wasm);
    net.init(0);
    net.inputs.ids!.set([0, 7, 0]);
    net.inputs.y!.set([0, 0, 0]);
    expectRuntimeError(
      () => net.trainStep(),
      /^model "shifted": train_step\(\): id 8 at gather .* outside the 6 rows of its table; the call stopped part way/,
    );
  });
});

describe("class labels", () => {
  const classifier = (ignoreIndex?: number) =>
    model("classifier", (m) => {
      const W = m.param("W", [2, 3]);
      const x = m.input("x", [4, 2]);
      const y = m.input("y", [4], "i32");
      m.loss(nn.softmaxCrossEntropy(x.matmul(W), y, ignoreIndex === undefined ? {} : { ignoreIndex }));
    });
  const x = [1, 2, -1, 0.5, 0.3, 0.3, 2, -2];

  it("outside [0, C) are rejected by run, grad and train; without ignoreIndex, -1 too", async () => {
    const net = await load((await compile(classifier(), { optimizer: optim.sgd(0.1) })).wasm);
    net.init(0);
    const before = tensorBytes(net);
    for (const call of [() => net.grad({ x, y: [0, -1, 1, 2] }), () => net.train({ x, y: [0, -1, 1, 2] })]) {
      expectRuntimeError(
        call,
        'model "classifier": input "y": element 1 is -1, outside the 3 classes [0, 3) of the softmaxCrossEntropy it labels',
      );
    }
    expectRuntimeError(() => net.train({ x, y: [0, 3, 1, 2] }), /element 1 is 3, outside the 3 classes/);
    expect(tensorBytes(net)).toEqual(before);
  });

  it("with ignoreIndex, that label is accepted and any other outside [0, C) rejected", async () => {
    const { manifest, wasm } = await compile(classifier(-1), { optimizer: optim.sgd(0.1) });
    expect(inputInfo(manifest, "y")).toMatchObject({ idRows: 3, idIgnore: -1, idUse: "classes" });
    const net = await load(wasm);
    net.init(0);
    net.train({ x, y: [0, -1, 1, 2] });
    expectRuntimeError(
      () => net.train({ x, y: [0, -1, -2, 2] }),
      'model "classifier": input "y": element 2 is -2, outside the 3 classes [0, 3) of the softmaxCrossEntropy it labels or the ignored label -1',
    );
  });

  it("mean divides by the examples not ignored (PyTorch, TensorFlow), and is 0 when all are", async () => {
    const net = await load((await compile(classifier(-1))).wasm);
    net.init(4);
    const W = [...net.params.W!];
    const rows = interpret(
      model("rows", (m) => {
        const Wp = m.param("W", [2, 3]);
        m.output(
          "l",
          nn.softmaxCrossEntropy(m.input("x", [4, 2]).matmul(Wp), m.input("y", [4], "i32"), {
            reduction: "none",
          }),
        );
      }).graph,
      { inputs: { x, y: [0, 2, 1, 2] }, params: { W } },
    ).outputs.l!.data;
    const g = net.grad({ x, y: [0, -1, -1, 2] });
    expect(g.loss).toBeCloseTo((rows[0]! + rows[3]!) / 2, 6);
    // the interpreter's value for the same graph
    const reference = interpret(classifier(-1).graph, { inputs: { x, y: [0, -1, -1, 2] }, params: { W } });
    expect(g.loss).toBeCloseTo(reference.outputs.loss!.data[0]!, 6);
    const none = net.grad({ x, y: [-1, -1, -1, -1] });
    expect(none.loss).toBe(0);
    expect([...none.grads.W!]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("ignoreIndex must be an integer outside [0, C), named at the user's line", () => {
    for (const bad of [0, 2, 0.5]) {
      expect(() => classifier(bad)).toThrow(
        new RegExp(
          `ids\\.test\\.ts:\\d+:\\d+: softmaxCrossEntropy: ignoreIndex must be an integer outside the classes \\[0, 3\\) of logits \\[4,3\\], got ${bad}`,
        ),
      );
    }
  });
});
