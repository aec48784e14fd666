// Reference values for every primitive in PRIMITIVES, evaluated by the float64 interpreter on
// small cases whose expected results are written out by hand. The table is keyed by op name and
// must cover the whole closed list: adding a primitive without a case here fails the first test.
// Every case also checks that the graph it evaluated really contains the op it is filed under.
import { beforeEach, describe, expect, it } from "vitest";
import {
  graphNodes,
  interpret,
  model,
  nn,
  PRIMITIVES,
  Tensor,
  toNested,
  WasmgradError,
  type DType,
  type Feed,
  type Graph,
  type ModelBuilder,
  type NDArray,
  type TensorData,
} from "../../compiler/index.js";
import * as b from "../../compiler/ir/build.js";
import { Context, type Node } from "../../compiler/ir/node.js";
import { OPS } from "../../compiler/ops/index.js";
import { uniform24 } from "../../compiler/ir/random.js";

// ---- helpers -----------------------------------------------------------------------------

/** Ops present in the graphs evaluated by the current case. */
const seen = new Set<string>();

interface Feeds {
  readonly inputs?: Record<string, Feed>;
  readonly params?: Record<string, Feed>;
}

/** Builds a one-output model and evaluates it with the reference interpreter. */
function run(build: (m: ModelBuilder) => Tensor, feeds: Feeds = {}): NDArray {
  const mdl = model("case", (m) => m.output("y", build(m)));
  for (const n of graphNodes(mdl.graph)) seen.add(n.op);
  return interpret(mdl.graph, feeds).outputs.y!;
}

const t = (n: Node): Tensor => new Tensor(n);

/** Exact comparison of values (nested), shape and dtype. `toEqual` tells -0 from 0 and NaN == NaN. */
function expectExact(a: NDArray, expected: TensorData, dtype: DType = "f32"): void {
  expect(a.dtype).toBe(dtype);
  expect(toNested(a)).toEqual(expected);
}

/** Values equal to `expected` (row-major) within a relative 1e-14; NaN and ±Infinity exactly. */
function expectClose(a: NDArray, shape: readonly number[], expected: readonly number[]): void {
  expect(a.shape).toEqual(shape);
  expect(a.data.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const v = a.data[i]!;
    if (Number.isNaN(e)) expect(v).toBeNaN();
    else if (!Number.isFinite(e)) expect(v).toBe(e);
    else expect(Math.abs(v - e)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(e)));
  });
}

const I32_MAX = 2147483647;
const I32_MIN = -2147483648;

// ---- the table -----------------------------------------------------------------------------

type Case = readonly [name: string, body: () => void];

const CASES: Record<string, readonly Case[]> = {
  // ---- leaves and sources ----
  input: [
    [
      "binds the fed value (f32 and i32), nested or flat",
      () => {
        expectExact(
          run((m) => m.input("x", [2, 2]), {
            inputs: {
              x: [
                [1.5, -2],
                [3, 4],
              ],
            },
          }),
          [
            [1.5, -2],
            [3, 4],
          ],
        );
        expectExact(
          run((m) => m.input("k", [3], "i32"), { inputs: { k: [7, -1, 0] } }),
          [7, -1, 0],
          "i32",
        );
      },
    ],
    [
      "rejects values of the wrong shape or a non-integer for an i32 input",
      () => {
        expectExact(
          run((m) => m.input("x", []), { inputs: { x: 2 } }),
          2,
        );
        expect(() => run((m) => m.input("x", [2]), { inputs: { x: [1, 2, 3] } })).toThrow(WasmgradError);
        expect(() => run((m) => m.input("k", [1], "i32"), { inputs: { k: [1.5] } })).toThrow(
          /32-bit integer/,
        );
        expect(() => run((m) => m.input("x", [1]))).toThrow(/no value given/);
      },
    ],
  ],
  param: [
    [
      "binds the given value",
      () => {
        expectExact(
          run((m) => m.param("w", [2]), { params: { w: [0.25, -8] } }),
          [0.25, -8],
        );
        expect(() => run((m) => m.param("w", [2]), { params: { w: [1] } })).toThrow(WasmgradError);
      },
    ],
  ],
  state: [
    [
      "binds the carried value (graph built by hand: the DSL has no states)",
      () => {
        const ctx = new Context("stateful", OPS);
        const h = ctx.node("state", [], { name: "h", shape: [2], dtype: "f32" });
        const g: Graph = {
          name: "stateful",
          inputs: [],
          params: [],
          states: [h],
          outputs: new Map([["y", b.mul(h, 3)]]),
          grads: new Map(),
          updates: new Map(),
        };
        for (const n of graphNodes(g)) seen.add(n.op);
        expectExact(interpret(g, { states: { h: [1, -2] } }).outputs.y!, [3, -6]);
        expect(() => interpret(g, {})).toThrow(/no value given for state/);
      },
    ],
  ],
  const: [
    [
      "fills a shape with one value, or holds row-major values",
      () => {
        expectExact(
          run((m) => m.constant(2.5, [2, 2])),
          [
            [2.5, 2.5],
            [2.5, 2.5],
          ],
        );
        expectExact(
          run((m) => m.constant([1, 2, 3, 4, 5, 6], [3, 2], "i32")),
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          "i32",
        );
        expectExact(
          run((m) => m.constant(-7)),
          -7,
        );
        expect(() => run((m) => m.constant([1.5], [1], "i32"))).toThrow(/integer values/);
        expect(() => run((m) => m.constant([1, 2, 3], [2, 2]))).toThrow(/do not fill/);
      },
    ],
  ],
  iota: [
    [
      "counts along the chosen axis, as i32",
      () => {
        expectExact(
          run((m) => t(b.iota(m.ctx, [2, 3], 1))),
          [
            [0, 1, 2],
            [0, 1, 2],
          ],
          "i32",
        );
        expectExact(
          run((m) => t(b.iota(m.ctx, [2, 3], 0))),
          [
            [0, 0, 0],
            [1, 1, 1],
          ],
          "i32",
        );
        expectExact(
          run((m) => t(b.iota(m.ctx, [2, 1, 2], -1))),
          [[[0, 1]], [[0, 1]]],
          "i32",
        );
      },
    ],
    [
      "builds nn.oneHot rows",
      () => {
        expectExact(
          run((m) => nn.oneHot(m.constant([2, 0, 1], [3], "i32"), 3)),
          [
            [0, 0, 1],
            [1, 0, 0],
            [0, 1, 0],
          ],
        );
        expectExact(
          run((m) => nn.oneHot(m.constant([1, 3], [2, 1], "i32"), 2)),
          [[[0, 1]], [[0, 0]]],
        );
      },
    ],
  ],
  mode: [
    [
      "is true in training (the interpreter's default) and false in evaluation, a bool scalar",
      () => {
        const evaluate = (mode?: "train" | "eval") => {
          const mdl = model("case", (m) => m.output("y", t(b.training(m.input("x", [2]).node.ctx))));
          for (const n of graphNodes(mdl.graph)) seen.add(n.op);
          return interpret(mdl.graph, { inputs: { x: [0, 0] }, ...(mode && { mode }) }).outputs.y!;
        };
        // bool values are held as 1 and 0
        expectExact(evaluate(), 1, "bool");
        expectExact(evaluate("train"), 1, "bool");
        expectExact(evaluate("eval"), 0, "bool");
      },
    ],
  ],
  random_uniform: [
    [
      "draws 24-bit values in [0, 1), deterministic per (seed, salt), different across salts and seeds",
      () => {
        const draw = (seed: number, salt: number, shape: number[] = [1000]) =>
          run((m) => t(b.randomUniform(m.input("seed", [], "i32").node, shape, salt)), { inputs: { seed } });
        const u = draw(42, 7);
        expect(u.dtype).toBe("f32");
        expect(u.shape).toEqual([1000]);
        for (const v of u.data) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(1);
          expect(Number.isInteger(v * 2 ** 24)).toBe(true);
        }
        // element i is the documented hash of (seed, salt, i)
        u.data.forEach((v, i) => expect(v).toBe(uniform24(42, 7, i)));
        // roughly uniform: mean 1/2 (std of the mean ≈ 0.009) and all deciles populated
        const mean = Array.from(u.data).reduce((a, v) => a + v, 0) / u.data.length;
        expect(Math.abs(mean - 0.5)).toBeLessThan(0.04);
        const deciles = new Set(Array.from(u.data, (v) => Math.floor(v * 10)));
        expect(deciles.size).toBe(10);
        // same seed and salt: the same bits
        expect(Array.from(draw(42, 7).data)).toEqual(Array.from(u.data));
        // a different salt or seed: a different stream
        const differ = (a: NDArray, c: NDArray) => a.data.filter((v, i) => v !== c.data[i]).length;
        expect(differ(draw(42, 8), u)).toBeGreaterThan(990);
        expect(differ(draw(43, 7), u)).toBeGreaterThan(990);
        // counter-based: the shape does not change element k's value
        expect(Array.from(draw(42, 7, [2, 3]).data)).toEqual(Array.from(u.data.slice(0, 6)));
      },
    ],
    [
      "needs an i32 scalar seed and an integer salt",
      () => {
        expect(() =>
          run((m) => t(b.randomUniform(m.input("seed", [], "f32").node, [2], 0)), { inputs: { seed: 1 } }),
        ).toThrow(/i32 scalar/);
        expect(() =>
          run((m) => t(b.randomUniform(m.input("seed", [], "i32").node, [2], 0.5)), { inputs: { seed: 1 } }),
        ).toThrow(/salt/);
        expectExact(
          run((m) => t(b.randomUniform(m.input("seed", [], "i32").node, [0], 1)), { inputs: { seed: 1 } }),
          [],
        );
      },
    ],
    [
      "drives nn.dropout: about `keep` of the elements survive, scaled by 1/keep",
      () => {
        const y = run((m) => nn.dropout(m.constant(2, [2000]), 0.25, m.input("seed", [], "i32"), 5), {
          inputs: { seed: 9 },
        });
        const kept = y.data.filter((v) => v !== 0);
        for (const v of kept) expect(v).toBe(8);
        // Binomial(2000, 1/4): mean 500, standard deviation ≈ 19
        expect(kept.length).toBeGreaterThan(420);
        expect(kept.length).toBeLessThan(580);
        // exactly the elements whose uniform draw is below keep
        y.data.forEach((v, i) => expect(v).toBe(uniform24(9, 5, i) < 0.25 ? 8 : 0));
      },
    ],
  ],

  // ---- elementwise ----
  add: [
    [
      "broadcasts [2,1] + [3] and lifts plain numbers",
      () => {
        expectExact(
          run((m) => m.constant([10, 20], [2, 1]).add(m.constant([1, 2, 3], [3]))),
          [
            [11, 12, 13],
            [21, 22, 23],
          ],
        );
        expectExact(
          run((m) => m.constant([1, 2], [2]).add(0.5)),
          [1.5, 2.5],
        );
      },
    ],
    [
      "wraps i32 around 2^32",
      () => {
        const y = run((m) => m.input("k", [3], "i32").add(m.constant([1, -1, 5], [3], "i32")), {
          inputs: { k: [I32_MAX, I32_MIN, -5] },
        });
        expectExact(y, [I32_MIN, I32_MAX, 0], "i32");
      },
    ],
  ],
  sub: [
    [
      "subtracts with broadcasting and wraps i32",
      () => {
        expectExact(
          run((m) => m.constant([5, 3], [2]).sub(m.constant([1, 4], [2, 1]))),
          [
            [4, 2],
            [1, -1],
          ],
        );
        expectExact(
          run((m) => m.input("k", [2], "i32").sub(1), { inputs: { k: [I32_MIN, 0] } }),
          [I32_MAX, -1],
          "i32",
        );
      },
    ],
  ],
  mul: [
    [
      "multiplies with broadcasting",
      () => {
        expectExact(
          run((m) => m.constant([1, -2, 3, 0.5], [2, 2]).mul(m.constant([2, -4], [2]))),
          [
            [2, 8],
            [6, -2],
          ],
        );
      },
    ],
    [
      "wraps i32 products to their low 32 bits (as i32.mul)",
      () => {
        const y = run((m) => m.input("a", [4], "i32").mul(m.input("c", [4], "i32")), {
          inputs: { a: [65536, 46341, 123456789, -3], c: [65536, 46341, 987654321, 7] },
        });
        // 2^32 -> 0; 46341² = 2147488281 -> 2147488281 − 2^32; 123456789·987654321 mod 2^32 (signed)
        expectExact(y, [0, -2147479015, -67153019, -21], "i32");
      },
    ],
  ],
  div: [
    [
      "divides with IEEE semantics for zero denominators",
      () => {
        expectExact(
          run((m) => m.constant([1, -6, 1, -1, 0], [5]).div(m.constant([4, 3, 0, 0, 0], [5]))),
          [0.25, -2, Infinity, -Infinity, NaN],
        );
        expectExact(
          run((m) => m.constant([3, 6], [2, 1]).div(m.constant([1, 2, 3], [3]))),
          [
            [3, 1.5, 1],
            [6, 3, 2],
          ],
        );
      },
    ],
    [
      "is f32 only",
      () => {
        expectExact(
          run((m) => m.constant(1).div(2)),
          0.5,
        );
        expect(() => run((m) => m.constant(4, [], "i32").div(2))).toThrow(/dtype i32/);
      },
    ],
  ],
  maximum: [
    [
      "takes the larger value with broadcasting (i32 too)",
      () => {
        expectExact(
          run((m) => m.constant([1, 5, -2], [3]).maximum(m.constant([3, 2, -2], [3]))),
          [3, 5, -2],
        );
        expectExact(
          run((m) => m.constant([-1, 0.5, 2], [3]).maximum(0)),
          [0, 0.5, 2],
        );
        expectExact(
          run((m) => m.constant([-4, 9], [2], "i32").maximum(m.constant([0, 10], [2, 1], "i32"))),
          [
            [0, 9],
            [10, 10],
          ],
          "i32",
        );
      },
    ],
    [
      "propagates NaN from either side",
      () => {
        expectExact(
          run((m) => m.constant([NaN, 1, NaN], [3]).maximum(m.constant([1, NaN, -Infinity], [3]))),
          [NaN, NaN, NaN],
        );
      },
    ],
  ],
  minimum: [
    [
      "takes the smaller value with broadcasting and propagates NaN",
      () => {
        expectExact(
          run((m) => m.constant([1, 5, -2], [3]).minimum(m.constant([3, 2, -2], [3]))),
          [1, 2, -2],
        );
        expectExact(
          run((m) => m.constant([1, 4], [1, 2]).minimum(m.constant([2, 3], [2, 1]))),
          [
            [1, 2],
            [1, 3],
          ],
        );
        expectExact(
          run((m) => m.constant([NaN, 1], [2]).minimum(m.constant([-Infinity, NaN], [2]))),
          [NaN, NaN],
        );
      },
    ],
  ],
  compare: [
    [
      "produces bool masks for all six comparisons",
      () => {
        const cmp = (op: "lt" | "le" | "gt" | "ge" | "eq" | "ne") =>
          run((m) => m.constant([1, 2, 3], [3])[op](2));
        expectExact(cmp("lt"), [1, 0, 0], "bool");
        expectExact(cmp("le"), [1, 1, 0], "bool");
        expectExact(cmp("gt"), [0, 0, 1], "bool");
        expectExact(cmp("ge"), [0, 1, 1], "bool");
        expectExact(cmp("eq"), [0, 1, 0], "bool");
        expectExact(cmp("ne"), [1, 0, 1], "bool");
      },
    ],
    [
      "broadcasts, compares i32, and treats NaN as unordered",
      () => {
        expectExact(
          run((m) => m.constant([1, 3], [2, 1]).lt(m.constant([0, 2, 4], [3]))),
          [
            [0, 1, 1],
            [0, 0, 1],
          ],
          "bool",
        );
        expectExact(
          run((m) => m.constant([-1, 7], [2], "i32").ge(m.constant([-1, 8], [2], "i32"))),
          [1, 0],
          "bool",
        );
        const nan = (op: "lt" | "le" | "gt" | "ge" | "eq" | "ne") =>
          toNested(run((m) => m.constant([NaN, NaN], [2])[op](m.constant([NaN, 1], [2]))));
        expect(nan("lt")).toEqual([0, 0]);
        expect(nan("le")).toEqual([0, 0]);
        expect(nan("gt")).toEqual([0, 0]);
        expect(nan("ge")).toEqual([0, 0]);
        expect(nan("eq")).toEqual([0, 0]);
        expect(nan("ne")).toEqual([1, 1]);
        expect(() => run((m) => m.constant([1], [1], "i32").lt(m.constant([1], [1])))).toThrow(
          /dtype mismatch/,
        );
      },
    ],
  ],
  select: [
    [
      "chooses elementwise, broadcasting condition and both branches",
      () => {
        // cond [2,1], a [3], b scalar -> [2,3]
        const y = run((m) => {
          const cond = m.constant([1, -1], [2, 1]).gt(0);
          return cond.select(m.constant([1, 2, 3], [3]), -5);
        });
        expectExact(y, [
          [1, 2, 3],
          [-5, -5, -5],
        ]);
        // cond [3], a [2,1], b [2,3]
        const z = run((m) =>
          m
            .constant([0, 1, 2], [3])
            .eq(1)
            .select(m.constant([10, 20], [2, 1]), m.constant([1, 2, 3, 4, 5, 6], [2, 3])),
        );
        expectExact(z, [
          [1, 10, 3],
          [4, 20, 6],
        ]);
        expect(() => run((m) => t(b.select(m.constant(1).node, 1, 2)))).toThrow(/expected bool/);
      },
    ],
  ],
  neg: [
    [
      "negates (giving -0 for 0) and wraps -(2^31) in i32",
      () => {
        expectExact(
          run((m) => m.constant([1, -2, 0], [3]).neg()),
          [-1, 2, -0],
        );
        expectExact(
          run((m) => m.input("k", [2], "i32").neg(), { inputs: { k: [I32_MIN, 5] } }),
          [I32_MIN, -5],
          "i32",
        );
      },
    ],
  ],
  exp: [
    [
      "computes e^x",
      () => {
        expectClose(
          run((m) => m.constant([0, 1, -1, -Infinity, 2], [5]).exp()),
          [5],
          [1, Math.E, 0.36787944117144233, 0, 7.38905609893065],
        );
        expectExact(
          run((m) => m.constant(1000).exp()),
          Infinity,
        );
      },
    ],
  ],
  log: [
    [
      "computes ln x with log 0 = -Infinity and log of a negative = NaN",
      () => {
        expectClose(
          run((m) => m.constant([1, Math.E, 0, -1, 0.5], [5]).log()),
          [5],
          [0, 1, -Infinity, NaN, -0.6931471805599453],
        );
      },
    ],
  ],
  log1p: [
    [
      "computes ln(1 + x), exact to the last digit where 1 + x rounds to 1; log1p(-1) = -Infinity, below -1 NaN",
      () => {
        const r = run((m) => m.constant([0, 1e-10, -1e-10, Math.E - 1, -1, -2, 1e30], [7]).log1p());
        expectClose(r, [7], [0, 9.9999999995e-11, -1.00000000005e-10, 1, -Infinity, NaN, 69.07755278982137]);
        // relative accuracy where log(1 + x) keeps only 6 digits of x: x − x²/2, to 1e-15
        expect(Math.abs(r.data[1]! / (1e-10 - 5e-21) - 1)).toBeLessThan(1e-15);
        expect(Math.abs(r.data[2]! / (-1e-10 - 5e-21) - 1)).toBeLessThan(1e-15);
      },
    ],
  ],
  sqrt: [
    [
      "computes √x with √(negative) = NaN",
      () => {
        expectClose(
          run((m) => m.constant([4, 2, 0, -1, 0.25], [5]).sqrt()),
          [5],
          [2, 1.4142135623730951, 0, NaN, 0.5],
        );
      },
    ],
  ],
  abs: [
    [
      "takes |x| in f32 and i32 (|−2^31| wraps)",
      () => {
        expectExact(
          run((m) => m.constant([-3, 0, 2.5, -Infinity], [4]).abs()),
          [3, 0, 2.5, Infinity],
        );
        expectExact(
          run((m) => m.input("k", [3], "i32").abs(), { inputs: { k: [-7, 7, I32_MIN] } }),
          [7, 7, I32_MIN],
          "i32",
        );
      },
    ],
  ],
  sign: [
    [
      "is -1, 0 or 1, and NaN for NaN",
      () => {
        expectExact(
          run((m) => m.constant([-2, 0, 3, NaN, -0.001], [5]).sign()),
          [-1, 0, 1, NaN, -1],
        );
        expectExact(
          run((m) => m.constant([-9, 0, 4], [3], "i32").sign()),
          [-1, 0, 1],
          "i32",
        );
      },
    ],
  ],
  tanh: [
    [
      "computes tanh, saturating to ±1",
      () => {
        expectClose(
          run((m) => m.constant([0, 1, -1, 50, -50], [5]).tanh()),
          [5],
          [0, 0.7615941559557649, -0.7615941559557649, 1, -1],
        );
      },
    ],
  ],
  sigmoid: [
    [
      "computes 1 / (1 + e^-x)",
      () => {
        expectClose(
          run((m) => m.constant([0, 2, -2, -40], [4]).sigmoid()),
          [4],
          // σ(−40) = e^−40 / (1 + e^−40), to full relative precision (not 1 − σ(40) = 0)
          [0.5, 0.8807970779778823, 0.11920292202211755, 4.248354255291589e-18],
        );
      },
    ],
    [
      "does not overflow at large |x|: σ(−800) = 0 and σ(800) = 1 exactly",
      () => {
        const y = run((m) => m.constant([-800, 800, -Infinity, Infinity], [4]).sigmoid());
        expectExact(y, [0, 1, 0, 1]);
      },
    ],
  ],
  pow: [
    [
      "raises to a constant exponent",
      () => {
        expectExact(
          run((m) => m.constant([2, 3, -2], [3]).pow(3)),
          [8, 27, -8],
        );
        expectExact(
          run((m) => m.constant([4, 9, 0.25], [3]).pow(0.5)),
          [2, 3, 0.5],
        );
        expectExact(
          run((m) => m.constant([2, -4, 0.5], [3]).pow(-1)),
          [0.5, -0.25, 2],
        );
        expectExact(
          run((m) => m.constant([-3, 1.5], [2]).pow(2)),
          [9, 2.25],
        );
        // x^0 = 1 even for 0 and NaN (Math.pow); fractional power of a negative is NaN
        expectExact(
          run((m) => m.constant([0, 5, NaN], [3]).pow(0)),
          [1, 1, 1],
        );
        expectExact(
          run((m) => m.constant(-8).pow(1 / 3)),
          NaN,
        );
        expect(() => run((m) => m.constant(2).pow(Infinity))).toThrow(/finite/);
      },
    ],
  ],
  cast: [
    [
      "f32 -> i32 truncates toward zero, maps NaN to 0 and saturates",
      () => {
        const y = run((m) =>
          m.constant([2.7, -2.7, 0.999, NaN, 3e9, -3e9, Infinity, -Infinity], [8]).cast("i32"),
        );
        expectExact(y, [2, -2, 0, 0, I32_MAX, I32_MIN, I32_MAX, I32_MIN], "i32");
      },
    ],
    [
      "bool -> f32/i32 is 0/1; f32/i32 -> bool is x != 0; i32 -> f32 and f32 -> f32 keep values",
      () => {
        expectExact(
          run((m) => m.constant([1, 2, 3], [3]).gt(1.5).cast("f32")),
          [0, 1, 1],
        );
        expectExact(
          run((m) => m.constant([1, 2, 3], [3]).lt(2).cast("i32")),
          [1, 0, 0],
          "i32",
        );
        expectExact(
          // NaN != 0 is true (IEEE, wasm f32.ne, NumPy, JAX)
          run((m) => m.constant([0, -0, 2, -0.5, NaN], [5]).cast("bool")),
          [0, 0, 1, 1, 1],
          "bool",
        );
        expectExact(
          run((m) => m.constant([0, -3, 5], [3], "i32").cast("bool")),
          [0, 1, 1],
          "bool",
        );
        expectExact(
          run((m) => m.constant([-3, 100], [2], "i32").cast("f32")),
          [-3, 100],
        );
        expectExact(
          run((m) => m.constant([0.1, -2.5], [2]).cast("f32")),
          [0.1, -2.5],
        );
      },
    ],
  ],
  stop_gradient: [
    [
      "is the identity on values of every dtype",
      () => {
        expectExact(
          run((m) => m.constant([1.5, -2], [2]).stopGradient()),
          [1.5, -2],
        );
        expectExact(
          run((m) => m.constant([3, -4], [2], "i32").stopGradient()),
          [3, -4],
          "i32",
        );
        expectExact(
          run((m) => m.constant([1, 2], [2]).gt(1).stopGradient()),
          [0, 1],
          "bool",
        );
      },
    ],
  ],

  // ---- reductions ----
  reduce_sum: [
    [
      "sums over any set of axes, with and without keepdims",
      () => {
        const x = (m: ModelBuilder) => m.constant([1, 2, 3, 4, 5, 6], [2, 3]);
        expectExact(
          run((m) => x(m).sum(0)),
          [5, 7, 9],
        );
        expectExact(
          run((m) => x(m).sum(1)),
          [6, 15],
        );
        expectExact(
          run((m) => x(m).sum(-1, true)),
          [[6], [15]],
        );
        expectExact(
          run((m) => x(m).sum()),
          21,
        );
        expectExact(
          run((m) => x(m).sum([0, 1], true)),
          [[21]],
        );
        expectExact(
          run((m) => x(m).sum([])),
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
        );
        // [2,2,2] over the outer and inner axes: [[[0,1],[2,3]],[[4,5],[6,7]]] -> [0+1+4+5, 2+3+6+7]
        expectExact(
          run((m) => m.constant([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2]).sum([0, 2])),
          [10, 18],
        );
      },
    ],
    [
      "sums i32 with 32-bit wrap-around; an empty axis sums to 0",
      () => {
        expectExact(
          run((m) => m.input("k", [2], "i32").sum(), { inputs: { k: [I32_MAX, 2] } }),
          I32_MIN + 1,
          "i32",
        );
        expectExact(
          run((m) => m.constant(0, [0, 2]).sum(0)),
          [0, 0],
        );
      },
    ],
    [
      "computes nn.avgPool1d and mean as sums",
      () => {
        // time series 1, 3, 2, 5, 4 with one channel
        const x = (m: ModelBuilder) => m.constant([1, 3, 2, 5, 4], [5, 1]);
        expectExact(
          run((m) => nn.avgPool1d(x(m), 2, 1)),
          [[2], [2.5], [3.5], [4.5]],
        );
        expectExact(
          run((m) => nn.avgPool1d(x(m), 3, 2)),
          [[2], [11 / 3]],
        );
        expectExact(
          run((m) => m.constant([1, 2, 3, 4, 5, 6], [2, 3]).mean(1)),
          [2, 5],
        );
      },
    ],
  ],
  reduce_max: [
    [
      "takes the maximum over axes, with ties and keepdims",
      () => {
        const x = (m: ModelBuilder) => m.constant([1, 5, 3, 7, 2, 7], [2, 3]);
        expectExact(
          run((m) => x(m).max(1)),
          [5, 7],
        );
        expectExact(
          run((m) => x(m).max(0)),
          [7, 5, 7],
        );
        expectExact(
          run((m) => x(m).max(-1, true)),
          [[5], [7]],
        );
        expectExact(
          run((m) => x(m).max()),
          7,
        );
        expectExact(
          run((m) => m.constant([-3, -3, -3], [3]).max()),
          -3,
        );
        expectExact(
          run((m) => m.constant([-Infinity, -Infinity], [2]).max()),
          -Infinity,
        );
        expectExact(
          run((m) => m.constant([I32_MIN, -4, -9], [3], "i32").max()),
          -4,
          "i32",
        );
        expectExact(
          run((m) => m.constant([I32_MIN], [1], "i32").max()),
          I32_MIN,
          "i32",
        );
      },
    ],
    [
      "propagates NaN wherever it occurs in the reduced slice",
      () => {
        expectExact(
          run((m) => m.constant([NaN, 1, 2, 1, NaN, 2, 1, 2, NaN, 1, 2, 3], [4, 3]).max(1)),
          [NaN, NaN, NaN, 3],
        );
      },
    ],
    [
      "rejects an empty reduction",
      () => {
        expectExact(
          run((m) => m.constant(4, [1]).max(0)),
          4,
        );
        expect(() => run((m) => m.constant(0, [0, 2]).max(0))).toThrow(/empty axis/);
      },
    ],
    [
      "computes nn.maxPool1d and nn.maxOverTime",
      () => {
        const x = (m: ModelBuilder) => m.constant([1, 3, 2, 5, 4], [5, 1]);
        expectExact(
          run((m) => nn.maxPool1d(x(m), 2)),
          [[3], [5]],
        );
        expectExact(
          run((m) => nn.maxPool1d(x(m), 3, 1)),
          [[3], [5], [5]],
        );
        // batch of 2 sequences of 3 steps with 2 channels
        expectExact(
          run((m) => nn.maxOverTime(m.constant([1, 9, 4, 2, 3, 3, 0, -1, -5, -2, -3, -4], [2, 3, 2]))),
          [
            [4, 9],
            [0, -1],
          ],
        );
      },
    ],
  ],

  // ---- movement ----
  reshape: [
    [
      "keeps row-major order",
      () => {
        const x = (m: ModelBuilder) => m.constant([1, 2, 3, 4, 5, 6], [2, 3]);
        expectExact(
          run((m) => x(m).reshape([3, 2])),
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        );
        expectExact(
          run((m) => x(m).reshape([6])),
          [1, 2, 3, 4, 5, 6],
        );
        expectExact(
          run((m) => x(m).reshape([-1, 1, 2])),
          [[[1, 2]], [[3, 4]], [[5, 6]]],
        );
        expectExact(
          run((m) => m.constant(9).reshape([1, 1])),
          [[9]],
        );
        expectExact(
          run((m) => m.constant([9], [1, 1]).reshape([])),
          9,
        );
        expect(() => run((m) => x(m).reshape([4]))).toThrow(/cannot reshape/);
      },
    ],
  ],
  transpose: [
    [
      "permutes axes: output axis i is input axis perm[i]",
      () => {
        expectExact(
          run((m) => m.constant([1, 2, 3, 4, 5, 6], [2, 3]).transpose()),
          [
            [1, 4],
            [2, 5],
            [3, 6],
          ],
        );
        // x[i][j][k] = 6i + 3j + k, out[k][i][j] = x[i][j][k]
        const y = run((m) =>
          m.constant([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 2, 3]).transpose([2, 0, 1]),
        );
        expectExact(y, [
          [
            [0, 3],
            [6, 9],
          ],
          [
            [1, 4],
            [7, 10],
          ],
          [
            [2, 5],
            [8, 11],
          ],
        ]);
        expectExact(
          run((m) => m.constant([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]).T),
          [
            [
              [1, 3],
              [2, 4],
            ],
            [
              [5, 7],
              [6, 8],
            ],
          ],
        );
        expect(() => run((m) => m.constant(0, [2, 2]).transpose([0, 0]))).toThrow(/not a permutation/);
      },
    ],
  ],
  broadcast: [
    [
      "repeats along new leading axes and size-1 axes",
      () => {
        expectExact(
          run((m) => m.constant([1, 2, 3], [3]).broadcastTo([2, 3])),
          [
            [1, 2, 3],
            [1, 2, 3],
          ],
        );
        expectExact(
          run((m) => m.constant([1, 2], [2, 1]).broadcastTo([2, 3])),
          [
            [1, 1, 1],
            [2, 2, 2],
          ],
        );
        expectExact(
          run((m) => m.constant(7).broadcastTo([2, 2])),
          [
            [7, 7],
            [7, 7],
          ],
        );
        expectExact(
          run((m) => m.constant([4, 5], [1, 2]).broadcastTo([2, 1, 2])),
          [[[4, 5]], [[4, 5]]],
        );
        expect(() => run((m) => m.constant(0, [2]).broadcastTo([3]))).toThrow(/cannot broadcast/);
        expect(() => run((m) => m.constant(0, [2, 2]).broadcastTo([2]))).toThrow(/cannot broadcast/);
      },
    ],
  ],
  slice: [
    [
      "takes start, start+step, ... below stop on every axis",
      () => {
        const v = (m: ModelBuilder) => m.constant([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10]);
        expectExact(
          run((m) => t(b.slice(v(m).node, [1], [8], [3]))),
          [1, 4, 7],
        );
        expectExact(
          run((m) => t(b.slice(v(m).node, [1], [7], [3]))),
          [1, 4],
        );
        expectExact(
          run((m) => v(m).slice(0, -3)),
          [7, 8, 9],
        );
        expectExact(
          run((m) => t(b.slice(v(m).node, [4], [4]))),
          [],
        );
        // [3,4] holding 0..11: rows 0 and 2, columns 1 and 3
        const y = run((m) =>
          t(b.slice(m.constant([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4]).node, [0, 1], [3, 4], [2, 2])),
        );
        expectExact(y, [
          [1, 3],
          [9, 11],
        ]);
        expect(() => run((m) => t(b.slice(v(m).node, [0], [11])))).toThrow(/not within/);
        expect(() => run((m) => t(b.slice(v(m).node, [0], [5], [0])))).toThrow(/positive step/);
      },
    ],
  ],
  pad: [
    [
      "pads with lo, hi and interior elements of `value`",
      () => {
        expectExact(
          run((m) => t(b.pad(m.constant([1, 2, 3], [3]).node, [1], [2], [1]))),
          [0, 1, 0, 2, 0, 3, 0, 0],
        );
        const y = run((m) => t(b.pad(m.constant([1, 2, 3, 4], [2, 2]).node, [1, 0], [0, 1], [0, 1], -1)));
        expectExact(y, [
          [-1, -1, -1, -1],
          [1, -1, 2, -1],
          [3, -1, 4, -1],
        ]);
        expectExact(
          run((m) => t(b.pad(m.constant([5], [1]).node, [0], [0], [3]))),
          [5],
        );
        expectExact(
          run((m) => t(b.pad(m.constant(0, [0]).node, [1], [1], [2], 9))),
          [9, 9],
        );
        expect(() => run((m) => t(b.pad(m.constant(0, [2]).node, [-1], [0])))).toThrow(/non-negative/);
      },
    ],
  ],
  concat: [
    [
      "joins along an existing axis",
      () => {
        expectExact(
          run((m) =>
            t(b.concat([m.constant([1, 2], [1, 2]).node, m.constant([3, 4, 5, 6], [2, 2]).node], 0)),
          ),
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
        );
        expectExact(
          run((m) =>
            t(b.concat([m.constant([1, 2], [2, 1]).node, m.constant([3, 4, 5, 6], [2, 2]).node], 1)),
          ),
          [
            [1, 3, 4],
            [2, 5, 6],
          ],
        );
        expectExact(
          run((m) =>
            t(
              b.concat(
                [m.constant([1], [1]).node, m.constant([2, 3], [2]).node, m.constant([4], [1]).node],
                -1,
              ),
            ),
          ),
          [1, 2, 3, 4],
        );
        expect(() =>
          run((m) => t(b.concat([m.constant(0, [2, 1]).node, m.constant(0, [3, 1]).node], 1))),
        ).toThrow(/differs/);
      },
    ],
    [
      "builds nn.stack and nn.concat",
      () => {
        const pair = (m: ModelBuilder) => [m.constant([1, 2], [2]), m.constant([3, 4], [2])];
        expectExact(
          run((m) => nn.stack(pair(m))),
          [
            [1, 2],
            [3, 4],
          ],
        );
        expectExact(
          run((m) => nn.stack(pair(m), -1)),
          [
            [1, 3],
            [2, 4],
          ],
        );
        expectExact(
          run((m) => nn.concat(pair(m))),
          [1, 2, 3, 4],
        );
      },
    ],
  ],

  // ---- linear algebra and indexing ----
  matmul: [
    [
      "multiplies a 2x3 by a 3x2 matrix, with every combination of transposed operands",
      () => {
        const A = [1, 2, 3, 4, 5, 6]; // [[1,2,3],[4,5,6]]
        const At = [1, 4, 2, 5, 3, 6]; // its transpose, [3,2]
        const B = [7, 8, 9, 10, 11, 12]; // [[7,8],[9,10],[11,12]]
        const Bt = [7, 9, 11, 8, 10, 12]; // its transpose, [2,3]
        const expected = [
          [58, 64],
          [139, 154],
        ];
        const mm = (a: number[], aShape: number[], c: number[], cShape: number[], ta: boolean, tb: boolean) =>
          run((m) => t(b.matmul(m.constant(a, aShape).node, m.constant(c, cShape).node, ta, tb)));
        expectExact(mm(A, [2, 3], B, [3, 2], false, false), expected);
        expectExact(mm(At, [3, 2], B, [3, 2], true, false), expected);
        expectExact(mm(A, [2, 3], Bt, [2, 3], false, true), expected);
        expectExact(mm(At, [3, 2], Bt, [2, 3], true, true), expected);
        // B·A (3x2 · 2x3) transposed both ways: Bᵀᵀ · Aᵀᵀ
        expectExact(mm(Bt, [2, 3], At, [3, 2], true, true), [
          [39, 54, 69],
          [49, 68, 87],
          [59, 82, 105],
        ]);
      },
    ],
    [
      "broadcasts batch axes",
      () => {
        // [2,2,2] (I and the swap matrix) times one [2,2]
        expectExact(
          run((m) =>
            m.constant([1, 0, 0, 1, 0, 1, 1, 0], [2, 2, 2]).matmul(m.constant([1, 2, 3, 4], [2, 2])),
          ),
          [
            [
              [1, 2],
              [3, 4],
            ],
            [
              [3, 4],
              [1, 2],
            ],
          ],
        );
        // rows a_i [2,1,1,2] times columns b_j [1,3,2,1]: out[i][j] = a_i · b_j, batch [2,3]
        const y = run((m) =>
          m.constant([1, 2, 3, 4], [2, 1, 1, 2]).matmul(m.constant([1, 0, 0, 1, 1, 1], [1, 3, 2, 1])),
        );
        expect(y.shape).toEqual([2, 3, 1, 1]);
        expect(Array.from(y.data)).toEqual([1, 2, 3, 3, 4, 7]);
        // a batched transposed operand: [2,3,2]ᵀ · [3,1]
        const z = run((m) =>
          t(
            b.matmul(
              m.constant([1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 0, 0], [2, 3, 2]).node,
              m.constant([1, 2, 3], [3, 1]).node,
              true,
              false,
            ),
          ),
        );
        expectExact(z, [
          [[4], [5]],
          [[2], [4]],
        ]);
      },
    ],
    [
      "checks ranks, inner dimensions and dtypes",
      () => {
        expectExact(
          run((m) => m.constant([1, 2], [1, 2]).matmul(m.constant([3, 4], [2, 1]))),
          [[11]],
        );
        expect(() => run((m) => m.constant(0, [2, 3]).matmul(m.constant(0, [2, 3])))).toThrow(
          /inner dimensions/,
        );
        expect(() => run((m) => t(b.matmul(m.constant(0, [3]).node, m.constant(0, [3, 1]).node)))).toThrow(
          /rank/,
        );
        expect(() => run((m) => m.constant(0, [1, 1], "i32").matmul(m.constant(0, [1, 1], "i32")))).toThrow(
          /dtype i32/,
        );
      },
    ],
    [
      "computes nn.conv1d (im2col + matmul) over valid windows",
      () => {
        // out[t] = 1·x[t] + 10·x[t+1]
        expectExact(
          run((m) => nn.conv1d(m.constant([1, 2, 3, 4], [4, 1]), m.constant([1, 10], [2, 1, 1]))),
          [[21], [32], [43]],
        );
        // two channels, two filters: f0 = x[t,0] + x[t+1,1], f1 = x[t,1] − x[t+1,0], bias [0, 100]
        const y = run((m) =>
          nn.conv1d(
            m.constant([1, 2, 3, 4, 5, 6], [1, 3, 2]),
            m.constant([1, 0, 0, 1, 0, -1, 1, 0], [2, 2, 2]),
            m.constant([0, 100], [2]),
          ),
        );
        expectExact(y, [
          [
            [5, 99],
            [9, 99],
          ],
        ]);
      },
    ],
  ],
  extract: [
    [
      "a contiguous run of elements, with a new shape; a run past the end is rejected",
      () => {
        expectExact(
          run((m) =>
            t(
              m.ctx.node("extract", [m.constant([1, 2, 3, 4, 5, 6], [2, 3]).node], {
                offset: 1,
                shape: [2, 2],
              }),
            ),
          ),
          [
            [2, 3],
            [4, 5],
          ],
        );
        expect(() =>
          run((m) => t(m.ctx.node("extract", [m.constant(0, [2, 3]).node], { offset: 3, shape: [4] }))),
        ).toThrow(/outside/);
      },
    ],
  ],
  scan: [
    [
      "running sums: the carry sequence, a per-step output, the final carry",
      () => {
        const xs = [1, 2, 3, 4, 5, 6];
        const sums = (pick: (r: { carry: Tensor[]; ys: Tensor[] }) => Tensor) =>
          run((m) =>
            pick(
              m.scan({ init: [m.constant(0, [2])], xs: [m.constant(xs, [3, 2])] }, ([c], [x]) => {
                const next = c!.add(x!);
                return { carry: [next], ys: [next, next.mul(2)] };
              }),
            ),
          );
        expectExact(
          sums((r) => r.ys[0]!),
          [
            [1, 2],
            [4, 6],
            [9, 12],
          ],
        );
        expectExact(
          sums((r) => r.ys[1]!),
          [
            [2, 4],
            [8, 12],
            [18, 24],
          ],
        );
        expectExact(
          sums((r) => r.carry[0]!),
          [9, 12],
        );
      },
    ],
    [
      "a reverse scan runs t = T-1 .. 0 and keeps rows indexed by t; its final carry is row 0",
      () => {
        const build = (m: ModelBuilder) =>
          m.scan(
            { init: [m.constant(0, [2])], xs: [m.constant([1, 2, 3, 4, 5, 6], [3, 2])], reverse: true },
            ([c], [x]) => {
              const next = c!.add(x!);
              return { carry: [next], ys: [next] };
            },
          );
        expectExact(
          run((m) => build(m).ys[0]!),
          [
            [9, 12],
            [8, 10],
            [5, 6],
          ],
        );
        expectExact(
          run((m) => build(m).carry[0]!),
          [9, 12],
        );
      },
    ],
    [
      "loop-invariant values from outside the step are shared by every step",
      () =>
        expectExact(
          run(
            (m) => {
              const two = m.input("two", []);
              return m.scan(
                { init: [m.constant(0, [2])], xs: [m.constant([1, 2, 3, 4, 5, 6], [3, 2])] },
                ([c], [x]) => ({
                  carry: [c!.mul(two).add(x!)],
                }),
              ).carry[0]!;
            },
            { inputs: { two: 2 } },
          ),
          [15, 22],
        ),
    ],
    [
      "a carry must keep its type, sequences need T rows",
      () => {
        // a well-formed scan first (the case must evaluate one), then the malformed ones
        expectExact(
          run(
            (m) =>
              m.scan({ init: [m.constant(1, [2])], length: 2 }, ([c]) => ({ carry: [c!.add(c!)] })).carry[0]!,
          ),
          [4, 4],
        );
        expect(() =>
          run(
            (m) =>
              m.scan({ init: [m.constant(0, [2])], xs: [m.constant(0, [3, 2])] }, ([c], [x]) => ({
                carry: [c!.reshape([1, 2]).add(x!)],
              })).carry[0]!,
          ),
        ).toThrow(/keeps its type/);
        expect(() =>
          run(
            (m) =>
              m.scan(
                { init: [m.constant(0, [2])], xs: [m.constant(0, [3, 2]), m.constant(0, [4, 2])] },
                ([c]) => ({
                  carry: [c!],
                }),
              ).carry[0]!,
          ),
        ).toThrow(/needs 3 rows/);
      },
    ],
  ],
  gather: [
    [
      "picks rows by id, repeated ids included",
      () => {
        const table = (m: ModelBuilder) => m.constant([1, 2, 3, 4, 5, 6], [3, 2]);
        expectExact(
          run((m) => table(m).gather(m.constant([2, 0, 2], [3], "i32"))),
          [
            [5, 6],
            [1, 2],
            [5, 6],
          ],
        );
        expectExact(
          run((m) => table(m).gather(m.constant([1, 0], [2, 1], "i32"))),
          [[[3, 4]], [[1, 2]]],
        );
        expectExact(
          run((m) => m.constant([10, 20, 30], [3]).gather(m.constant(1, [], "i32"))),
          20,
        );
        expect(() => run((m) => table(m).gather(m.constant([3], [1], "i32")))).toThrow(/outside/);
        expect(() => run((m) => table(m).gather(m.constant([-1], [1], "i32")))).toThrow(/outside/);
        expect(() => run((m) => table(m).gather(m.constant([0], [1])))).toThrow(/expected i32/);
      },
    ],
    [
      "with fill, reads a row of zeros for an id outside the table",
      () => {
        const table = (m: ModelBuilder) => m.constant([1, 2, 3, 4, 5, 6], [3, 2]);
        expectExact(
          run((m) => t(b.gather(table(m).node, m.constant([2, -1, 3, 0], [4], "i32").node, true))),
          [
            [5, 6],
            [0, 0],
            [0, 0],
            [1, 2],
          ],
        );
      },
    ],
  ],
  softmax_xent: [
    [
      "is logsumexp(row) − row[label] per row, stable for large logits, 0 for an ignored label",
      () => {
        const ln2 = Math.log(2);
        const logits = (m: ModelBuilder) =>
          m.constant([0, 0, ln2, 1000, 1000, 1000 + ln2, 5, 6, 7, 5, 6, 7], [4, 3]);
        // exps of row 0: 1, 1, 2 (sum 4): −log(2/4) = ln 2; row 1 the same shifted by 1000, label 0: ln 4
        const labels = (m: ModelBuilder, values: number[]) => m.constant(values, [4], "i32").node;
        const y = run((m) => t(b.softmaxXent(logits(m).node, labels(m, [2, 0, -1, -1]), { ignore: -1 })));
        expect(y.shape).toEqual([4]);
        expect(Math.abs(y.data[0]! - ln2)).toBeLessThan(1e-15);
        expect(Math.abs(y.data[1]! - 2 * ln2)).toBeLessThan(1e-12);
        expect([...y.data.subarray(2)]).toEqual([0, 0]);
        // one example (rank-1 logits, a scalar label): exps 1, 3
        expectClose(
          run((m) => t(b.softmaxXent(m.constant([0, Math.log(3)], [2]).node, m.constant(1, [], "i32").node))),
          [],
          [Math.log(4) - Math.log(3)],
        );
        // any other label outside [0, C) is an error, with or without an ignored label
        expect(() =>
          run((m) => t(b.softmaxXent(logits(m).node, labels(m, [2, 0, -1, 3]), { ignore: -1 }))),
        ).toThrow("softmax_xent: label 3 at row 3 is outside the 3 classes [0, 3) or the ignored label -1");
        expect(() => run((m) => t(b.softmaxXent(logits(m).node, labels(m, [2, 0, -1, 0]))))).toThrow(
          "softmax_xent: label -1 at row 2 is outside the 3 classes [0, 3)",
        );
        // the ignored label cannot be a class
        expect(() =>
          run((m) => t(b.softmaxXent(logits(m).node, labels(m, [2, 0, 1, 0]), { ignore: 1 }))),
        ).toThrow(/softmax_xent: ignore 1 must be an integer outside the classes \[0, 3\)/);
        expect(() =>
          run((m) => t(b.softmaxXent(logits(m).node, m.constant([0, 0, 0, 0], [4]).node))),
        ).toThrow(/labels must be i32/);
        expect(() =>
          run((m) => t(b.softmaxXent(logits(m).node, m.constant([0, 0], [2], "i32").node))),
        ).toThrow(/softmax_xent: logits \[4,3\] need labels of shape \[4\], got \[2\]/);
      },
    ],
  ],
  softmax_xent_grad: [
    [
      "is softmax(row) − onehot(label) per row, zeros for an ignored label",
      () => {
        const ln2 = Math.log(2);
        const g = run((m) =>
          t(
            b.softmaxXentGrad(
              m.constant([0, 0, ln2, 1000, 1000, 1000 + ln2, 5, 6, 7], [3, 3]).node,
              m.constant([2, 0, -1], [3], "i32").node,
              { ignore: -1 },
            ),
          ),
        );
        expect(g.shape).toEqual([3, 3]);
        // row 1 (logits near 1000) only to f64 rounding of z − max − log Σ at that magnitude
        [0.25, 0.25, -0.5, -0.75, 0.25, 0.5].forEach((e, i) =>
          expect(Math.abs(g.data[i]! - e)).toBeLessThan(1e-12),
        );
        expect([...g.data.subarray(6)]).toEqual([0, 0, 0]);
        expect(() =>
          run((m) => t(b.softmaxXentGrad(m.constant([0, 0], [1, 2]).node, m.constant([7], [1], "i32").node))),
        ).toThrow("softmax_xent_grad: label 7 at row 0 is outside the 2 classes [0, 2)");
        expect(() =>
          run((m) => t(b.softmaxXentGrad(m.constant(1, []).node, m.constant(0, [], "i32").node))),
        ).toThrow(/class axis/);
      },
    ],
  ],
  im2col: [
    [
      "lays each window out as a column, channel by channel, tap by tap, with strides",
      () => {
        const x = (m: ModelBuilder) => m.constant([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
        expectExact(
          run((m) => t(b.im2col(x(m).node, [2, 2], [1, 1]))),
          [
            [
              [1, 2, 4, 5],
              [2, 3, 5, 6],
              [4, 5, 7, 8],
              [5, 6, 8, 9],
            ],
          ],
        );
        // 2 channels of 2×3, 1×2 windows at stride (1, 2): one window per row
        const y = run((m) =>
          t(b.im2col(m.constant([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 2, 2, 3]).node, [1, 2], [1, 2])),
        );
        expectExact(y, [
          [
            [1, 4],
            [2, 5],
            [7, 10],
            [8, 11],
          ],
        ]);
        expect(() => run((m) => t(b.im2col(x(m).node, [4, 1], [1, 1])))).toThrow(/does not fit/);
        expect(() => run((m) => t(b.im2col(m.constant(0, [3, 3]).node, [1, 1], [1, 1])))).toThrow(
          /\[N, C, H, W\]/,
        );
      },
    ],
  ],
  col2im: [
    [
      "sums each column back where its window read, overlaps added",
      () => {
        const cols = [1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9]; // im2col of 1..9 (above)
        expectExact(
          run((m) => t(b.col2im(m.constant(cols, [1, 4, 4]).node, [1, 3, 3], [2, 2], [1, 1]))),
          [
            [
              [
                [1, 4, 3],
                [8, 20, 12],
                [7, 16, 9],
              ],
            ],
          ],
        );
        // stride 2 leaves the last column unread: zeros there
        expectExact(
          run((m) => t(b.col2im(m.constant([1, 4, 2, 5], [1, 2, 2]).node, [1, 2, 3], [1, 2], [1, 2]))),
          [
            [
              [
                [1, 2, 0],
                [4, 5, 0],
              ],
            ],
          ],
        );
        expect(() =>
          run((m) => t(b.col2im(m.constant(0, [1, 4, 3]).node, [1, 3, 3], [2, 2], [1, 1]))),
        ).toThrow(/do not match/);
      },
    ],
  ],
  scatter_add: [
    [
      "adds update rows into the rows named by ids, accumulating repeated ids",
      () => {
        const y = run((m) =>
          t(
            b.scatterAdd(
              m.constant([0, 2, 0], [3], "i32").node,
              m.constant([1, 2, 3, 4, 5, 6], [3, 2]).node,
              4,
            ),
          ),
        );
        expectExact(y, [
          [6, 8],
          [0, 0],
          [3, 4],
          [0, 0],
        ]);
        expectExact(
          run((m) =>
            t(b.scatterAdd(m.constant([1, 1, 1], [3], "i32").node, m.constant([1, 2, 3], [3]).node, 2)),
          ),
          [0, 6],
        );
        // 2-D ids: updates [2,2,1]
        expectExact(
          run((m) =>
            t(
              b.scatterAdd(
                m.constant([1, 0, 1, 1], [2, 2], "i32").node,
                m.constant([1, 2, 4, 8], [2, 2, 1]).node,
                2,
              ),
            ),
          ),
          [[2], [13]],
        );
        expect(() =>
          run((m) => t(b.scatterAdd(m.constant([2], [1], "i32").node, m.constant([1], [1]).node, 2))),
        ).toThrow(/outside/);
        expect(() =>
          run((m) => t(b.scatterAdd(m.constant([0, 1], [2], "i32").node, m.constant(0, [3, 2]).node, 2))),
        ).toThrow(/must start with/);
      },
    ],
    [
      "with drop, adds nothing for an id outside the rows",
      () => {
        expectExact(
          run((m) =>
            t(
              b.scatterAdd(
                m.constant([1, 2, -1, 1], [4], "i32").node,
                m.constant([1, 2, 4, 8], [4]).node,
                2,
                true,
              ),
            ),
          ),
          [0, 9],
        );
      },
    ],
  ],
};

// ---- running the table --------------------------------------------------------------------

describe("primitive reference values", () => {
  beforeEach(() => seen.clear());

  it("cover every primitive in PRIMITIVES (a new primitive needs cases here)", () => {
    const names = PRIMITIVES.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(CASES).sort()).toEqual([...names].sort());
    for (const cases of Object.values(CASES)) expect(cases.length).toBeGreaterThan(0);
  });

  for (const [op, cases] of Object.entries(CASES)) {
    describe(op, () => {
      for (const [name, body] of cases) {
        it(name, () => {
          body();
          expect([...seen], `a case filed under '${op}' must evaluate a graph containing it`).toContain(op);
        });
      }
    });
  }
});
