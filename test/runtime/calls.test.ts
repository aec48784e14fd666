// run / grad / train, the live views and raw calls, input forms and every input error.
import { beforeEach, describe, expect, expectTypeOf, it } from "vitest";
import { load, WasmgradRuntimeError } from "../../runtime/index.js";
import type { ModelTypes, Net } from "../../runtime/index.js";
import { fakeModule, reference } from "./fake-module.js";
import { expectRuntimeError, memorySnapshot, X, Y } from "./support.js";

/** What the compiler's generated .d.ts would declare for the fake model. */
interface Affine extends ModelTypes {
  inputs: "x" | "y" | "k";
  forwardInputs: "x" | "k";
  lossInputs: "x" | "y";
  outputs: "out" | "twice_k" | "loss";
  params: "s" | "b";
  states: "optim.step" | "optim.s.m" | "optim.b.m";
  i32: "k" | "twice_k" | "optim.step";
}

const bytes = fakeModule();
let net: Net<Affine>;

beforeEach(async () => {
  net = await load<Affine>(bytes);
  net.init(3); // s = 2, b = [3, 3.25, 3.5]
});

const close = (got: ArrayLike<number>, want: readonly number[]) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
};

describe("calls", () => {
  it("init(seed) fills params from the seed and zeros states; init() uses seed 0", () => {
    expect([...net.params.s, ...net.params.b]).toEqual([2, 3, 3.25, 3.5]);
    net.init();
    expect([...net.params.b]).toEqual([0, 0.25, 0.5]);
    net.init(-2);
    expect([...net.params.b]).toEqual([-2, -1.75, -1.5]);
  });

  it("run() returns copies of forward's outputs with their dtypes", () => {
    const r = net.run({ x: X, k: 5 });
    const ref = reference(2, [3, 3.25, 3.5], X, Y);
    expect(Object.keys(r).sort()).toEqual(["out", "twice_k"]);
    expect(r.out).toBeInstanceOf(Float32Array);
    close(r.out, ref.out);
    expect(r.twice_k).toBeInstanceOf(Int32Array);
    expect([...r.twice_k]).toEqual([10]);
    // copies: a later call does not change an earlier result, and editing a result changes nothing
    r.out[0] = 1234;
    expect(net.outputs.out[0]).toBeCloseTo(ref.out[0] as number, 5);
    const again = net.run({ x: X.map((v) => -v), k: 1 });
    expect(r.twice_k[0]).toBe(10);
    expect(again.twice_k[0]).toBe(2);
  });

  it("grad() returns the loss and a copy of every grad, and no outputs (issue 12)", () => {
    const g = net.grad({ x: X, y: Y });
    const ref = reference(2, [3, 3.25, 3.5], X, Y);
    expect(g.loss).toBeCloseTo(ref.loss, 4);
    close(g.grads.s, [ref.gs]);
    close(g.grads.b, ref.gb);
    expect(Object.keys(g.grads).sort()).toEqual(["b", "s"]);
    // nothing else, although this module's backward also writes out: GradResult has no outputs
    expect(Object.keys(g)).toEqual(["loss", "grads"]);
    // @ts-expect-error: the outputs come from run()
    expect(g.outputs).toBeUndefined();
    // grad does not change the params
    expect([...net.params.s, ...net.params.b]).toEqual([2, 3, 3.25, 3.5]);
    g.grads.b[0] = 99;
    expect(net.grads.b[0]).toBeCloseTo(ref.gb[0] as number, 5);
  });

  it("train() takes one optimizer step and returns the loss before it", () => {
    let s = 2;
    let b = [3, 3.25, 3.5];
    let ms = 0;
    let mb = [0, 0, 0];
    for (let step = 1; step <= 3; step++) {
      const ref = reference(s, b, X, Y);
      const { loss } = net.train({ x: X, y: Y });
      expect(loss).toBeCloseTo(ref.loss, 3);
      ms = 0.9 * ms + ref.gs;
      mb = mb.map((m, j) => 0.9 * m + (ref.gb[j] as number));
      s -= 0.1 * ms;
      b = b.map((v, j) => v - 0.1 * (mb[j] as number));
      close(net.params.s, [s]);
      close(net.params.b, b);
      expect([...net.states["optim.step"]]).toEqual([step]);
      close(net.states["optim.b.m"], mb);
    }
    net.resetState();
    expect([...net.states["optim.step"], ...net.states["optim.s.m"], ...net.states["optim.b.m"]]).toEqual([
      0, 0, 0, 0, 0,
    ]);
    close(net.params.b, b); // resetState leaves the params alone
  });

  it("training lowers the loss", () => {
    const first = net.train({ x: X, y: Y }).loss;
    let last = first;
    for (let i = 0; i < 200; i++) last = net.train({ x: X, y: Y }).loss;
    expect(last).toBeLessThan(first / 10);
  });
});

describe("views and raw calls", () => {
  it("views are typed arrays over the module's memory", () => {
    for (const view of [
      net.params.s,
      net.params.b,
      net.grads.b,
      net.inputs.x,
      net.outputs.out,
      net.states["optim.b.m"],
    ]) {
      expect(view.buffer).toBe(net.memory.buffer);
    }
    expect(net.inputs.k).toBeInstanceOf(Int32Array);
    expect(net.states["optim.step"]).toBeInstanceOf(Int32Array);
    expect(net.params.b).toBeInstanceOf(Float32Array);
    expect(net.outputs.out.byteOffset).toBe(80);
    expect(Object.keys(net.params)).toEqual(["s", "b"]);
    expect(Object.keys(net.outputs)).toEqual(["out", "twice_k", "loss"]);
  });

  it("writing a param view changes what run() computes", () => {
    net.params.b.set([10, 20, 30]);
    net.params.s[0] = 0;
    expect([...net.run({ x: X, k: 0 }).out]).toEqual([10, 20, 30, 10, 20, 30]);
  });

  it("forward / backward / trainStep use whatever the input views hold", () => {
    net.inputs.x.set(X);
    net.inputs.y.set(Y);
    net.inputs.k[0] = 21;
    net.forward();
    const ref = reference(2, [3, 3.25, 3.5], X, Y);
    close(net.outputs.out, ref.out);
    expect(net.outputs.twice_k[0]).toBe(42);
    net.backward();
    expect(net.outputs.loss[0]).toBeCloseTo(ref.loss, 4);
    close(net.grads.b, ref.gb);
    net.trainStep();
    close(
      net.params.b,
      [3, 3.25, 3.5].map((v, j) => v - 0.1 * (ref.gb[j] as number)),
    );
    expect(net.states["optim.step"][0]).toBe(1);
  });

  it("view records are frozen, so a view cannot be swapped out by mistake", () => {
    expect(() => {
      (net.params as Record<string, Float32Array>)["b"] = new Float32Array(3);
    }).toThrow(TypeError);
    expect(net.params.b.buffer).toBe(net.memory.buffer);
  });

  it("a tiny run() costs microseconds, not a promise", () => {
    const x = new Float32Array(X);
    const r = net.run({ x, k: 1 });
    expect(r).not.toBeInstanceOf(Promise);
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) net.run({ x, k: 1 });
    const perCall = ((performance.now() - start) * 1000) / 20_000;
    expect(perCall).toBeLessThan(50); // microseconds; about 1 on a laptop
  });
});

describe("input values", () => {
  const ref = reference(2, [3, 3.25, 3.5], X, Y).out;
  const forms: Array<[string, unknown, unknown]> = [
    ["a Float32Array", new Float32Array(X), 4],
    ["a Float64Array", new Float64Array(X), new Int32Array([4])],
    ["a flat plain array", X, [4]],
    ["nested arrays", [X.slice(0, 3), X.slice(3)], new Float32Array([4])],
    ["nested arrays of typed rows", [new Float32Array(X.slice(0, 3)), new Uint8Array(X.slice(3))], 4],
  ];
  for (const [what, x, k] of forms) {
    it(`accepts ${what}`, () => {
      const r = net.run({ x, k } as never);
      close(r.out, ref);
      expect(r.twice_k[0]).toBe(8);
    });
  }

  it("accepts (and writes) inputs the entry does not read", () => {
    net.run({ x: X, k: 1, y: Y });
    expect([...net.inputs.y]).toEqual(Y);
  });

  it("treats an undefined value as absent", () => {
    net.run({ x: X, k: 1, y: undefined });
    expect([...net.inputs.y]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("rounds f32 values like Math.fround and accepts i32 extremes", () => {
    net.run({ x: [0.1, 0, 0, 0, 0, 0], k: -(2 ** 31) });
    expect(net.inputs.x[0]).toBe(Math.fround(0.1));
    expect(net.inputs.k[0]).toBe(-(2 ** 31));
    net.run({ x: X, k: 2 ** 31 - 1 });
    expect(net.inputs.k[0]).toBe(2 ** 31 - 1);
  });

  it("accepts non-finite f32 inputs when loaded with allowNonFinite", async () => {
    const lenient = await load(bytes, { allowNonFinite: true });
    lenient.init(0);
    const out = lenient.run({ x: [NaN, Infinity, 1e39, 1, 2, 3], k: 0 })["out"] as Float32Array;
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out[1]).toBe(Infinity);
    expect(out[2]).toBe(Infinity);
    expect(out[3]).toBe(2);
  });
});

describe("input errors leave memory untouched", () => {
  const cases: Array<[string, () => unknown, string | RegExp]> = [
    [
      "an unknown input",
      () => net.run({ x: X, k: 1, z: 3 } as never),
      'model "affine": run(): unknown input "z" (the model\'s inputs: x, y, k)',
    ],
    [
      "a missing input",
      () => net.run({ x: X } as never),
      'model "affine": run() is missing input "k" (forward reads x, k)',
    ],
    [
      "missing inputs of grad",
      () => net.grad({} as never),
      'model "affine": grad() is missing inputs "x", "y" (backward reads x, y)',
    ],
    [
      "a missing input of train",
      () => net.train({ x: X } as never),
      'model "affine": train() is missing input "y" (train_step reads x, y)',
    ],
    [
      "a wrong length",
      () => net.run({ x: [1, 2, 3, 4, 5], k: 1 }),
      'model "affine": input "x": expected 6 values (shape [2, 3], f32), got 5',
    ],
    [
      "a typed array of the wrong length",
      () => net.grad({ x: new Float32Array(7), y: Y }),
      'model "affine": input "x": expected 6 values (shape [2, 3], f32), got 7',
    ],
    [
      "too many rows",
      () =>
        net.run({
          x: [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          k: 1,
        }),
      'model "affine": input "x": expected 6 values (shape [2, 3], f32); nested array has length 3, expected 2',
    ],
    [
      "a short row",
      () =>
        net.run({
          x: [
            [1, 2, 3],
            [4, 5],
          ],
          k: 1,
        }),
      'model "affine": input "x": expected 6 values (shape [2, 3], f32); nested array at [1] has length 2, expected 3',
    ],
    [
      "a number where a row belongs",
      () => net.run({ x: [[1, 2, 3], 4], k: 1 } as never),
      'model "affine": input "x": expected 6 values (shape [2, 3], f32) as nested arrays; got 4 at [1], expected an array of 3',
    ],
    [
      "a number for a tensor",
      () => net.run({ x: 1, k: 1 }),
      'model "affine": input "x": expected 6 values (shape [2, 3], f32), got a single number',
    ],
    [
      "a string element",
      () => net.run({ x: [1, 2, "3", 4, 5, 6], k: 1 } as never),
      'model "affine": input "x": element [0, 2] is "3", expected a number (f32)',
    ],
    [
      "a sparse array of the right length, whose first element is a hole",
      () => {
        const sparse: number[] = [];
        sparse[5] = 1;
        return net.run({ x: sparse, k: 1 });
      },
      'model "affine": input "x": element [0, 0] is missing (a hole in a sparse array), expected a number (f32)',
    ],
    [
      "a hole inside a nested row",
      () =>
        net.run({
          x: [
            [1, 2, 3],
            [4, , 6],
          ],
          k: 1,
        } as never),
      'model "affine": input "x": element [1, 1] is missing (a hole in a sparse array), expected a number (f32)',
    ],
    [
      "a null element, named by its index",
      () =>
        net.run({
          x: [
            [1, 2, 3],
            [4, null, 6],
          ],
          k: 1,
        } as never),
      'model "affine": input "x": element [1, 1] is null, expected a number (f32)',
    ],
    [
      "a NaN",
      () => net.run({ x: [1, 2, 3, 4, 5, NaN], k: 1 }),
      'model "affine": input "x": element [1, 2] is NaN; non-finite inputs are rejected (load with { allowNonFinite: true } to accept them)',
    ],
    [
      "an Infinity in a typed array",
      () => net.grad({ x: X, y: new Float32Array([0, -Infinity, 0, 0, 0, 0]) }),
      'model "affine": input "y": element [0, 1] is -Infinity; non-finite inputs are rejected (load with { allowNonFinite: true } to accept them)',
    ],
    [
      "a number too large for f32",
      () => net.run({ x: [1e39, 2, 3, 4, 5, 6], k: 1 }),
      /^model "affine": input "x": element \[0, 0\] is 1e\+39 \(Infinity in f32\); non-finite inputs are rejected/,
    ],
    [
      "a non-integer for i32",
      () => net.run({ x: X, k: 1.5 }),
      'model "affine": input "k": element 0 is 1.5, expected an integer in i32 range (dtype i32)',
    ],
    [
      "a non-integer in a Float32Array for i32",
      () => net.run({ x: X, k: new Float32Array([0.25]) }),
      'model "affine": input "k": element 0 is 0.25, expected an integer in i32 range (dtype i32)',
    ],
    [
      "an i32 out of range",
      () => net.run({ x: X, k: 2 ** 31 }),
      'model "affine": input "k": element 0 is 2147483648, expected an integer in i32 range (dtype i32)',
    ],
    [
      "a NaN for i32",
      () => net.run({ x: X, k: NaN }),
      /^model "affine": input "k": element 0 is NaN, expected an integer/,
    ],
    [
      "a BigInt64Array",
      () => net.run({ x: X, k: new BigInt64Array(1) } as never),
      'model "affine": input "k": expected 1 value (shape [], i32), got a BigInt64Array',
    ],
    [
      "a string for a tensor",
      () => net.run({ x: "1,2,3,4,5,6", k: 1 } as never),
      'model "affine": input "x": expected 6 values (shape [2, 3], f32), got "1,2,3,4,5,6"',
    ],
    [
      "inputs that are not an object",
      () => net.run(null as never),
      'model "affine": run() expects an object of inputs keyed by name (x, k)',
    ],
    [
      "inputs given as an array",
      () => net.train([X, Y] as never),
      'model "affine": train() expects an object of inputs keyed by name (x, y)',
    ],
  ];
  for (const [what, call, message] of cases) {
    it(`rejects ${what}`, () => {
      // A valid input next to the bad one must not be written either: validation comes first.
      net.run({ x: [9, 9, 9, 9, 9, 9], k: 7 });
      net.inputs.y.set([8, 8, 8, 8, 8, 8]);
      const before = memorySnapshot(net);
      const e = expectRuntimeError(call, message);
      expect(e.model).toBe("affine");
      expect(memorySnapshot(net)).toEqual(before);
    });
  }

  it("names the tensor in the error's fields", () => {
    const e = expectRuntimeError(() => net.run({ x: X, k: 0.5 }), /k/);
    expect(e.tensor).toBe("k");
    expect(e.detail).toBe("element 0 is 0.5, expected an integer in i32 range (dtype i32)");
    expect(e.name).toBe("WasmgradRuntimeError");
    expect(e).toBeInstanceOf(Error);
  });

  it("rejects a seed that is not a 32-bit integer", () => {
    const before = memorySnapshot(net);
    expectRuntimeError(
      () => net.init(1.5),
      'model "affine": init(seed): expected an integer seed (32 bits), got 1.5',
    );
    expectRuntimeError(() => net.init(2 ** 32), /got 4294967296$/);
    expectRuntimeError(() => net.init("1" as never), /got 1$/);
    expect(memorySnapshot(net)).toEqual(before);
  });
});

describe("modules without an optimizer or a loss", () => {
  it("train() and trainStep() explain that the module has no optimizer; grad() still works", async () => {
    const plain = await load(fakeModule({ optimizer: false }));
    plain.init(1);
    expect(plain.canTrain).toBe(false);
    expect(plain.hasLoss).toBe(true);
    expect(Object.keys(plain.states)).toEqual([]);
    const before = memorySnapshot(plain);
    const message =
      'model "affine": the module was compiled without an optimizer, so it has no train_step(); ' +
      "compile with an optimizer to train, or use grad()";
    expectRuntimeError(() => plain.train({ x: X, y: Y }), message);
    expectRuntimeError(() => plain.trainStep(), message);
    expect(memorySnapshot(plain)).toEqual(before);
    expect(plain.grad({ x: X, y: Y }).loss).toBeCloseTo(reference(2, [1, 1.25, 1.5], X, Y).loss, 4);
  });

  it("grad() and backward() explain that the model has no loss", async () => {
    const inference = await load(fakeModule({ loss: false }));
    inference.init(1);
    expect(inference.hasLoss).toBe(false);
    expect(inference.canTrain).toBe(false);
    const message =
      'model "affine": the model has no loss, so its module has no backward(); grad() needs one';
    expectRuntimeError(() => inference.grad({ x: X }), message);
    expectRuntimeError(() => inference.backward(), message);
    expectRuntimeError(() => inference.train({ x: X }), /compiled without an optimizer/);
    expect(Object.keys(inference.grads)).toEqual([]);
    expect(inference.run({ x: X, k: 2 })["twice_k"]?.[0]).toBe(4);
  });

  it("an untyped handle indexes by any name", async () => {
    const any = await load(bytes);
    any.init(0);
    const out: Float32Array | Int32Array | undefined = any.run({ x: X, k: 0 })["out"];
    expect(out).toBeInstanceOf(Float32Array);
    expect(any.params["nope"]).toBeUndefined();
    expect(() => any.run({ x: X, k: 0, nope: 1 })).toThrow(WasmgradRuntimeError);
  });
});

describe("typed handles", () => {
  it("a ModelTypes argument types names, dtypes and required inputs", () => {
    expectTypeOf(net.params.b).toEqualTypeOf<Float32Array>();
    expectTypeOf(net.inputs.k).toEqualTypeOf<Int32Array>();
    expectTypeOf(net.states["optim.step"]).toEqualTypeOf<Int32Array>();
    expectTypeOf(net.grads.s).toEqualTypeOf<Float32Array>();
    expectTypeOf(net.run).returns.toEqualTypeOf<{
      readonly out: Float32Array;
      readonly twice_k: Int32Array;
    }>();
    expectTypeOf(net.grad).returns.toHaveProperty("loss").toEqualTypeOf<number>();
    // Type errors the compiler must report (checked by tsc; the function is never called).
    const typeErrors = () => {
      // @ts-expect-error: forward needs k
      net.run({ x: X });
      // @ts-expect-error: no input named z
      net.run({ x: X, k: 1, z: 1 });
      // @ts-expect-error: no param named W
      void net.params.W;
      // @ts-expect-error: training needs y
      net.train({ x: X });
    };
    expect(typeof typeErrors).toBe("function");
    const untyped = net as unknown as Net;
    expectTypeOf(untyped.params["b"]).toEqualTypeOf<Float32Array | Int32Array | undefined>();
  });
});
