// What grad() returns for a compiled module, and how it relates to net.grads after a training step
// with clipNorm (issue 12): backward computes the loss and the gradients only, so grad() has no
// outputs; train_step leaves the clipped gradient in net.grads, grad() returns the unclipped one.
import { describe, expect, it } from "vitest";
import { compile, model, nn, optim } from "../../compiler/index.js";
import { load } from "../../runtime/index.js";

const classifier = model("classifier", (m) => {
  const x = m.input("x", [4, 3]);
  const y = m.input("y", [4], "i32");
  const W = m.param("W", [3, 2]);
  const logits = x.matmul(W);
  m.output("probs", logits.softmax());
  m.loss(nn.softmaxCrossEntropy(logits, y));
});

const x = [1, 2, -1, 0.5, -2, 3, 2, 1, 0, -1, -1, 4];
const y = [0, 1, 1, 0];
const CLIP = 0.01; // far below the gradient's norm, so the step clips

describe("grad() and net.grads (issue 12)", () => {
  it("grad() returns the loss and the unclipped grads only; train() leaves the clipped ones in net.grads", async () => {
    const { wasm, manifest } = await compile(classifier, { optimizer: optim.sgd(0.1), clipNorm: CLIP });
    expect(manifest.entries.backward!.outputs).toEqual(["loss"]); // backward computes no user output
    const net = await load(wasm);
    net.init(2);

    const g = net.grad({ x, y });
    expect(Object.keys(g)).toEqual(["loss", "grads"]);
    expect(Object.keys(g.grads)).toEqual(["W"]);
    const raw = [...g.grads.W!];
    const norm = Math.hypot(...raw);
    expect(norm).toBeGreaterThan(10 * CLIP);
    // the outputs are run()'s
    expect(Object.keys(net.run({ x }))).toEqual(["probs"]);

    const { loss } = net.train({ x, y }); // at the same params as grad()
    expect(loss).toBeCloseTo(g.loss, 6);
    const clipped = [...net.grads.W!];
    raw.forEach((v, i) => expect(clipped[i]).toBeCloseTo((v * CLIP) / norm, 7));
    expect(Math.hypot(...clipped)).toBeCloseTo(CLIP, 6);
  });
});
