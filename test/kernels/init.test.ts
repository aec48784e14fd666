// assembly/init.ts against `realise` (compiler/dsl/init.ts) rounded to f32: the wasm fills must
// reproduce it bit for bit (const, uniform, xavier), and normal to at most 1 f32 ulp on a tiny
// fraction of elements (its log and cos are ported from V8's fdlibm, so in practice exactly too).
import { beforeAll, describe, expect, it } from "vitest";
import { init, realise, xavierLimit, type Initializer } from "../../compiler/dsl/init.js";
import type { Shape } from "../../compiler/ir/shape.js";
import { loadKernels, reserve, type Kernels } from "./load-kernels.js";

const BASE = 65536;
const GUARD = 0xdeadbeef;

let k: Kernels;
beforeAll(async () => {
  k = await loadKernels();
  reserve(k, BASE + (1 << 20));
}, 120_000);

const SIZES = [0, 1, 3, 4, 5, 17, 1000, 65537];
const SEED_STREAMS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [1, 0],
  [0, 1],
  [42, 7],
  [-7, 123456],
  [0xdeadbeef, 3], // seeds are 32-bit: JS's `seed ^ x` and the i32 parameter both take ToInt32
];

/**
 * Runs a fill at a byte offset that is 4 mod 16 (so fill_const's v128 stores are unaligned) with
 * guard words around the destination, checks the guards, and returns the n values written.
 */
function fill(n: number, call: (ptr: number) => void): Float32Array {
  const ptr = BASE + 20;
  const words = new Uint32Array(k.memory.buffer);
  const start = ptr / 4;
  words.fill(GUARD, start - 4, start + n + 4);
  call(ptr);
  const after = new Uint32Array(k.memory.buffer);
  expect([...after.subarray(start - 4, start), ...after.subarray(start + n, start + n + 4)]).toEqual(
    new Array(8).fill(GUARD),
  );
  return new Float32Array(k.memory.buffer, ptr, n).slice();
}

/** realise(...) rounded to f32 (Float32Array.from rounds each value as Math.fround does). */
function expected(initializer: Initializer, shape: Shape, seed: number, stream: number): Float32Array {
  return Float32Array.from(realise(initializer, shape, seed, stream, "p"));
}

/** Indices whose bit patterns differ. */
function differing(got: Float32Array, want: Float32Array): number[] {
  expect(got.length).toBe(want.length);
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

describe("fill_const", () => {
  it("matches init.zeros / init.ones / init.constant(c) bit for bit, c rounded to f32", () => {
    const cases: Array<[Initializer, number]> = [
      [init.zeros(), 0],
      [init.ones(), 1],
      [init.constant(0.1), 0.1],
      [init.constant(-3.5), -3.5],
      [init.constant(-0), -0],
      [init.constant(1e-40), 1e-40], // an f32 subnormal
      [init.constant(1e39), 1e39], // beyond FLT_MAX: +inf in f32
      [init.constant(Math.PI), Math.PI],
    ];
    for (const n of SIZES) {
      for (const [initializer, value] of cases) {
        const got = fill(n, (ptr) => k.fill_const(ptr, n, value));
        expect(differing(got, expected(initializer, [n], 0, 0)), `${value} x ${n}`).toEqual([]);
      }
    }
  });
});

describe("fill_uniform", () => {
  it("matches init.uniform(low, high) bit for bit over seeds, streams and sizes", () => {
    const ranges: Array<[number, number]> = [
      [-0.05, 0.05],
      [0, 1],
      [-3, 7.5],
      [2, 2],
      [1e-3, -1e3],
    ];
    for (const n of SIZES) {
      for (const [seed, stream] of SEED_STREAMS) {
        for (const [low, high] of ranges) {
          const got = fill(n, (ptr) => k.fill_uniform(ptr, n, seed, stream, low, high));
          const want = expected(init.uniform(low, high), [n], seed, stream);
          expect(
            differing(got, want),
            `uniform(${low}, ${high}) n=${n} seed=${seed} stream=${stream}`,
          ).toEqual([]);
        }
      }
    }
  });
});

describe("fill_xavier", () => {
  it("matches init.xavier(gain) bit for bit, given the limit the compiler passes (xavierLimit)", () => {
    const shapes: Shape[] = [[1], [17], [3, 5], [784, 100], [4, 3, 3, 8], [256, 257]];
    for (const shape of shapes) {
      const n = shape.reduce((a, b) => a * b, 1);
      for (const gain of [1, Math.SQRT2, 0.5]) {
        for (const [seed, stream] of SEED_STREAMS) {
          const limit = xavierLimit(shape, gain);
          const got = fill(n, (ptr) => k.fill_xavier(ptr, n, seed, stream, limit));
          const want = expected(init.xavier(gain), shape, seed, stream);
          expect(differing(got, want), `xavier(${gain}) [${shape}] seed=${seed} stream=${stream}`).toEqual(
            [],
          );
        }
      }
    }
  });
});

describe("fill_normal", () => {
  it("matches init.normal(std, mean): at most 1 f32 ulp apart, on at most 1e-4 of the elements", () => {
    let total = 0;
    let off = 0;
    for (const n of SIZES) {
      for (const [seed, stream] of SEED_STREAMS) {
        for (const [std, mean] of [
          [0.01, 0],
          [1, 0],
          [2.5, -1],
        ] as const) {
          const got = fill(n, (ptr) => k.fill_normal(ptr, n, seed, stream, mean, std));
          const want = expected(init.normal(std, mean), [n], seed, stream);
          for (const i of differing(got, want)) {
            off++;
            const ulp = Math.abs(Math.fround(want[i]! * (1 + 2 ** -23)) - want[i]!) || 2 ** -149;
            expect(
              Math.abs(got[i]! - want[i]!),
              `normal element ${i}: ${got[i]} vs ${want[i]}`,
            ).toBeLessThanOrEqual(ulp);
          }
          total += n;
        }
      }
    }
    console.log(`fill_normal: ${off} of ${total} elements differ from realise (by at most 1 ulp)`);
    expect(off).toBeLessThanOrEqual(total * 1e-4);
  });

  it("its fdlibm log and cos agree with V8's Math.log / Math.cos on all 2^24 Box-Muller arguments", () => {
    // u = m / 2^24, the log argument is 1 - u and the cos argument 2 pi u
    let logDiff = 0;
    let cosDiff = 0;
    let worst = 0;
    for (let m = 0; m < 1 << 24; m++) {
      const u = m / 16777216;
      if (k.ieee754_log(1 - u) !== Math.log(1 - u)) logDiff++;
      const c = k.ieee754_cos(2 * Math.PI * u);
      const want = Math.cos(2 * Math.PI * u);
      if (c !== want) {
        cosDiff++;
        worst = Math.max(worst, Math.abs(c - want) / (Math.abs(want) * 2 ** -52 || 2 ** -1074));
      }
    }
    console.log(`fdlibm port vs V8 on 2^24 arguments: log differs on ${logDiff}, cos on ${cosDiff}`);
    expect(logDiff).toBe(0);
    expect(worst, "cos differs by more than 1 f64 ulp").toBeLessThanOrEqual(1);
    // special values of the port
    expect(k.ieee754_log(0)).toBe(-Infinity);
    expect(k.ieee754_log(-1)).toBeNaN();
    expect(k.ieee754_log(Infinity)).toBe(Infinity);
    expect(k.ieee754_log(5e-324)).toBe(Math.log(5e-324));
    expect(k.ieee754_cos(0)).toBe(1);
    expect(k.ieee754_cos(1.6e6)).toBe(Math.cos(1.6e6)); // inside the medium range, |x| <= 2^20 pi/2
    expect(k.ieee754_cos(1.7e6)).toBeNaN(); // outside it (documented)
    expect(k.ieee754_cos(Infinity)).toBeNaN();
    expect(k.ieee754_cos(-Math.PI)).toBe(Math.cos(-Math.PI));
  });
});
