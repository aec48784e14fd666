/**
 * softmax_xent and softmax_xent_grad (compiler/ops/softmax_xent.ts), alone or together as one
 * kernel (a fusion whose head is softmax_xent_grad and whose extra output is softmax_xent, made by
 * the `fuse` pass). Per row z of the logits [..., C]:
 *
 *   pass 1: m = max_j z_j                                        (f32x4 max, scalar tail)
 *   pass 2: e_j = exp(z_j − m), s = Σ_j e_j                      (exp_v128 / exp_f32)
 *           loss = m + log s − z_label   (0 when the label is outside [0, C): an ignored row)
 *           (a label outside [0, C) other than the ignored one traps before pass 1)
 *   pass 3: grad_j = e_j · (1/s) − (j == label)              (· 0 instead of 1/s on ignored rows)
 *           then the fusion's epilogue (g · grad for the loss's cotangent g, ...) and the stores
 *
 * Pass 2 keeps e_j in the first gradient output and pass 3 reads it back: storing and loading is
 * cheaper than a second exp (2% of W2's step). So no operand may share that output's buffer: the
 * in-place rule (lower.ts, readsElementwise) lets no operand of this kernel be overwritten. The
 * error of exp_f32/exp_v128 and log_f32 (assembly/math.ts) bounds the result's; summation order
 * differs from the interpreter's (f32 rounding only).
 */
import type { Buffer } from "../../plan/layout.js";
import type { Expr, Local } from "../module.js";
import type { LowerContext } from "./context.js";
import type { Node } from "../../ir/node.js";
import { whereOf } from "./indexing.js";
import { address, nest } from "./loops.js";
import { contiguousStrides, immediate, loadElement, type Access, type MapOperand } from "./map.js";
import type { Epilogue } from "./matmul.js";
import { IDENTITY } from "./matmul/stores.js";

export interface SoftmaxXentSpec {
  readonly logits: Buffer;
  readonly labels: Buffer;
  /** Where the loss of each row goes (the labels' shape), if it is wanted. */
  readonly loss?: Buffer;
  /**
   * The gradient, if it is wanted: the buffers of the fusion's results of the logits' shape, and
   * the epilogue that computes them from each gradient element (identity: one output).
   */
  readonly grad?: { readonly outs: readonly Buffer[]; readonly epilogue?: Epilogue };
  /** The node whose labels are checked (for the message), and its `ignore` label if any. */
  readonly checked: { readonly node: Node; readonly ignore?: number };
}

const LANE_INDEX = new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);

/** One softmax cross-entropy kernel under construction: its sizes and the locals of a row. */
interface Row {
  readonly c: LowerContext;
  readonly spec: SoftmaxXentSpec;
  /** Rank of the logits; C classes per row; C4 = the columns run in vectors (0 without). */
  readonly rank: number;
  readonly C: number;
  readonly C4: number;
  /** Vector passes (SIMD and C ≥ 4). */
  readonly vec: boolean;
  readonly epilogue: Epilogue;
  /** Byte address of the row's first logit; the row's label; max, Σ exp, 1/Σ (or 0). */
  readonly z: Local;
  readonly label: Local;
  readonly m: Local;
  readonly s: Local;
  readonly scale: Local;
  /** The vector accumulator of passes 1 and 2 (no v128 local without SIMD: a module without the
   * feature may not declare one). */
  readonly acc: Local | undefined;
  /** The column counter. */
  readonly j: Local;
  /** The gradient's outputs; the first also keeps exp(z − m) between passes 2 and 3 (the stash). */
  readonly gradOuts: readonly Access[];
  /** Every access's position at the row's start, in order of first use. */
  readonly sites: Map<Access, Local>;
}

/** Emits the kernel for `spec`: the three passes over each row of the logits (see the header). */
export function emitSoftmaxXent(c: LowerContext, spec: SoftmaxXentSpec): void {
  const { f } = c;
  const { logits, labels } = spec;
  const rank = logits.shape.length;
  const C = logits.shape[rank - 1]!;
  const lead = logits.shape.slice(0, -1);
  const leadStrides = contiguousStrides(lead);
  const vec = c.target.simd && C >= 4;
  const row: Row = {
    c,
    spec,
    rank,
    C,
    C4: vec ? C - (C % 4) : 0,
    vec,
    epilogue: spec.grad?.epilogue ?? IDENTITY,
    z: f.local("i32"),
    label: f.local("i32"),
    m: f.local("f32"),
    s: f.local("f32"),
    scale: f.local("f32"),
    acc: vec ? f.local("v128") : undefined,
    j: f.local("i32"),
    // outputs and epilogue operands of the gradient, each at its position at the row's start
    gradOuts: (spec.grad?.outs ?? []).map((b) => ({
      base: b.offset,
      strides: contiguousStrides(b.shape),
      dtype: b.dtype,
    })),
    sites: new Map(),
  };
  const { node, ignore } = spec.checked;
  const site = c.trapSite({
    op: "softmaxCrossEntropy",
    ...whereOf(node),
    rows: C,
    use: "classes",
    ...(ignore === undefined ? {} : { ignore }),
  });
  f.emit(
    ...nest(f, lead, (counters) => {
      const pass1 = rowMax(row);
      const pass2 = [...rowSumExp(row), ...rowLoss(row, counters, leadStrides)];
      const pass3 = rowGradient(row);
      // every access's position at the row's start (the passes above registered them)
      return [
        f.set(
          row.z,
          address(
            f,
            f.c32(logits.offset),
            counters,
            leadStrides.map((st) => st * C),
          ),
        ),
        f.set(row.label, f.i32.load(0, 4, address(f, f.c32(labels.offset), counters, leadStrides))),
        labelCheck(row, site),
        ...[...row.sites].map(([o, l]) =>
          f.set(l, address(f, f.c32(o.base), counters, o.strides.slice(0, -1))),
        ),
        ...pass1,
        ...pass2,
        ...pass3,
      ];
    }),
  );
}

/** What a kernel checks of the labels of `node`, whose softmax_xent(_grad) has `attrs`. */
export function checkedLabels(
  node: Node,
  attrs: Readonly<Record<string, unknown>>,
): SoftmaxXentSpec["checked"] {
  const ignore = attrs.ignore as number | undefined;
  return ignore === undefined ? { node } : { node, ignore };
}

/** Traps on a label outside [0, C) that is not the ignored one (unsigned: negatives are huge). */
function labelCheck(r: Row, site: number): Expr {
  const { f } = r.c;
  const ignore = r.spec.checked.ignore;
  const outside = f.i32.ge_u(f.get(r.label), f.c32(r.C));
  const bad = ignore === undefined ? outside : f.i32.and(outside, f.i32.ne(f.get(r.label), f.c32(ignore)));
  return f.when(bad, [f.trap(site, f.get(r.label))]);
}

const expF = (r: Row, x: Expr) => r.c.f.call(r.c.kernel("exp_f32"), [x], "f32");
const expV = (r: Row, x: Expr) => r.c.f.call(r.c.kernel("exp_v128"), [x], "v128");
const logF = (r: Row, x: Expr) => r.c.f.call(r.c.kernel("log_f32"), [x], "f32");

/** Byte address of logit `col` of the row. */
const logitAt = (r: Row, col: Expr) => r.c.f.i32.add(r.c.f.get(r.z), r.c.f.i32.shl(col, r.c.f.c32(2)));
/** The logits at column j: four (zV) or one (zF). */
const zV = (r: Row) => r.c.f.v128.load(0, 4, logitAt(r, r.c.f.get(r.j)));
const zF = (r: Row) => r.c.f.f32.load(0, 4, logitAt(r, r.c.f.get(r.j)));

/** op over the four lanes of `v`, as a tree. */
function lanes(r: Row, v: Local, op: (a: Expr, b: Expr) => Expr): Expr {
  const lane = (k: number) => r.c.f.f32x4.extract_lane(r.c.f.get(v), k);
  return op(op(lane(0), lane(1)), op(lane(2), lane(3)));
}

/** The local holding access `o`'s position at the row's start (made on first use). */
function siteOf(r: Row, o: Access): Local {
  let l = r.sites.get(o);
  if (!l) r.sites.set(o, (l = r.c.f.local("i32")));
  return l;
}

const colStride = (r: Row, o: Access) => o.strides[r.rank - 1]!;

/** Byte address of access `o` at column `col` of the row. */
function elementAt(r: Row, o: Access, col: Expr): Expr {
  const { f } = r.c;
  return colStride(r, o) === 0
    ? f.get(siteOf(r, o))
    : f.i32.add(f.get(siteOf(r, o)), f.i32.mul(col, f.c32(colStride(r, o) * 4)));
}

/** Pass 1: m = the row's max (f32x4 max, scalar tail). */
function rowMax(r: Row): Expr[] {
  const { f } = r.c;
  const { j, m, acc } = r;
  const pass1: Expr[] = r.vec
    ? [
        f.set(j, f.c32(0)),
        f.set(acc!, zV(r)),
        f.forLoop(j, f.c32(4), f.c32(r.C4), 4, () => f.set(acc!, f.f32x4.max(f.get(acc!), zV(r)))),
        f.set(
          m,
          lanes(r, acc!, (a, b) => f.f32.max(a, b)),
        ),
      ]
    : [f.set(m, f.cf32(-Infinity))];
  pass1.push(f.forLoop(j, f.c32(r.C4), f.c32(r.C), 1, () => f.set(m, f.f32.max(f.get(m), zF(r)))));
  return pass1;
}

/** Pass 2: s = Σ exp(z − m), keeping each exp in the stash when the gradient is wanted. */
function rowSumExp(r: Row): Expr[] {
  const { f } = r.c;
  const { j, s, acc } = r;
  const pass2: Expr[] = r.vec
    ? [
        f.set(acc!, f.splatF32(0)),
        f.forLoop(j, f.c32(0), f.c32(r.C4), 4, () => accumulateExp(r, acc!, true)),
        f.set(
          s,
          lanes(r, acc!, (a, b) => f.f32.add(a, b)),
        ),
      ]
    : [f.set(s, f.cf32(0))];
  pass2.push(f.forLoop(j, f.c32(r.C4), f.c32(r.C), 1, () => accumulateExp(r, s, false)));
  return pass2;
}

/**
 * Adds exp(z_j − m) (four lanes when `vector`) into `into`. With the gradient wanted, pass 2 keeps
 * it in the first gradient output (the stash), which pass 3 reads back and overwrites element by
 * element.
 */
function accumulateExp(r: Row, into: Local, vector: boolean): Expr[] {
  const { f } = r.c;
  const stash = r.gradOuts[0];
  const e = vector
    ? expV(r, f.f32x4.sub(zV(r), f.f32x4.splat(f.get(r.m))))
    : expF(r, f.f32.sub(zF(r), f.get(r.m)));
  const add = (a: Expr, b: Expr) => (vector ? f.f32x4.add(a, b) : f.f32.add(a, b));
  if (!stash) return [f.set(into, add(f.get(into), e))];
  const kept = f.local(vector ? "v128" : "f32");
  const p = elementAt(r, stash, f.get(r.j));
  return [
    f.set(kept, e),
    vector ? f.v128.store(0, 4, p, f.get(kept)) : f.f32.store(0, 4, p, f.get(kept)),
    f.set(into, add(f.get(into), f.get(kept))),
  ];
}

/** Whether the row's label is a class (not an ignored row). */
const valid = (r: Row) => r.c.f.i32.lt_u(r.c.f.get(r.label), r.c.f.c32(r.C));

/** The row's loss m + log s − z_label (0 for an ignored row), stored when it is wanted. */
function rowLoss(r: Row, counters: readonly Local[], leadStrides: readonly number[]): Expr[] {
  const { f } = r.c;
  const { loss } = r.spec;
  if (!loss) return [];
  // the label's logit, read at column 0 for an ignored row (the select then drops it)
  const picked = f.f32.load(0, 4, logitAt(r, f.select(valid(r), f.get(r.label), f.c32(0))));
  const value = f.f32.sub(f.f32.add(f.get(r.m), logF(r, f.get(r.s))), picked);
  return [
    f.f32.store(
      0,
      4,
      address(f, f.c32(loss.offset), counters, leadStrides),
      f.select(valid(r), value, f.cf32(0)),
    ),
  ];
}

/** Pass 3: softmax − onehot, through the epilogue, into the outputs (when the gradient is wanted). */
function rowGradient(r: Row): Expr[] {
  const { f } = r.c;
  const { j, label, scale } = r;
  if (!r.spec.grad) return [];
  const stash = r.gradOuts[0]!;
  const vectorGrad = r.vec && r.epilogue.vectorizable;
  const load = (vector: boolean) => {
    const p = elementAt(r, stash, f.get(j));
    return vector ? f.v128.load(0, 4, p) : f.f32.load(0, 4, p);
  };
  const pass3 = [f.set(scale, f.select(valid(r), f.f32.div(f.cf32(1), f.get(r.s)), f.cf32(0)))];
  if (vectorGrad) {
    pass3.push(
      f.forLoop(j, f.c32(0), f.c32(r.C4), 4, () => {
        const p = f.f32x4.mul(load(true), f.f32x4.splat(f.get(scale)));
        const hit = f.i32x4.eq(f.i32x4.splat(f.i32.sub(f.get(label), f.get(j))), f.v128.const(LANE_INDEX));
        return put(r, f.f32x4.sub(p, f.v128.and(hit, f.splatF32(1))), true);
      }),
    );
  }
  pass3.push(
    f.forLoop(j, f.c32(vectorGrad ? r.C4 : 0), f.c32(r.C), 1, () => {
      const p = f.f32.mul(load(false), f.get(scale));
      const hit = f.select(f.i32.eq(f.get(j), f.get(label)), f.cf32(1), f.cf32(0));
      return put(r, f.f32.sub(p, hit), false);
    }),
  );
  return pass3;
}

/** The gradient element(s) `g` at column j, through the epilogue, stored into every output. */
function put(r: Row, g: Expr, vector: boolean): Expr[] {
  const { f } = r.c;
  const load = (o: MapOperand): Expr =>
    "base" in o
      ? loadElement(f, o.dtype, elementAt(r, o, f.get(r.j)), vector, colStride(r, o) === 0)
      : immediate(f, o.dtype, o.immediate, vector);
  const { stmts, results } = r.epilogue.apply(g, load, vector);
  return [
    ...stmts,
    ...r.gradOuts.map((o, k) => {
      const p = elementAt(r, o, f.get(r.j));
      if (vector) return f.v128.store(0, 4, p, results[k]!);
      return o.dtype === "f32" ? f.f32.store(0, 4, p, results[k]!) : f.i32.store(0, 4, p, results[k]!);
    }),
  ];
}
