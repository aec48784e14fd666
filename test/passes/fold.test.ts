// Constant folding builds no large tensor: operands of more than 2^16 elements are folded only
// by closed forms for values that fill them (the sum of a billion copies of 0.5), and those give
// the interpreter's values bit for bit.
import { describe, expect, it, vi } from "vitest";
import {
  compile,
  graphNodes,
  interpret,
  model,
  type ModelBuilder,
  type Tensor,
} from "../../compiler/index.js";
import type { OpDef } from "../../compiler/ir/op.js";
import { sizeOf, type DType } from "../../compiler/ir/shape.js";
import { PRIMITIVES } from "../../compiler/ops/index.js";
import { sumOfCopies } from "../../compiler/ops/uniform.js";
import { optimizeGraph } from "../../compiler/passes/pipeline.js";
import { load } from "../../runtime/index.js";

const MAX_EVALUATED_ELEMENTS = 2 ** 16;

/**
 * Runs `fn` (to the end of its promise, if it returns one) with every reference evaluation of a
 * tensor above the limit throwing, before it allocates.
 */
function withoutLargeEvaluations<T>(fn: () => T): T {
  for (const def of PRIMITIVES as readonly OpDef[]) {
    const evaluate = def.evaluate.bind(def);
    vi.spyOn(def, "evaluate").mockImplementation((inputs, attrs, out) => {
      if (sizeOf(out.shape) > MAX_EVALUATED_ELEMENTS) {
        throw new Error(`${def.name} evaluated with ${sizeOf(out.shape)} elements at compile time`);
      }
      return evaluate(inputs, attrs, out);
    });
  }
  let result: T;
  try {
    result = fn();
  } catch (e) {
    vi.restoreAllMocks();
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => vi.restoreAllMocks()) as T;
  vi.restoreAllMocks();
  return result;
}

/** The model and its graph after the fold pass, which must evaluate nothing large. */
const folded = (build: (m: ModelBuilder) => Tensor) => {
  const mdl = model("fold", (m) => m.output("y", build(m)));
  const { graph } = withoutLargeEvaluations(() =>
    optimizeGraph(mdl.graph, { passes: ["fold"], check: true }),
  );
  return { mdl, graph };
};

/** The output's node when folding made it a constant. */
const constantOutput = (g: ReturnType<typeof folded>["graph"]) => {
  const y = g.outputs.get("y")!;
  return y.op === "const" ? y : undefined;
};

describe("folding large fills", () => {
  const N = 1e9;
  const cases: [string, (m: ModelBuilder) => Tensor, number][] = [
    ["sum", (m) => m.constant(0.5, [N]).sum(), 0.5 * N],
    ["mean", (m) => m.constant(0.5, [N]).mean(), 0.5],
    ["max", (m) => m.constant(-3, [N]).max(), -3],
    ["sum of a broadcast scalar", (m) => m.constant(0.25).broadcastTo([1e5, 1e4]).sum(), 0.25e9],
    ["sum over one axis", (m) => m.constant(2, [4, 1e8]).sum(1), 2e8],
    ["i32 sum, wrapping as the interpreter does", (m) => m.constant(3, [N], "i32").sum(), (3 * N) | 0],
    ["slice", (m) => m.constant(7, [N]).slice(0, 5, 9), 7],
    ["matmul", (m) => m.constant(0.5, [2, 1e6]).matmul(m.constant(4, [1e6, 3])), 2e6],
  ];
  for (const [name, build, value] of cases) {
    it(`${name}: folded to ${value} without building the operand`, () => {
      const y = constantOutput(folded(build).graph);
      expect(y, "folded").toBeDefined();
      expect(y!.attrs).toMatchObject({ value });
    });
  }

  it("a sum with no exact closed form stays for the compiled code, and builds nothing", () => {
    // 10^9 copies of 0.1 do not sum to 10^8 in float64: the interpreter's running sum drifts
    const { graph } = folded((m) => m.constant(0.1, [N]).sum());
    expect(constantOutput(graph)).toBeUndefined();
  });

  it("compiles m.constant(0.5, [1e9]).sum() to a small module that returns 5e8", async () => {
    const big = model("big", (m) => m.output("s", m.constant(0.5, [N]).sum()));
    const { wasm } = await withoutLargeEvaluations(() => compile(big));
    expect(wasm.length).toBeLessThan(4096);
    const net = await load(wasm);
    expect(net.run({}).s![0]).toBe(5e8);
  });
});

describe("closed forms give the interpreter's values bit for bit", () => {
  // [2, 40000]: above the limit, so folding uses the closed form, yet small enough to interpret
  const shape = [2, 40000];
  const f32Values = [0.5, 0.1, 1 / 3, 3, -7.25, 2 ** 60, 2 ** -1074, 1e308, 0, -0, NaN, Infinity, -Infinity];
  const i32Values = [0, 1, -3, 2 ** 31 - 1, -(2 ** 31), 123456789];
  const ops: [string, (c: Tensor, m: ModelBuilder, dtype: DType) => Tensor][] = [
    ["sum", (c) => c.sum()],
    ["sum over axis 1", (c) => c.sum(1)],
    ["sum keepdims", (c) => c.sum(1, true)],
    ["mean", (c) => c.mean()],
    ["max", (c) => c.max()],
    ["max over axis 1", (c) => c.max(1)],
    ["slice", (c) => c.slice(1, 100, 130, 3)],
  ];
  const check = (dtype: DType, v: number, name: string, build: (m: ModelBuilder) => Tensor) => {
    const { mdl, graph } = folded(build);
    const before = interpret(mdl.graph, {}).outputs.y!.data;
    const after = interpret(graph, {}).outputs.y!.data;
    expect(after.length).toBe(before.length);
    before.forEach((b, i) =>
      expect(Object.is(after[i], b), `${name} of ${dtype} ${v}: ${after[i]} vs ${b}`).toBe(true),
    );
    return constantOutput(graph) !== undefined;
  };

  it("f32 and i32 reductions and slices", () => {
    let count = 0;
    for (const [dtype, values] of [
      ["f32", f32Values],
      ["i32", i32Values],
    ] as const) {
      for (const v of values) {
        for (const [name, op] of ops) {
          if (dtype === "i32" && name === "mean") continue; // mean divides: f32 only
          if (check(dtype, v, name, (m) => op(m.constant(v, shape, dtype), m, dtype))) count++;
        }
      }
    }
    // all but the sum and the mean of all 80000 copies of 0.1, 1/3 or 1e308 are folded: those
    // sums round, and are too long to add one by one (over axis 1, 40000 terms are added)
    expect(count).toBe(f32Values.length * ops.length + i32Values.length * (ops.length - 1) - 3 * 2);
  });

  it("matmul of two fills", () => {
    for (const [a, b] of [
      [0.5, 4],
      [0.1, 3],
      [-0, 2],
      [Infinity, 0],
    ]) {
      const build = (m: ModelBuilder) => m.constant(a!, [2, 40000]).matmul(m.constant(b!, [40000, 3]));
      expect(check("f32", a!, "matmul", build), `${a} · ${b} folded`).toBe(true);
    }
  });
});

describe("sumOfCopies is the running sum", () => {
  const runningSum = (v: number, n: number, dtype: DType) => {
    let s = 0;
    for (let i = 0; i < n; i++) s = dtype === "f32" ? s + v : (s + v) | 0;
    return s;
  };

  it("on random values and counts up to 2^17, where it knows the answer", () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 300; trial++) {
      const count = Math.floor(next() * 2 ** 17);
      // few significant bits (exact sums), many (rounding), tiny and huge magnitudes
      const bits = [1, 8, 30, 53][trial % 4]!;
      const v = (Math.round(next() * 2 ** bits) / 2 ** bits) * 2 ** Math.round(next() * 200 - 100);
      const got = sumOfCopies(v, count, "f32");
      if (got !== undefined)
        expect(Object.is(got, runningSum(v, count, "f32")), `${v} × ${count}`).toBe(true);
      if (count <= MAX_EVALUATED_ELEMENTS || bits === 1) expect(got, `${v} × ${count}`).toBeDefined();
      const int = Math.round((next() - 0.5) * 2 ** 32) | 0;
      expect(sumOfCopies(int, count, "i32")).toBe(runningSum(int, count, "i32"));
    }
  });

  it("keeps the running sum's signed zero and overflow", () => {
    expect(Object.is(sumOfCopies(-0, 5, "f32"), 0)).toBe(true); // +0 + -0 is +0
    expect(Object.is(sumOfCopies(-2, 0, "f32"), 0)).toBe(true);
    expect(sumOfCopies(1e308, 10, "f32")).toBe(runningSum(1e308, 10, "f32")); // Infinity
    expect(sumOfCopies(-1e308, 3, "f32")).toBe(-Infinity);
  });
});
