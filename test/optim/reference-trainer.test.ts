// referenceTrainer and interpret take a param in either form, flat values or a tensor
// { shape, dtype, data }, and a param of the wrong size is an error naming the param and both
// sizes (issue 12).
import { describe, expect, it } from "vitest";
import {
  fromValues,
  initParams,
  interpret,
  model,
  optim,
  referenceTrainer,
  type Feed,
} from "../../compiler/index.js";
import { rejects } from "../support/rejects.js";

const tiny = model("tiny", (m) => {
  const x = m.input("x", [2, 3]);
  const W = m.param("W", [3, 1]);
  const b = m.param("b", [1]);
  m.output("y", x.matmul(W).add(b));
  m.loss(x.matmul(W).add(b).square().sum());
});
const inputs = { x: [1, 2, 3, -1, 0.5, 2] };
const W = [0.5, -0.25, 1];
const b = [0.125];

/** Three SGD steps from `params`: the losses and the final W. */
function train(params: Record<string, Feed>) {
  const trainer = referenceTrainer(tiny, optim.sgd(0.01), { params });
  const losses = [0, 1, 2].map(() => trainer.step(inputs));
  return { losses, W: [...trainer.params.W!.data] };
}

describe("params in either form (issue 12)", () => {
  it("referenceTrainer takes flat values, nested arrays and tensors alike, as interpret does, and holds tensors", () => {
    const tensors = { W: fromValues([3, 1], "f32", W), b: fromValues([1], "f32", b) };
    const expected = train(tensors);
    expect(train({ W, b })).toEqual(expected);
    expect(train({ W: [[0.5], [-0.25], [1]], b: new Float32Array(b) })).toEqual(expected);
    // a plain object with a plain data array is a tensor too
    expect(train({ W: { shape: [3, 1], dtype: "f32", data: W } as unknown as Feed, b })).toEqual(expected);
    // what it holds before the first step is a tensor of the param's shape, whatever was given
    const trainer = referenceTrainer(tiny, optim.sgd(0.01), { params: { W, b } });
    expect(trainer.params.W!.shape).toEqual([3, 1]);
    expect([...trainer.params.W!.data]).toEqual(W);
    // interpret takes the same forms (as it did), and the trainer's run agrees with it
    const flat = interpret(tiny.graph, { inputs, params: { W, b } }).outputs.y!.data;
    expect([...interpret(tiny.graph, { inputs, params: tensors }).outputs.y!.data]).toEqual([...flat]);
    expect([...trainer.run(inputs).y!.data]).toEqual([...flat]);
  });

  it("params left out start from their initializers, as in gradcheck", () => {
    const trainer = referenceTrainer(tiny, optim.sgd(0.01), { params: { W }, seed: 4 });
    expect([...trainer.params.b!.data]).toEqual([...initParams(tiny, 4).b!.data]);
    expect([...trainer.params.W!.data]).toEqual(W);
  });

  it("a param of the wrong size, shape or name is an error naming it, before any step", () => {
    const make = (params: Record<string, unknown>) => () =>
      referenceTrainer(tiny, optim.sgd(0.01), { params: params as Record<string, Feed> });
    rejects(make({ W: [1, 2, 3, 4] }), /param 'W' of model 'tiny' \(f32\[3,1\]\): got 4 values, expected 3$/);
    rejects(
      make({ W: fromValues([4], "f32", [1, 2, 3, 4]) }),
      /param 'W' of model 'tiny' \(f32\[3,1\]\): got a tensor of shape \[4\] \(4 values\), expected \[3,1\] \(3 values\)$/,
    );
    // the shape is right but the data does not fill it
    rejects(
      make({ W: { shape: [3, 1], dtype: "f32", data: [1, 2] } }),
      /param 'W' of model 'tiny' \(f32\[3,1\]\): got a tensor of shape \[3,1\] whose data holds 2 values, expected 3$/,
    );
    rejects(
      make({ W: [[1, 2, 3]] }),
      /param 'W' .*: got nested arrays of shape \[1,3\] \(3 values\), expected \[3,1\] \(3 values\)$/,
    );
    rejects(
      make({ W: { shape: [3, 1], data: W } }),
      /param 'W' .*: expected numbers .* got an object with keys \["shape","data"\]/,
    );
    rejects(make({ V: W }), /model 'tiny' has no param named 'V'; its params are: W, b/);
  });

  it("interpret reports the same errors", () => {
    rejects(
      () =>
        interpret(tiny.graph, {
          inputs,
          params: { W: { shape: [3, 1], dtype: "f32", data: [1, 2] } as unknown as Feed, b },
        }),
      /param 'W' of model 'tiny' \(f32\[3,1\]\): got a tensor of shape \[3,1\] whose data holds 2 values, expected 3$/,
    );
    rejects(
      () => interpret(tiny.graph, { inputs, params: { W: fromValues([1, 3], "f32", W), b } }),
      /got a tensor of shape \[1,3\] \(3 values\), expected \[3,1\] \(3 values\)/,
    );
  });
});
