// Bad input must raise a WasmgradError that names the problem, the op, the shapes and the user's
// source line: never a crash deep inside, never a silent wrong answer.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { gradGraph, interpret, model, nn, WasmgradError, type Model } from "../../compiler/index.js";
import { graphFromJSON, graphToJSON } from "../../compiler/serialize.js";

const thisFile = fileURLToPath(import.meta.url);
const lines = readFileSync(thisFile, "utf8").split("\n");
/** "errors.test.ts:LINE" of the line holding `marker` (a comment on the offending line). */
function at(marker: string): string {
  const i = lines.findIndex((l) => l.includes(`// ${marker}`) && !l.includes("at("));
  if (i < 0) throw new Error(`no marker ${marker}`);
  return `errors.test.ts:${i + 1}:`;
}

function error(fn: () => unknown): WasmgradError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WasmgradError);
    return e as WasmgradError;
  }
  throw new Error("expected a WasmgradError, but nothing was thrown");
}

const mlp: Model = model("mlp", (m) => {
  const x = m.input("x", [2, 3]);
  const y = m.input("y", [2], "i32");
  const W = m.param("W", [3, 4]);
  m.loss(nn.softmaxCrossEntropy(x.matmul(W), y));
});

describe("errors name the problem and the user's source line", () => {
  it("shape mismatch in matmul", () => {
    const e = error(() =>
      model("m", (m) => {
        const x = m.input("x", [2, 3]);
        const W = m.param("W", [4, 5]);
        m.output("y", x.matmul(W)); // MATMUL
      }),
    );
    expect(e.message).toContain(at("MATMUL"));
    expect(e.op).toBe("matmul");
    expect(e.message).toMatch(/inner dimensions differ: \[2,3\] · \[4,5\] \(3 vs 4\)/);
  });

  it("shapes that do not broadcast", () => {
    const e = error(() =>
      model("m", (m) => {
        const a = m.input("a", [2, 3]);
        m.output("y", a.add(m.input("b", [4]))); // BROADCAST
      }),
    );
    expect(e.message).toContain(at("BROADCAST"));
    expect(e.message).toMatch(/add: shapes \[2,3\] and \[4\] do not broadcast/);
  });

  it("wrong dtype: arithmetic mixing f32 and i32, and f32 ids for gather", () => {
    const mixed = error(() =>
      model("m", (m) => {
        const a = m.input("a", [3]);
        m.output("y", a.add(m.input("ids", [3], "i32"))); // MIXED
      }),
    );
    expect(mixed.message).toContain(at("MIXED"));
    expect(mixed.message).toMatch(/add: dtype mismatch: f32 and i32/);

    const ids = error(() =>
      model("m", (m) => {
        const E = m.param("E", [10, 4]);
        m.output("y", E.gather(m.input("ids", [3]))); // GATHER
      }),
    );
    expect(ids.message).toContain(at("GATHER"));
    expect(ids.message).toMatch(/gather: ids have dtype f32; expected i32/);
  });

  it("a loss that is not a scalar", () => {
    const e = error(() =>
      model("m", (m) => {
        const x = m.input("x", [2, 3]);
        m.loss(x.square()); // NONSCALAR
      }),
    );
    expect(e.message).toContain(at("NONSCALAR"));
    expect(e.message).toMatch(
      /loss must be a scalar, got shape \[2,3\]; reduce it with \.sum\(\) or \.mean\(\)/,
    );
  });

  it("a tensor from another model", () => {
    let foreign: ReturnType<typeof Object> | undefined;
    model("first", (m) => {
      foreign = m.input("z", [3]);
      m.output("z", foreign as never);
    });
    const e = error(() =>
      model("second", (m) => {
        const x = m.input("x", [3]);
        m.output("y", x.add(foreign as never)); // FOREIGN
      }),
    );
    expect(e.message).toContain(at("FOREIGN"));
    expect(e.message).toMatch(/belongs to model 'first', not to model 'second'/);
  });

  it("a duplicate leaf name", () => {
    const e = error(() =>
      model("m", (m) => {
        m.input("x", [3]);
        m.param("x", [3]); // DUPLICATE
      }),
    );
    expect(e.message).toContain(at("DUPLICATE"));
    expect(e.message).toMatch(/already has an input named 'x'/);
  });

  it("unknown, missing and mis-shaped inputs when running", () => {
    const params = { W: new Array(12).fill(0.1) };
    const unknown = error(() =>
      interpret(mlp.graph, { inputs: { x: [1, 2, 3, 4, 5, 6], y: [0, 1], z: [1] }, params }),
    );
    expect(unknown.message).toMatch(/model 'mlp' has no input named 'z'; its inputs are: x, y/);

    const missing = error(() => interpret(mlp.graph, { inputs: { x: [1, 2, 3, 4, 5, 6] }, params }));
    expect(missing.message).toMatch(/no value given for input\(s\) y/);

    const shape = error(() =>
      interpret(mlp.graph, {
        inputs: {
          x: [
            [1, 2],
            [3, 4],
          ],
          y: [0, 1],
        },
        params,
      }),
    );
    expect(shape.message).toMatch(
      /input 'x' of model 'mlp' \(f32\[2,3\]\): got nested arrays of shape \[2,2\]/,
    );

    const dtype = error(() =>
      interpret(mlp.graph, { inputs: { x: [1, 2, 3, 4, 5, 6], y: [0, 1.5] }, params }),
    );
    expect(dtype.message).toMatch(
      /input 'y' of model 'mlp' \(i32\[2\]\): element 1 is 1.5, not a 32-bit integer/,
    );
  });

  it("an id outside the embedding table, at run time, names the gather and its line", () => {
    const emb = model("emb", (m) => {
      const E = m.param("E", [4, 2]);
      m.output("v", E.gather(m.input("ids", [2], "i32"))); // LOOKUP
    });
    const e = error(() =>
      interpret(emb.graph, { inputs: { ids: [1, 7] }, params: { E: new Array(8).fill(0) } }),
    );
    expect(e.message).toContain(at("LOOKUP"));
    expect(e.message).toMatch(/gather: id 7 at position 1 is outside the table's 4 rows/);
  });

  it("differentiating a model without a loss, or with respect to an unknown name", () => {
    const noLoss = model("noloss", (m) => m.output("y", m.input("x", [2]).exp()));
    expect(error(() => gradGraph(noLoss.graph)).message).toMatch(/declares no loss/);
    expect(error(() => gradGraph(mlp.graph, { wrt: ["V"] })).message).toMatch(
      /has no param or f32 input named 'V' to differentiate; it has: W, x/,
    );
  });

  it("a cycle in a graph read from JSON", () => {
    const json = graphToJSON(mlp.graph);
    const nodes = json.nodes.map((n) => ({ ...n }));
    // make the first matmul read the node that consumes it: a value depending on itself
    const mm = nodes.find((n) => n.op === "matmul")!;
    const user = nodes.find((n) => n.inputs.includes(mm.id))!;
    mm.inputs = [user.id, mm.inputs[1]!];
    const e = error(() => graphFromJSON({ ...json, nodes }));
    expect(e.message).toMatch(/has a cycle/);
    expect(e.message).toMatch(/matmul|depends on itself/);
  });

  it("an op used with the wrong operands in a hand-edited graph", () => {
    const json = graphToJSON(mlp.graph);
    const nodes = json.nodes.map((n) =>
      n.op === "matmul" ? { ...n, inputs: [n.inputs[1]!, n.inputs[0]!] } : n,
    );
    const e = error(() => graphFromJSON({ ...json, nodes }));
    expect(e.op).toBe("matmul");
    expect(e.message).toMatch(/inner dimensions differ/);
  });
});

describe("axis arguments out of range name the method, the operand and the user's line", () => {
  const x = (m: Parameters<Parameters<typeof model>[1]>[0]) => m.input("x", [2, 3]);
  const cases: [string, (m: Parameters<Parameters<typeof model>[1]>[0]) => unknown, string][] = [
    ["sum", (m) => x(m).sum(5), "axis 5 is out of range for a tensor of rank 2"],
    ["mean", (m) => x(m).mean(-3), "axis -3 is out of range"],
    ["max", (m) => x(m).max([0, 2]), "axis 2 is out of range"],
    ["logsumexp", (m) => x(m).logsumexp(9), "axis 9 is out of range"],
    ["softmax", (m) => x(m).softmax(7), "axis 7 is out of range"],
    ["logSoftmax", (m) => x(m).logSoftmax(-4), "axis -4 is out of range"],
    ["transpose", (m) => x(m).transpose([0, 3]), "axis 3 is out of range"],
    ["slice", (m) => x(m).slice(3, 0, 1), "axis 3 is out of range"],
    ["index", (m) => x(m).index(4, 0), "axis 4 is out of range"],
    ["concat", (m) => nn.concat([x(m), m.input("z", [2, 3])], 5), "axis 5 is out of range"],
    [
      "stack",
      (m) => nn.stack([x(m), m.input("z", [2, 3])], 5),
      "axis 5 is out of range for a tensor of rank 3",
    ],
    ["maxPool1d", (m) => nn.maxPool1d(x(m), 2, 1, 4), "axis 4 is out of range"],
  ];
  for (const [op, build, detail] of cases) {
    it(op, () => {
      const e = error(() => model("m", (m) => m.output("y", build(m) as never)));
      expect(e.op).toBe(op);
      // the line the error names is the user's line that calls the method
      expect(e.location?.file).toBe(thisFile);
      expect(lines[e.location!.line - 1]).toContain(`${op}(`);
      expect(e.message).toContain(`${op}: ${detail}`);
      expect(e.message).toContain("(operand: f32[2,3])");
    });
  }
});
