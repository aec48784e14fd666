/**
 * softmax_xent and softmax_xent_grad (compiler/ops/softmax_xent.ts), alone or together as one
 * kernel (a fusion whose head is softmax_xent_grad and whose extra output is softmax_xent, made by
 * the `fuse` pass). Per row z of the logits [..., C]:
 *
 *   pass 1: m = max_j z_j                                        (f32x4 max, scalar tail)
 *   pass 2: e_j = exp(z_j − m), s = Σ_j e_j                      (exp_v128 / exp_f32)
 *           loss = m + log s − z_label   (0 when the label is outside [0, C): an ignored row)
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
import { address, nest } from "./loops.js";
import { contiguousStrides, immediate, loadElement, type Access, type MapOperand } from "./map.js";
import type { Epilogue } from "./matmul.js";

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
}

const IDENTITY: Epilogue = { vectorizable: true, apply: (acc) => ({ stmts: [], results: [acc] }) };
const LANE_INDEX = new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);

export function emitSoftmaxXent(c: LowerContext, spec: SoftmaxXentSpec): void {
  const { f } = c;
  const { logits, labels, loss, grad } = spec;
  const rank = logits.shape.length;
  const C = logits.shape[rank - 1]!;
  const lead = logits.shape.slice(0, -1);
  const leadStrides = contiguousStrides(lead);
  const vec = c.simd && C >= 4;
  const C4 = vec ? C - (C % 4) : 0;
  const epilogue = grad?.epilogue ?? IDENTITY;

  const expF = (x: Expr) => f.call(c.kernel("exp_f32"), [x], "f32");
  const expV = (x: Expr) => f.call(c.kernel("exp_v128"), [x], "v128");
  const logF = (x: Expr) => f.call(c.kernel("log_f32"), [x], "f32");

  const z = f.local("i32"); // byte address of the row's first logit
  const label = f.local("i32");
  const m = f.local("f32");
  const s = f.local("f32");
  const scale = f.local("f32");
  // (no v128 local without SIMD: a module without the feature may not declare one)
  const acc: Local | undefined = vec ? f.local("v128") : undefined;
  const j = f.local("i32");
  const at = (col: Expr) => f.i32.add(f.get(z), f.i32.shl(col, f.c32(2)));
  const zV = () => f.v128.load(0, 4, at(f.get(j)));
  const zF = () => f.f32.load(0, 4, at(f.get(j)));
  const lanes = (v: Local, op: (a: Expr, b: Expr) => Expr) => {
    const lane = (k: number) => f.f32x4.extract_lane(f.get(v), k);
    return op(op(lane(0), lane(1)), op(lane(2), lane(3)));
  };

  // outputs and epilogue operands of the gradient, each at its position at the row's start
  const gradOuts: Access[] = (grad?.outs ?? []).map((b) => ({
    base: b.offset,
    strides: contiguousStrides(b.shape),
    dtype: b.dtype,
  }));
  const sites = new Map<Access, Local>();
  const siteOf = (o: Access): Local => {
    let l = sites.get(o);
    if (!l) sites.set(o, (l = f.local("i32")));
    return l;
  };
  const colStride = (o: Access) => o.strides[rank - 1]!;
  const elementAt = (o: Access, col: Expr) =>
    colStride(o) === 0
      ? f.get(siteOf(o))
      : f.i32.add(f.get(siteOf(o)), f.i32.mul(col, f.c32(colStride(o) * 4)));
  /** The gradient element(s) at column j, through the epilogue, stored into every output. */
  const put = (g: Expr, vector: boolean): Expr[] => {
    const load = (o: MapOperand): Expr =>
      "base" in o
        ? loadElement(f, o.dtype, elementAt(o, f.get(j)), vector, colStride(o) === 0)
        : immediate(f, o.dtype, o.immediate, vector);
    const { stmts, results } = epilogue.apply(g, load, vector);
    return [
      ...stmts,
      ...gradOuts.map((o, k) => {
        const p = elementAt(o, f.get(j));
        if (vector) return f.v128.store(0, 4, p, results[k]!);
        return o.dtype === "f32" ? f.f32.store(0, 4, p, results[k]!) : f.i32.store(0, 4, p, results[k]!);
      }),
    ];
  };
  const vectorGrad = vec && epilogue.vectorizable;
  const gradEnd = vectorGrad ? C4 : 0;

  // with the gradient wanted, pass 2 keeps exp(z − m) in the first gradient output, which pass 3
  // reads back and overwrites element by element
  const stash = gradOuts[0];
  const storeAt = (o: Access, v: Expr, vector: boolean) =>
    vector ? f.v128.store(0, 4, elementAt(o, f.get(j)), v) : f.f32.store(0, 4, elementAt(o, f.get(j)), v);
  const loadAt = (o: Access, vector: boolean) =>
    vector ? f.v128.load(0, 4, elementAt(o, f.get(j))) : f.f32.load(0, 4, elementAt(o, f.get(j)));
  /** Adds exp(z_j − m) (four lanes when `vector`) into `into`, keeping it in the stash. */
  const accumulateExp = (into: Local, vector: boolean): Expr[] => {
    const e = vector ? expV(f.f32x4.sub(zV(), f.f32x4.splat(f.get(m)))) : expF(f.f32.sub(zF(), f.get(m)));
    const add = (a: Expr, b: Expr) => (vector ? f.f32x4.add(a, b) : f.f32.add(a, b));
    if (!stash) return [f.set(into, add(f.get(into), e))];
    const kept = f.local(vector ? "v128" : "f32");
    return [f.set(kept, e), storeAt(stash, f.get(kept), vector), f.set(into, add(f.get(into), f.get(kept)))];
  };

  f.emit(
    ...nest(f, lead, (counters) => {
      // pass 1: the row's max
      const pass1: Expr[] = vec
        ? [
            f.set(j, f.c32(0)),
            f.set(acc!, zV()),
            f.forLoop(j, f.c32(4), f.c32(C4), 4, () => f.set(acc!, f.f32x4.max(f.get(acc!), zV()))),
            f.set(
              m,
              lanes(acc!, (a, b) => f.f32.max(a, b)),
            ),
          ]
        : [f.set(m, f.cf32(-Infinity))];
      pass1.push(f.forLoop(j, f.c32(C4), f.c32(C), 1, () => f.set(m, f.f32.max(f.get(m), zF()))));
      // pass 2: Σ exp(z − m)
      const pass2: Expr[] = vec
        ? [
            f.set(acc!, f.splatF32(0)),
            f.forLoop(j, f.c32(0), f.c32(C4), 4, () => accumulateExp(acc!, true)),
            f.set(
              s,
              lanes(acc!, (a, b) => f.f32.add(a, b)),
            ),
          ]
        : [f.set(s, f.cf32(0))];
      pass2.push(f.forLoop(j, f.c32(C4), f.c32(C), 1, () => accumulateExp(s, false)));
      const valid = () => f.i32.lt_u(f.get(label), f.c32(C));
      if (loss) {
        // the label's logit, read at column 0 for an ignored row (the select then drops it)
        const picked = f.f32.load(0, 4, at(f.select(valid(), f.get(label), f.c32(0))));
        const value = f.f32.sub(f.f32.add(f.get(m), logF(f.get(s))), picked);
        pass2.push(
          f.f32.store(
            0,
            4,
            address(f, f.c32(loss.offset), counters, leadStrides),
            f.select(valid(), value, f.cf32(0)),
          ),
        );
      }
      // pass 3: softmax − onehot, through the epilogue, into the outputs
      const pass3: Expr[] = [];
      if (grad) {
        pass3.push(f.set(scale, f.select(valid(), f.f32.div(f.cf32(1), f.get(s)), f.cf32(0))));
        if (vectorGrad) {
          pass3.push(
            f.forLoop(j, f.c32(0), f.c32(C4), 4, () => {
              const p = f.f32x4.mul(loadAt(stash!, true), f.f32x4.splat(f.get(scale)));
              const hit = f.i32x4.eq(
                f.i32x4.splat(f.i32.sub(f.get(label), f.get(j))),
                f.v128.const(LANE_INDEX),
              );
              return put(f.f32x4.sub(p, f.v128.and(hit, f.splatF32(1))), true);
            }),
          );
        }
        pass3.push(
          f.forLoop(j, f.c32(gradEnd), f.c32(C), 1, () => {
            const p = f.f32.mul(loadAt(stash!, false), f.get(scale));
            const hit = f.select(f.i32.eq(f.get(j), f.get(label)), f.cf32(1), f.cf32(0));
            return put(f.f32.sub(p, hit), false);
          }),
        );
      }
      // every access's position at the row's start (the passes above registered them)
      return [
        f.set(
          z,
          address(
            f,
            f.c32(logits.offset),
            counters,
            leadStrides.map((st) => st * C),
          ),
        ),
        f.set(label, f.i32.load(0, 4, address(f, f.c32(labels.offset), counters, leadStrides))),
        ...[...sites].map(([o, l]) => f.set(l, address(f, f.c32(o.base), counters, o.strides.slice(0, -1)))),
        ...pass1,
        ...pass2,
        ...pass3,
      ];
    }),
  );
}
