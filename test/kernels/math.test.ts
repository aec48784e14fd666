// assembly/math.ts against float64 Math.exp / Math.log / Math.tanh and the float64 logistic, each
// rounded to f32: a sweep of every 1021st f32 bit pattern (4.2M values over the whole float range,
// both signs, subnormals, inf and NaN) plus dense sweeps of each function's interesting range and
// special values. The scalar (map_f32) and f32x4 (map_v128) versions must agree bit for bit.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKernels, reserve, wasmPath, watPath, type Kernels } from "./load-kernels.js";

const MIN_NORMAL = 2 ** -126;
const MIN_SUBNORMAL = 2 ** -149;
const FLT_MAX = 3.4028234663852886e38;

const CHUNK = 1 << 20;
const SRC = 65536;
const DST = SRC + CHUNK * 4;

let k: Kernels;
beforeAll(async () => {
  k = await loadKernels();
  reserve(k, DST + CHUNK * 4);
}, 120_000);

const measured: string[] = [];
afterAll(() => {
  if (measured.length) console.log(`measured errors (scalar = f32x4):\n  ${measured.join("\n  ")}`);
});

// ---- sweeps ---------------------------------------------------------------------------------------

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);
function bitsOf(x: number): number {
  scratch[0] = x;
  return scratchBits[0]!;
}

/** Every stride-th of the 2^32 f32 bit patterns, from +0 up through the negatives. */
function allPatterns(stride: number): Float32Array {
  const n = Math.ceil(2 ** 32 / stride);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = i * stride;
  return new Float32Array(bits.buffer);
}

/** Every stride-th f32 in [lo, hi] (0 <= lo <= hi), with the negations too when `signed`. */
function span(lo: number, hi: number, stride: number, signed: boolean): Float32Array {
  const a = bitsOf(lo);
  const b = bitsOf(hi);
  const n = Math.floor((b - a) / stride) + 1;
  const bits = new Uint32Array(signed ? 2 * n : n);
  for (let i = 0; i < n; i++) {
    bits[i] = a + i * stride;
    if (signed) bits[n + i] = (a + i * stride) | 0x80000000;
  }
  return new Float32Array(bits.buffer);
}

/** Every stride-th f32 in [lo, hi] for lo <= hi <= 0. */
function negSpan(lo: number, hi: number, stride: number): Float32Array {
  return span(-hi, -lo, stride, false).map((x) => -x);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The scalar and the f32x4 version of kernel `fn` over xs, through the module's memory. */
function evaluate(fn: number, xs: Float32Array): { scalar: Float32Array; vector: Float32Array } {
  const scalar = new Float32Array(xs.length);
  const vector = new Float32Array(xs.length);
  for (let at = 0; at < xs.length; at += CHUNK) {
    const m = Math.min(CHUNK, xs.length - at);
    const padded = (m + 3) & ~3;
    const mem = new Float32Array(k.memory.buffer);
    mem.set(xs.subarray(at, at + m), SRC / 4);
    mem.fill(0, SRC / 4 + m, SRC / 4 + padded);
    k.map_f32(fn, SRC, DST, m);
    scalar.set(mem.subarray(DST / 4, DST / 4 + m), at);
    k.map_v128(fn, SRC, DST, padded);
    vector.set(mem.subarray(DST / 4, DST / 4 + m), at);
  }
  return { scalar, vector };
}

// ---- error accounting -----------------------------------------------------------------------------

interface Spec {
  readonly name: string;
  readonly fn: number;
  readonly ref: (x: number) => number;
  /**
   * "rel": relative error <= bound where the f32 reference is normal, within one subnormal ulp
   * (2^-149) where it is subnormal or 0 (exp and log). "abs": absolute error <= bound, and
   * relative error <= relBound where |reference| >= 1e-30 (tanh and sigmoid).
   */
  readonly kind: "rel" | "abs";
  readonly bound: number;
  readonly relBound?: number;
}

const specs: Record<"exp" | "log" | "tanh" | "sigmoid", Spec> = {
  exp: { name: "exp", fn: 0, ref: Math.exp, kind: "rel", bound: 4e-7 },
  log: { name: "log", fn: 1, ref: Math.log, kind: "rel", bound: 4e-7 },
  tanh: { name: "tanh", fn: 2, ref: Math.tanh, kind: "abs", bound: 4e-7, relBound: 1e-6 },
  sigmoid: {
    name: "sigmoid",
    fn: 3,
    ref: (x) => 1 / (1 + Math.exp(-x)),
    kind: "abs",
    bound: 4e-7,
    relBound: 1e-6,
  },
};

/** The f32 ulp at |r| (spacing of f32 values just above |r|). */
function ulpAt(r: number): number {
  const b = bitsOf(Math.abs(r));
  scratchBits[0] = b + 1;
  return scratch[0]! - Math.abs(r);
}

interface Report {
  count: number;
  maxRel: number;
  atRel: number;
  maxAbs: number;
  atAbs: number;
  maxUlp: number;
  /** Largest error in units of 2^-149 where the reference is subnormal or 0 ("rel" specs). */
  maxSub: number;
  violations: string[];
  disagreements: string[];
}

function sweep(spec: Spec, xs: Float32Array): Report {
  const { scalar, vector } = evaluate(spec.fn, xs);
  const rep: Report = {
    count: xs.length,
    maxRel: 0,
    atRel: NaN,
    maxAbs: 0,
    atAbs: NaN,
    maxUlp: 0,
    maxSub: 0,
    violations: [],
    disagreements: [],
  };
  const fail = (list: string[], msg: string) => {
    if (list.length < 8) list.push(msg);
  };
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = scalar[i]!;
    const v = vector[i]!;
    if (!(bitsOf(y) === bitsOf(v) || (y !== y && v !== v))) {
      fail(rep.disagreements, `${spec.name}(${x}): scalar ${y}, f32x4 ${v}`);
    }
    const r = Math.fround(spec.ref(x));
    if (r !== r || !Number.isFinite(r)) {
      if (!Object.is(y, r) && !(r !== r && y !== y))
        fail(rep.violations, `${spec.name}(${x}) = ${y}, want ${r}`);
      continue;
    }
    if (!Number.isFinite(y)) {
      fail(rep.violations, `${spec.name}(${x}) = ${y}, want ${r}`);
      continue;
    }
    const abs = Math.abs(y - r);
    const mag = Math.abs(r);
    if (abs > rep.maxAbs) {
      rep.maxAbs = abs;
      rep.atAbs = x;
    }
    let rel = 0;
    let relChecked = false;
    if (spec.kind === "rel") {
      if (mag >= MIN_NORMAL) {
        rel = abs / mag;
        relChecked = true;
        if (!(rel <= spec.bound))
          fail(rep.violations, `${spec.name}(${x}) = ${y}, want ${r}: rel err ${rel}`);
      } else {
        rep.maxSub = Math.max(rep.maxSub, abs / MIN_SUBNORMAL);
        if (!(abs <= MIN_SUBNORMAL))
          fail(rep.violations, `${spec.name}(${x}) = ${y}, want subnormal ${r}: abs err ${abs}`);
      }
    } else {
      if (!(abs <= spec.bound)) fail(rep.violations, `${spec.name}(${x}) = ${y}, want ${r}: abs err ${abs}`);
      if (mag >= 1e-30) {
        rel = abs / mag;
        relChecked = true;
        if (!(rel <= spec.relBound!))
          fail(rep.violations, `${spec.name}(${x}) = ${y}, want ${r}: rel err ${rel}`);
      }
    }
    if (relChecked) {
      if (rel > rep.maxRel) {
        rep.maxRel = rel;
        rep.atRel = x;
      }
      if (mag >= MIN_NORMAL) rep.maxUlp = Math.max(rep.maxUlp, abs / ulpAt(r));
    }
  }
  return rep;
}

function record(spec: Spec, label: string, rep: Report): void {
  const tail =
    spec.kind === "abs"
      ? `max abs ${rep.maxAbs.toExponential(2)} (x=${rep.atAbs})`
      : `subnormal results: max ${rep.maxSub} x 2^-149`;
  measured.push(
    `${spec.name.padEnd(7)} ${label.padEnd(34)} n=${String(rep.count).padStart(8)}  ` +
      `max rel ${rep.maxRel.toExponential(2)} (x=${rep.atRel})  max ${rep.maxUlp.toFixed(2)} ulp  ${tail}`,
  );
}

function checkSweep(spec: Spec, label: string, xs: Float32Array): void {
  const rep = sweep(spec, xs);
  record(spec, label, rep);
  expect(rep.disagreements, "scalar and f32x4 results differ").toEqual([]);
  expect(rep.violations, "error bound exceeded").toEqual([]);
}

/** Exact expectations: scalar, f32x4 (one lane each, in a vector of four copies) and the JS export. */
function checkExact(spec: Spec, cases: ReadonlyArray<readonly [number, number]>): void {
  const xs = new Float32Array(cases.map(([x]) => x));
  const { scalar, vector } = evaluate(spec.fn, xs);
  cases.forEach(([x, want], i) => {
    expect(scalar[i], `${spec.name}(${x}) scalar`).toBe(want);
    expect(vector[i], `${spec.name}(${x}) f32x4`).toBe(want);
  });
}

const STRIDE = 1021;

// ---- the module -----------------------------------------------------------------------------------

describe("kernels.wasm", () => {
  it("has no imports, globals, start function or data segments (it is merged into every model)", () => {
    const bytes = readFileSync(wasmPath);
    const sections: number[] = [];
    let p = 8;
    while (p < bytes.length) {
      const id = bytes[p++]!;
      let size = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[p++]!;
        size += (b & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      sections.push(id);
      p += size;
    }
    expect(p).toBe(bytes.length);
    // 2 import, 6 global, 8 start, 11 data, 12 data count
    expect(sections.filter((id) => [2, 6, 8, 11, 12].includes(id))).toEqual([]);
  });

  it("exports the math kernels with (f32) -> f32 and (v128) -> v128 bodies free of memory and global access", () => {
    const wat = readFileSync(watPath, "utf8");
    const names = ["exp", "log", "tanh", "sigmoid"].flatMap((f) => [`${f}_f32`, `${f}_v128`]);
    const bodies = new Map<string, string>();
    for (const chunk of wat.split("\n (func ").slice(1)) {
      const m = /^\$assembly\/math\/(\w+)/.exec(chunk);
      if (m) bodies.set(m[1]!, chunk);
    }
    for (const name of names) {
      expect(wat, `export ${name}`).toContain(`(export "${name}" (func $assembly/math/${name}))`);
      const body = bodies.get(name)!;
      expect(body, name).toBeDefined();
      const type = name.endsWith("_f32") ? "f32" : "v128";
      expect(body.split("\n")[0], name).toContain(`(param $0 ${type}) (result ${type})`);
      expect(body, name).not.toMatch(/\b(load|store|global\.|memory\.)/);
      for (const [, callee] of body.matchAll(/call \$assembly\/math\/(\w+)/g))
        expect(names).toContain(callee);
      expect(body, name).not.toMatch(/call \$(?!assembly\/math\/)/);
    }
  });
});

// ---- exp ------------------------------------------------------------------------------------------

describe("exp_f32 / exp_v128", () => {
  const spec = specs.exp;

  it("every 1021st f32 bit pattern: rel err <= 4e-7 (1 subnormal ulp below 2^-126)", () => {
    checkSweep(spec, "all bit patterns / 1021", allPatterns(STRIDE));
  });

  it("dense over |x| in [2^-26, 104]: rel err <= 4e-7 (1 subnormal ulp below 2^-126)", () => {
    checkSweep(spec, "|x| in [2^-26, 104] / 131", span(2 ** -26, 104, 131, true));
  });

  it("every f32 in [-104, -87] (subnormal results, underflow) and [88, 89] (overflow)", () => {
    checkSweep(
      spec,
      "every x in [-104,-87] U [88,89]",
      concat([negSpan(-104, -87, 1), span(88, 89, 1, false)]),
    );
  });

  it("special values: exp(+-0) = 1, overflow to +inf above 88.7228, underflow to 0 below -103.972, NaN", () => {
    checkExact(spec, [
      [0, 1],
      [-0, 1],
      [Infinity, Infinity],
      [-Infinity, 0],
      [88.72284, Infinity], // ln(FLT_MAX) = 88.7228391
      [88.75, Infinity],
      [89, Infinity],
      [1e30, Infinity],
      [FLT_MAX, Infinity],
      [-104, 0], // exp(-104) < 2^-150 rounds to 0
      [-103.98, 0], // ln(2^-150) = -103.97208
      [-1e30, 0],
      [-FLT_MAX, 0],
      [MIN_SUBNORMAL, 1],
      [-MIN_SUBNORMAL, 1],
    ]);
    const { scalar } = evaluate(spec.fn, new Float32Array([NaN, -NaN]));
    expect([...scalar].every((y) => Number.isNaN(y))).toBe(true);
    // the largest finite result and the smallest subnormal one
    expect(k.exp_f32(88.7228)).toBeLessThanOrEqual(FLT_MAX);
    expect(k.exp_f32(88.7228) / Math.exp(Math.fround(88.7228)) - 1).toBeLessThan(4e-7);
    expect(k.exp_f32(-103.97)).toBe(MIN_SUBNORMAL); // exp(-103.97) = 0.501 * 2^-149 rounds up
    expect(k.exp_f32(-87.33)).toBeGreaterThan(MIN_NORMAL);
    // exp(1) and a few integers
    for (const x of [1, 2, -1, 10, -10, 50, -50]) {
      expect(Math.abs(k.exp_f32(x) / Math.exp(x) - 1)).toBeLessThan(4e-7);
    }
  });
});

// ---- log ------------------------------------------------------------------------------------------

describe("log_f32 / log_v128", () => {
  const spec = specs.log;

  it("every 1021st f32 bit pattern: rel err <= 4e-7, NaN for x < 0", () => {
    checkSweep(spec, "all bit patterns / 1021", allPatterns(STRIDE));
  });

  it("every 4th f32 in [0.5, 2], every f32 within 2^-10 of 1, the subnormals: rel err <= 4e-7", () => {
    checkSweep(spec, "[0.5, 2] / 4", span(0.5, 2, 4, false));
    checkSweep(spec, "every x in [1 - 2^-10, 1 + 2^-10]", span(1 - 2 ** -10, 1 + 2 ** -10, 1, false));
    checkSweep(spec, "subnormals / 61", span(MIN_SUBNORMAL, MIN_NORMAL, 61, false));
  });

  it("special values: log(+-0) = -inf, log(x<0) = NaN, log(+inf) = +inf, log(1) = +0, subnormals", () => {
    checkExact(spec, [
      [0, -Infinity],
      [-0, -Infinity],
      [Infinity, Infinity],
      [1, 0],
    ]);
    const bad = new Float32Array([-1, -MIN_SUBNORMAL, -Infinity, -FLT_MAX, NaN, -NaN]);
    const { scalar, vector } = evaluate(spec.fn, bad);
    expect([...scalar, ...vector].every((y) => Number.isNaN(y))).toBe(true);
    expect(Object.is(k.log_f32(1), 0)).toBe(true);
    for (const x of [
      MIN_SUBNORMAL,
      3 * MIN_SUBNORMAL,
      MIN_NORMAL / 3,
      MIN_NORMAL,
      FLT_MAX,
      1e-30,
      0.5,
      2,
      Math.E,
    ]) {
      const f = Math.fround(x);
      expect(Math.abs(k.log_f32(f) / Math.log(f) - 1), `log(${f})`).toBeLessThan(4e-7);
    }
  });
});

// ---- tanh -----------------------------------------------------------------------------------------

describe("tanh_f32 / tanh_v128", () => {
  const spec = specs.tanh;

  it("every 1021st f32 bit pattern: abs err <= 4e-7, rel err <= 1e-6 where |tanh| >= 1e-30", () => {
    checkSweep(spec, "all bit patterns / 1021", allPatterns(STRIDE));
  });

  it("dense over |x| in [2^-30, 10] and every 4th f32 in [0.5, 0.75] (the branch point 0.625)", () => {
    checkSweep(spec, "|x| in [2^-30, 10] / 131", span(2 ** -30, 10, 131, true));
    checkSweep(spec, "[0.5, 0.75] / 4", span(0.5, 0.75, 4, true));
  });

  it("special values: tanh(+-0) = +-0, exactly +-1 for |x| >= 9.1 and +-inf, NaN, tiny x returned as is", () => {
    checkExact(spec, [
      [0, 0],
      [-0, -0],
      [Infinity, 1],
      [-Infinity, -1],
      [9.1, 1],
      [-9.1, -1],
      [10, 1],
      [-20, -1],
      [88.8, 1],
      [1e30, 1],
      [-FLT_MAX, -1],
      [Math.fround(1e-30), Math.fround(1e-30)],
      [-MIN_SUBNORMAL, -MIN_SUBNORMAL],
      [MIN_NORMAL, MIN_NORMAL],
    ]);
    expect(Number.isNaN(k.tanh_f32(NaN))).toBe(true);
    const { vector } = evaluate(spec.fn, new Float32Array([NaN, -NaN]));
    expect([...vector].every((y) => Number.isNaN(y))).toBe(true);
  });
});

// ---- sigmoid --------------------------------------------------------------------------------------

describe("sigmoid_f32 / sigmoid_v128", () => {
  const spec = specs.sigmoid;

  it("every 1021st f32 bit pattern: abs err <= 4e-7, rel err <= 1e-6 where sigmoid >= 1e-30, in [0, 1]", () => {
    const xs = allPatterns(STRIDE);
    checkSweep(spec, "all bit patterns / 1021", xs);
    const { scalar } = evaluate(spec.fn, xs);
    const outside = scalar.filter((y, i) => !(y >= 0 && y <= 1) && !Number.isNaN(xs[i]!));
    expect([...outside]).toEqual([]);
  });

  it("dense over |x| in [2^-30, 110]: abs err <= 4e-7, rel err <= 1e-6 where sigmoid >= 1e-30", () => {
    checkSweep(spec, "|x| in [2^-30, 110] / 131", span(2 ** -30, 110, 131, true));
  });

  it("special values: sigmoid(+-0) = 0.5, -> 0 and 1 without overflow, NaN", () => {
    checkExact(spec, [
      [0, 0.5],
      [-0, 0.5],
      [Infinity, 1],
      [-Infinity, 0],
      [20, 1],
      [100, 1],
      [1e30, 1],
      [FLT_MAX, 1],
      [-104, 0],
      [-1e30, 0],
      [-FLT_MAX, 0],
    ]);
    expect(Number.isNaN(k.sigmoid_f32(NaN))).toBe(true);
    const { vector } = evaluate(spec.fn, new Float32Array([NaN, -NaN]));
    expect([...vector].every((y) => Number.isNaN(y))).toBe(true);
    // deep in the left tail the result is exp(x) to full relative accuracy down to 1e-30
    for (const x of [-20, -50, -69]) {
      const want = 1 / (1 + Math.exp(-Math.fround(x)));
      expect(Math.abs(k.sigmoid_f32(x) / want - 1), `sigmoid(${x})`).toBeLessThan(1e-6);
    }
  });
});
