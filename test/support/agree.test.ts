// The comparison rule of every differential test (agree.ts) at the edges: NaN, ±Infinity, values
// beyond f32's range, gradients, results the reference computed through an overflow
// (f32-range.ts); and that it still rejects what a wrong module would compute.
import { describe, expect, it } from "vitest";
import { model } from "../../compiler/index.js";
import { agrees, F32_MAX } from "./agree.js";
import { overflowsInF32, showsOverflow } from "./f32-range.js";
import { EXACT, mismatches, ULP } from "../wasm/harness.js";

const INF = Infinity;
const NAN = NaN;
/** The "close" tolerance of the tests: relative 1e-4. */
const close = (g: number, r: number) => Math.abs(g - r) <= 1e-4 * Math.abs(r);
const exact = (g: number, r: number) => g === Math.fround(r);
const value = (got: number, ref: number, c = close) => agrees(got, ref, c);
const gradient = (got: number, ref: number) => agrees(got, ref, close, { quantity: "gradient" });

describe("agrees", () => {
  it("finite references within f32's range: the tolerance decides, and nothing non-finite passes", () => {
    expect(value(1.00001, 1)).toBe(true);
    expect(value(1.001, 1)).toBe(false);
    expect(value(F32_MAX, F32_MAX)).toBe(true);
    expect(value(Math.fround(0.1), 0.1, exact)).toBe(true);
    // a module that overflows or produces NaN where the reference is finite fails, value or gradient
    for (const got of [INF, -INF, NAN]) {
      for (const ref of [0, 1, -1e30, F32_MAX, -F32_MAX]) {
        expect(value(got, ref), `${got} vs ${ref}`).toBe(false);
        expect(value(got, ref, exact), `${got} vs ${ref} (exact)`).toBe(false);
        expect(gradient(got, ref), `gradient ${got} vs ${ref}`).toBe(false);
      }
    }
    // saturating at the f32 max is not an overflow the reference allows for
    expect(value(F32_MAX, 1e30)).toBe(false);
  });

  it("NaN agrees with NaN only", () => {
    expect(value(NAN, NAN)).toBe(true);
    for (const got of [0, 1, INF, -INF, F32_MAX]) expect(value(got, NAN), `${got}`).toBe(false);
  });

  it("equal infinities are equal, opposite ones are not", () => {
    expect(value(INF, INF)).toBe(true);
    expect(value(-INF, -INF)).toBe(true);
    expect(value(-INF, INF)).toBe(false);
    expect(value(INF, -INF)).toBe(false);
    expect(value(NAN, INF)).toBe(false);
    expect(value(1, INF)).toBe(false);
  });

  it("references beyond f32's range are overflows: ±Infinity or the f32 max, of the same sign", () => {
    for (const ref of [3.5e38, 1e39, 1e300]) {
      expect(value(INF, ref)).toBe(true);
      expect(value(F32_MAX, ref)).toBe(true);
      expect(value(-INF, -ref)).toBe(true);
      expect(value(-F32_MAX, -ref)).toBe(true);
      // wrong sign, NaN, a finite value short of the max
      expect(value(-INF, ref)).toBe(false);
      expect(value(-F32_MAX, ref)).toBe(false);
      expect(value(NAN, ref)).toBe(false);
      expect(value(1e38, ref)).toBe(false);
      expect(value(0, ref)).toBe(false);
    }
    // just beyond the max, where rounding to f32 gives the max itself: within tolerance counts
    const barely = F32_MAX * (1 + 1e-9);
    expect(value(Math.fround(barely), barely, exact)).toBe(true);
    expect(value(INF, barely, exact)).toBe(true);
    expect(value(3.4028e38, barely)).toBe(true);
  });

  it("gradients beyond range or NaN agree as non-finite: both non-finite, whichever kind", () => {
    for (const ref of [NAN, INF, -INF, 1e39, -1e39]) {
      for (const got of [NAN, INF, -INF, F32_MAX, -F32_MAX])
        expect(gradient(got, ref), `${got} vs ${ref}`).toBe(true);
      for (const got of [0, 1, -3e38]) expect(gradient(got, ref), `${got} vs ${ref}`).toBe(false);
    }
  });

  it("float64 results (Number.MAX_VALUE as the limit): infinities and NaN by the same rules", () => {
    const f64 = (got: number, ref: number) => agrees(got, ref, close, { max: Number.MAX_VALUE });
    expect(f64(1e300, 1e300)).toBe(true);
    expect(f64(INF, 1e300)).toBe(false);
    expect(f64(INF, INF)).toBe(true);
    expect(f64(-INF, INF)).toBe(false);
    expect(f64(NAN, NAN)).toBe(true);
  });
});

describe("overflowsInF32", () => {
  it("tells the results whose float64 computation passed through a value beyond f32's range", () => {
    const mdl = model("overflow", (m) => {
      const x = m.input("x", [2]);
      m.output("through", x.mul(1e20).mul(1e20).mul(1e-30)); // 1e40·x on the way, 1e10·x at the end
      m.output("beside", x.add(1));
    });
    const overflowed = overflowsInF32(mdl.graph, { inputs: { x: [1, -2] } });
    expect(overflowed(mdl.graph.outputs.get("through")!)).toBe(true);
    expect(overflowed(mdl.graph.outputs.get("beside")!)).toBe(false);
    expect(showsOverflow([1, F32_MAX])).toBe(true);
    expect(showsOverflow([NAN])).toBe(true);
    expect(showsOverflow([1, -3e38])).toBe(false);
  });

  it("lets a non-finite result pass only with mayOverflow", () => {
    expect(agrees(NAN, 0.5, close, { mayOverflow: true })).toBe(true);
    expect(agrees(-INF, 0.5, close, { mayOverflow: true })).toBe(true);
    expect(agrees(0.7, 0.5, close, { mayOverflow: true })).toBe(false);
    expect(agrees(NAN, 0.5, close)).toBe(false);
  });
});

describe("the harness compares with it", () => {
  it("reports a module that overflows where the reference is finite, and accepts a matching overflow", () => {
    expect(mismatches([INF, 1], [1, 1], ULP, "y")).toMatch(/1 of 2 values differ/);
    expect(mismatches([1, NAN], [1, 1], EXACT, "y")).toMatch(/1 of 2 values differ/);
    expect(mismatches([INF, -INF, NAN, F32_MAX], [1e39, -INF, NAN, 5e38], EXACT, "y")).toBeUndefined();
    expect(mismatches([-INF], [1e39], EXACT, "y")).toMatch(/differ/);
    // gradients: non-finite against non-finite
    expect(mismatches([NAN, INF], [-1e39, NAN], ULP, "g", "f32", { quantity: "gradient" })).toBeUndefined();
    expect(mismatches([NAN, INF], [-1e39, NAN], ULP, "g")).toMatch(/2 of 2 values differ/);
    // where the reference left f32's range on the way: NaN or ±Infinity pass, a wrong finite value does not
    const edges = { mayOverflow: true };
    expect(mismatches([NAN, -INF, 2], [0.5, 1, 2], ULP, "y", "f32", edges)).toBeUndefined();
    expect(mismatches([NAN, 1.5], [0.5, 1], ULP, "y", "f32", edges)).toMatch(/1 of 2 values differ/);
  });
});
