// An i32 input that indexes a table (gather, scatter_add) is checked against the table's rows
// before the call: compiled code would clamp an out-of-range id silently, the interpreter raises.
import { describe, expect, it } from "vitest";
import { compile, model, nn } from "../../compiler/index.js";
import { load } from "../../runtime/index.js";
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
  });
});
