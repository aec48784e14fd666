/**
 * Lowering of the elementwise primitives to scalar and f32x4/i32x4 expressions, used by the
 * strided map. Transcendentals call the AssemblyScript kernels (exp_f32/exp_v128, ...) that the
 * compiler merges into every module; binaryen inlines them into the loops.
 *
 * Semantics match the float64 interpreter up to f32 rounding: NaN propagates through maximum and
 * minimum (wasm's min/max do), casts to i32 saturate and send NaN to 0 (trunc_sat), NaN != 0.
 */
import type { Node } from "../../ir/node.js";
import type { OpName } from "../../ir/op.js";
import type { Expr, FnBuilder } from "../module.js";
import type { LowerContext } from "./context.js";

type Emit = (c: LowerContext, v: readonly Expr[], node: Node, flat: () => Expr) => Expr;

export interface ElementwiseLowering {
  readonly scalar: Emit;
  readonly vector?: Emit;
}

const isInt = (node: Node, operand = 0) => node.inputs[operand]!.dtype !== "f32";
const identity: ElementwiseLowering = { scalar: (_c, [x]) => x!, vector: (_c, [x]) => x! };

/**
 * Uses a value several times by storing it in a fresh local first: the first expression returned
 * is the `local.tee`, so it must be the first of them to be evaluated. Operands are evaluated in
 * order, and `select(cond, a, b)` evaluates a, then b, then cond (the condition is the last
 * operand in WebAssembly), as does `v128.bitselect(a, b, mask)` (mask last).
 */
function reuse(f: FnBuilder, type: "i32" | "f32" | "v128", value: Expr, n: number): Expr[] {
  const l = f.local(type);
  return [f.tee(l, value), ...Array.from({ length: n - 1 }, () => f.get(l))];
}

function binary(
  fScalar: (f: FnBuilder, a: Expr, b: Expr) => Expr,
  fVector: (f: FnBuilder, a: Expr, b: Expr) => Expr,
  iScalar?: (f: FnBuilder, a: Expr, b: Expr) => Expr,
  iVector?: (f: FnBuilder, a: Expr, b: Expr) => Expr,
): ElementwiseLowering {
  return {
    scalar: ({ f }, [a, b], n) => (isInt(n) ? iScalar!(f, a!, b!) : fScalar(f, a!, b!)),
    vector: ({ f }, [a, b], n) => (isInt(n) ? iVector!(f, a!, b!) : fVector(f, a!, b!)),
  };
}

function transcendental(name: string): ElementwiseLowering {
  return {
    scalar: (c, [x]) => c.f.call(c.kernel(`${name}_f32`), [x!], "f32"),
    vector: (c, [x]) => c.f.call(c.kernel(`${name}_v128`), [x!], "v128"),
  };
}

function power(f: FnBuilder, c: LowerContext, x: Expr, e: number, vector: boolean): Expr {
  const type = vector ? "v128" : "f32";
  if (e === 1) return x;
  if (e === 0.5) return vector ? f.f32x4.sqrt(x) : f.f32.sqrt(x);
  if (Number.isInteger(e) && e !== 0 && Math.abs(e) <= 16) {
    const [a, ...rest] = reuse(f, type, x, Math.abs(e));
    let p = a!;
    for (const r of rest) p = vector ? f.f32x4.mul(p, r) : f.f32.mul(p, r);
    return e > 0 ? p : vector ? f.f32x4.div(f.splatF32(1), p) : f.f32.div(f.cf32(1), p);
  }
  if (e === 0) return vector ? f.splatF32(1) : f.cf32(1); // x^0 = 1, even for NaN (Math.pow)
  if (Number.isInteger(e)) {
    // |x|^e = exp(e · log|x|), with the sign of x for odd e: Math.pow(-2, 17) = -131072, not NaN
    const odd = e % 2 !== 0;
    const [x1, x2] = reuse(f, type, x, odd ? 2 : 1);
    const lg = vector
      ? f.call(c.kernel("log_v128"), [f.f32x4.abs(x1!)], "v128")
      : f.call(c.kernel("log_f32"), [f.f32.abs(x1!)], "f32");
    const scaled = vector ? f.f32x4.mul(lg, f.splatF32(e)) : f.f32.mul(lg, f.cf32(e));
    const mag = vector
      ? f.call(c.kernel("exp_v128"), [scaled], "v128")
      : f.call(c.kernel("exp_f32"), [scaled], "f32");
    if (!odd) return mag;
    // the magnitude's bits but x's sign bit (mag is evaluated first: it holds the tee of x)
    return vector ? f.v128.bitselect(mag, x2!, f.splatI32(0x7fffffff)) : f.f32.copysign(mag, x2!);
  }
  // x^e = exp(e · log x): NaN for x < 0 and non-integer e, as Math.pow
  const lg = vector ? f.call(c.kernel("log_v128"), [x], "v128") : f.call(c.kernel("log_f32"), [x], "f32");
  const scaled = vector ? f.f32x4.mul(lg, f.splatF32(e)) : f.f32.mul(lg, f.cf32(e));
  return vector
    ? f.call(c.kernel("exp_v128"), [scaled], "v128")
    : f.call(c.kernel("exp_f32"), [scaled], "f32");
}

/**
 * log1p(x) = x · log(u) / (u − 1) with u = 1 + x rounded (Goldberg, "What every computer
 * scientist should know about floating-point arithmetic", Theorem 4): the rounding error of u
 * cancels, so the result is within a few ulps of ln(1 + x) given the 1-ulp log kernel. Where
 * u = 1 (|x| below half an ulp of 1) the answer is x itself, and where u = ∞ (x = ∞) it is ∞.
 */
function log1p(c: LowerContext, x: Expr, vector: boolean): Expr {
  const { f } = c;
  const lx = f.local(vector ? "v128" : "f32");
  const lu = f.local(vector ? "v128" : "f32");
  const one = () => (vector ? f.splatF32(1) : f.cf32(1));
  // evaluated in this order: x (stored), then u (stored) inside the log's argument, then the rest
  const first = f.tee(lx, x);
  const u = f.tee(lu, vector ? f.f32x4.add(f.get(lx), one()) : f.f32.add(f.get(lx), one()));
  if (vector) {
    const lg = f.call(c.kernel("log_v128"), [u], "v128");
    const trick = f.f32x4.mul(lg, f.f32x4.div(f.get(lx), f.f32x4.sub(f.get(lu), one())));
    const exact = f.v128.or(f.f32x4.eq(f.get(lu), one()), f.f32x4.eq(f.get(lu), f.splatF32(Infinity)));
    return f.v128.bitselect(first, trick, exact);
  }
  const lg = f.call(c.kernel("log_f32"), [u], "f32");
  const trick = f.f32.mul(lg, f.f32.div(f.get(lx), f.f32.sub(f.get(lu), one())));
  const exact = f.i32.or(f.f32.eq(f.get(lu), one()), f.f32.eq(f.get(lu), f.cf32(Infinity)));
  return f.select(exact, first, trick);
}

// The counter-based hash of compiler/ir/random.ts, on one i32 or four i32x4 lanes.
function mix32(f: FnBuilder, x: Expr, vector: boolean): Expr {
  const type = vector ? "v128" : "i32";
  const l = f.local(type);
  const step = (v: Expr, shift: number) =>
    vector
      ? f.v128.xor(v, f.i32x4.shr_u(f.get(l), f.c32(shift)))
      : f.i32.xor(v, f.i32.shr_u(f.get(l), f.c32(shift)));
  const mul = (v: Expr, k: number) => (vector ? f.i32x4.mul(v, f.splatI32(k)) : f.i32.mul(v, f.c32(k)));
  // x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15; x *= 0x846ca68b; x ^= x >>> 16
  let e = f.tee(l, x);
  e = f.tee(l, step(e, 16));
  e = f.tee(l, mul(e, 0x7feb352d));
  e = f.tee(l, step(e, 15));
  e = f.tee(l, mul(e, 0x846ca68b | 0));
  return step(e, 16);
}

/** By op name: the scalar and vector forms of one element (compiler/wasm/lowerings.ts registers them). */
export const ELEMENTWISE: { readonly [K in OpName]?: ElementwiseLowering } = {
  add: binary(
    (f, a, b) => f.f32.add(a, b),
    (f, a, b) => f.f32x4.add(a, b),
    (f, a, b) => f.i32.add(a, b),
    (f, a, b) => f.i32x4.add(a, b),
  ),
  sub: binary(
    (f, a, b) => f.f32.sub(a, b),
    (f, a, b) => f.f32x4.sub(a, b),
    (f, a, b) => f.i32.sub(a, b),
    (f, a, b) => f.i32x4.sub(a, b),
  ),
  mul: binary(
    (f, a, b) => f.f32.mul(a, b),
    (f, a, b) => f.f32x4.mul(a, b),
    (f, a, b) => f.i32.mul(a, b),
    (f, a, b) => f.i32x4.mul(a, b),
  ),
  div: binary(
    (f, a, b) => f.f32.div(a, b),
    (f, a, b) => f.f32x4.div(a, b),
  ),
  maximum: binary(
    (f, a, b) => f.f32.max(a, b),
    (f, a, b) => f.f32x4.max(a, b),
    (f, a, b) => {
      const [x1, x2] = reuse(f, "i32", a, 2);
      const [y1, y2] = reuse(f, "i32", b, 2);
      return f.select(f.i32.gt_s(x2!, y2!), x1!, y1!);
    },
    (f, a, b) => f.i32x4.max_s(a, b),
  ),
  minimum: binary(
    (f, a, b) => f.f32.min(a, b),
    (f, a, b) => f.f32x4.min(a, b),
    (f, a, b) => {
      const [x1, x2] = reuse(f, "i32", a, 2);
      const [y1, y2] = reuse(f, "i32", b, 2);
      return f.select(f.i32.lt_s(x2!, y2!), x1!, y1!);
    },
    (f, a, b) => f.i32x4.min_s(a, b),
  ),
  compare: {
    scalar: ({ f }, [a, b], n) => {
      const cmp = n.attrs.cmp as string;
      if (isInt(n)) {
        const ops = {
          lt: f.i32.lt_s,
          le: f.i32.le_s,
          gt: f.i32.gt_s,
          ge: f.i32.ge_s,
          eq: f.i32.eq,
          ne: f.i32.ne,
        };
        return ops[cmp as keyof typeof ops](a!, b!);
      }
      const ops = { lt: f.f32.lt, le: f.f32.le, gt: f.f32.gt, ge: f.f32.ge, eq: f.f32.eq, ne: f.f32.ne };
      return ops[cmp as keyof typeof ops](a!, b!);
    },
    vector: ({ f }, [a, b], n) => {
      const cmp = n.attrs.cmp as string;
      let mask: Expr;
      if (isInt(n)) {
        const ops = {
          lt: f.i32x4.lt_s,
          le: f.i32x4.le_s,
          gt: f.i32x4.gt_s,
          ge: f.i32x4.ge_s,
          eq: f.i32x4.eq,
          ne: f.i32x4.ne,
        };
        mask = ops[cmp as keyof typeof ops](a!, b!);
      } else {
        const ops = {
          lt: f.f32x4.lt,
          le: f.f32x4.le,
          gt: f.f32x4.gt,
          ge: f.f32x4.ge,
          eq: f.f32x4.eq,
          ne: f.f32x4.ne,
        };
        mask = ops[cmp as keyof typeof ops](a!, b!);
      }
      return f.i32x4.neg(mask); // all-ones lanes -> 1
    },
  },
  select: {
    scalar: ({ f }, [c, a, b]) => f.select(c!, a!, b!),
    vector: ({ f }, [c, a, b]) => f.v128.bitselect(a!, b!, f.i32x4.neg(c!)), // 1 -> all-ones lanes
  },
  neg: {
    scalar: ({ f }, [x], n) => (isInt(n) ? f.i32.sub(f.c32(0), x!) : f.f32.neg(x!)),
    vector: ({ f }, [x], n) => (isInt(n) ? f.i32x4.neg(x!) : f.f32x4.neg(x!)),
  },
  abs: {
    scalar: ({ f }, [x], n) => {
      if (!isInt(n)) return f.f32.abs(x!);
      const [x1, x2, x3] = reuse(f, "i32", x!, 3);
      return f.select(f.i32.lt_s(x3!, f.c32(0)), f.i32.sub(f.c32(0), x1!), x2!);
    },
    vector: ({ f }, [x], n) => (isInt(n) ? f.i32x4.abs(x!) : f.f32x4.abs(x!)),
  },
  sign: {
    // Math.sign: -1, +1, and ±0 and NaN unchanged
    scalar: ({ f }, [x], n) => {
      if (isInt(n)) {
        const [x1, x2] = reuse(f, "i32", x!, 2);
        return f.i32.sub(f.i32.gt_s(x1!, f.c32(0)), f.i32.lt_s(x2!, f.c32(0)));
      }
      const [x1, x2, x3] = reuse(f, "f32", x!, 3);
      return f.select(
        f.f32.gt(x3!, f.cf32(0)),
        f.cf32(1),
        f.select(f.f32.lt(x2!, f.cf32(0)), f.cf32(-1), x1!),
      );
    },
    vector: ({ f }, [x], n) => {
      if (isInt(n)) {
        const [x1, x2] = reuse(f, "v128", x!, 2);
        return f.i32x4.sub(f.i32x4.lt_s(x1!, f.splatI32(0)), f.i32x4.gt_s(x2!, f.splatI32(0)));
      }
      const [x1, x2, x3] = reuse(f, "v128", x!, 3);
      const negOrSame = f.v128.bitselect(f.splatF32(-1), x1!, f.f32x4.lt(x2!, f.splatF32(0)));
      return f.v128.bitselect(f.splatF32(1), negOrSame, f.f32x4.gt(x3!, f.splatF32(0)));
    },
  },
  sqrt: { scalar: ({ f }, [x]) => f.f32.sqrt(x!), vector: ({ f }, [x]) => f.f32x4.sqrt(x!) },
  exp: transcendental("exp"),
  log: transcendental("log"),
  log1p: {
    scalar: (c, [x]) => log1p(c, x!, false),
    vector: (c, [x]) => log1p(c, x!, true),
  },
  tanh: transcendental("tanh"),
  sigmoid: transcendental("sigmoid"),
  pow: {
    scalar: (c, [x], n) => power(c.f, c, x!, n.attrs.exponent as number, false),
    vector: (c, [x], n) => power(c.f, c, x!, n.attrs.exponent as number, true),
  },
  cast: {
    scalar: ({ f }, [x], n) => {
      const from = n.inputs[0]!.dtype;
      const to = n.dtype;
      if (to === "bool") return from === "f32" ? f.f32.ne(x!, f.cf32(0)) : f.i32.ne(x!, f.c32(0));
      if (to === "i32") return from === "f32" ? f.i32.trunc_s_sat.f32(x!) : x!;
      return from === "f32" ? x! : f.f32.convert_s.i32(x!);
    },
    vector: ({ f }, [x], n) => {
      const from = n.inputs[0]!.dtype;
      const to = n.dtype;
      if (to === "bool") {
        return f.i32x4.neg(from === "f32" ? f.f32x4.ne(x!, f.splatF32(0)) : f.i32x4.ne(x!, f.splatI32(0)));
      }
      if (to === "i32") return from === "f32" ? f.i32x4.trunc_sat_f32x4_s(x!) : x!;
      return from === "f32" ? x! : f.f32x4.convert_i32x4_s(x!);
    },
  },
  stop_gradient: identity,
  broadcast: identity,
  random_uniform: {
    scalar: ({ f }, [seed], n, flat) => {
      const keyed = f.i32.xor(
        mix32(
          f,
          f.i32.xor(mix32(f, f.i32.xor(seed!, f.c32(0x9e3779b9 | 0)), false), f.c32(n.attrs.salt as number)),
          false,
        ),
        flat(),
      );
      const bits = mix32(f, keyed, false);
      return f.f32.mul(f.f32.convert_s.i32(f.i32.shr_u(bits, f.c32(8))), f.cf32(1 / 16777216));
    },
    vector: ({ f }, [seed], n, flat) => {
      const key = mix32(
        f,
        f.i32.xor(
          mix32(f, f.i32.xor(f.i32x4.extract_lane(seed!, 0), f.c32(0x9e3779b9 | 0)), false),
          f.c32(n.attrs.salt as number),
        ),
        false,
      );
      const lanes = f.i32x4.add(
        f.i32x4.splat(flat()),
        f.v128.const(new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0])),
      );
      const bits = mix32(f, f.v128.xor(f.i32x4.splat(key), lanes), true);
      return f.f32x4.mul(f.f32x4.convert_i32x4_s(f.i32x4.shr_u(bits, f.c32(8))), f.splatF32(1 / 16777216));
    },
  },
};
