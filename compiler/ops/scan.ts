/**
 * scan: a loop over a time axis (JAX's lax.scan, Theano's scan). Operands: initial carries,
 * sequences (scanned along axis 0, T rows each) and loop-invariant values; the step is an SSA
 * program in the attributes (compiler/ops/scan-body.ts). Step t computes, from the carries of step
 * t-1 and row t of every sequence, the next carries and the per-step outputs ys. The result packs,
 * for every carry and then every y, its T per-step values stacked as [T, ...]: the sequence of
 * carries (the last row is the final carry) and of ys, read through `extract` views. A reverse
 * scan runs t = T-1 .. 0 (rows stay indexed by t, so its final carry is row 0).
 *
 *   %9 = scan(%h0, %X, %U) { length: 32, carries: 1, xs: 1,
 *          v3 = matmul v0, v2 ; v4 = add v3, v1 ; v5 = tanh v4 ; results: [v5] }
 *
 * VJP: a scan running the other way (Theano), whose step is the VJP of the forward step. It
 * reads stored per-step values (JAX's residuals): the carry entering step t is row t-1 of the
 * carry sequence, and wherever the step's gradient needs the carry leaving step t (tanh' = 1 - y²)
 * it reads row t instead of recomputing it. Other values it reads whose recomputation would need
 * a matmul of the carries (an LSTM's gates) are stored by the forward scan as extra per-step
 * outputs; cheaper ones are recomputed. Cotangents of the sequences come out per step; those of
 * the loop-invariant operands are summed over the steps.
 */
import { OpError } from "../errors.js";
import { add, broadcastTo, concat, constant, reshape, slice, sum } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import type { Node } from "../ir/node.js";
import { shapeToString, type TensorType } from "../ir/shape.js";
import { substitute } from "../ir/substitute.js";
import { topologicalOrder } from "../ir/graph.js";
import { allocate, type NDArray } from "../ir/ndarray.js";
import {
  argTypes,
  bodyValueTypes,
  finalCarry,
  instantiate,
  makeArgs,
  makeScan,
  scanOperands,
  segments,
  stacked,
  type ScanAttrs,
} from "./scan-body.js";
import { getPrimitive } from "./registry.js";

/** Row t of a stacked value, as its own array. */
function row(x: NDArray, t: number): NDArray {
  const shape = x.shape.slice(1);
  const n = x.data.length / x.shape[0]!;
  const r = allocate(shape, x.dtype);
  r.data.set(x.data.subarray(t * n, (t + 1) * n));
  return r;
}

/**
 * The carry entering each step, stacked: the initial carry at the first step processed, then the
 * carry left by the step before (t-1, or t+1 for a reverse scan).
 */
export function carryIn(seq: Node, init: Node, reverse: boolean): Node {
  const T = seq.shape[0]!;
  const first = reshape(init, [1, ...init.shape]);
  if (T === 1) return first;
  const rows = (a: number, b: number) =>
    slice(
      seq,
      seq.shape.map((_, i) => (i === 0 ? a : 0)),
      seq.shape.map((d, i) => (i === 0 ? b : d)),
    );
  return reverse ? concat([rows(1, T), first], 0) : concat([first, rows(0, T - 1)], 0);
}

export const scan: OpDef<ScanAttrs, "scan"> = defineOp({
  name: "scan",
  arity: "variadic",
  // a nested loop is not batched: it stays inside its enclosing step
  traits: {},
  infer(inputs, attrs) {
    const { length, carries, xs } = attrs;
    if (!Number.isInteger(length) || length < 1)
      throw new OpError(`length ${length} must be a positive integer`);
    if (inputs.length < carries + xs) {
      throw new OpError(`${inputs.length} operands, but ${carries} carries and ${xs} sequences`);
    }
    scanOperands(inputs, attrs).xs.forEach((x, i) => {
      if (x.shape[0] !== length) {
        throw new OpError(
          `sequence ${i} has shape ${shapeToString(x.shape)}; expected ${length} rows on axis 0`,
        );
      }
    });
    const types = bodyValueTypes(inputs, attrs);
    if (attrs.results.length < carries) throw new OpError(`the step returns fewer results than carries`);
    const results = attrs.results.map((r, k) => {
      const t = types[r];
      if (!t) throw new OpError(`result ${k} names no value (${r})`);
      if (t.dtype !== "f32") throw new OpError(`result ${k} is ${t.dtype}; loop results must be f32`);
      if (k < carries && shapeToString(t.shape) !== shapeToString(inputs[k]!.shape)) {
        throw new OpError(
          `carry ${k} leaves the step with shape ${shapeToString(t.shape)}, enters with ${shapeToString(inputs[k]!.shape)}`,
        );
      }
      return t;
    });
    return { shape: [segments(length, results).size], dtype: "f32" };
  },
  evaluate(inputs, attrs, out) {
    const { length: T, carries: nc } = attrs;
    const { inits, xs, consts } = scanOperands(inputs, attrs);
    const types = bodyValueTypes(inputs, attrs);
    const nArgs = argTypes(inputs, attrs).length;
    const segs = segments(
      T,
      attrs.results.map((r) => types[r]!),
    ).segments;
    const result = allocate(out.shape, "f32");
    let carry = inits;
    for (let s = 0; s < T; s++) {
      const t = attrs.reverse ? T - 1 - s : s;
      const values: NDArray[] = [...carry, ...xs.map((x) => row(x, t)), ...consts];
      attrs.program.forEach((instr, i) => {
        const type: TensorType = types[nArgs + i]!;
        values.push(
          getPrimitive(instr.op)!.evaluate(
            instr.args.map((a) => values[a]!),
            instr.attrs,
            type,
          ),
        );
      });
      const res = attrs.results.map((r) => values[r]!);
      res.forEach((v, k) => result.data.set(v.data, segs[k]!.offset + t * segs[k]!.step));
      carry = res.slice(0, nc);
    }
    return result;
  },
  // the step is differentiated by the autodiff driver, handed in as `ad` (it sits above the ops)
  vjp(node, ct, ad) {
    const attrs = node.attrs as ScanAttrs;
    const ctx = node.ctx;
    const nc = attrs.carries;
    const { inits, xs, consts } = scanOperands(node.inputs, attrs);
    const types = bodyValueTypes(node.inputs, attrs);
    const segs = segments(
      attrs.length,
      attrs.results.map((r) => types[r]!),
    ).segments;
    const ny = attrs.results.length - nc;
    const isF32 = (n: Node) => n.dtype === "f32";
    const nArgs = argTypes(node.inputs, attrs).length;

    /**
     * The backward step over its arguments. `g`: the cotangent reaching each carry from the steps
     * after; rows: ct of carry k, ct of y_j, carry k entering the step, carry k leaving it, x_i,
     * then the stored residuals. Returns the next carries (ct of the carries entering the step),
     * the ct of each f32 sequence and each f32 invariant, and the forward values it reads.
     */
    const backwardStep = (g: readonly Node[], rows: readonly Node[], residuals: readonly number[]) => {
      const ctC = rows.slice(0, nc);
      const ctY = rows.slice(nc, nc + ny);
      const cPrev = rows.slice(nc + ny, 2 * nc + ny);
      const cNext = rows.slice(2 * nc + ny, 3 * nc + ny);
      const xRows = rows.slice(3 * nc + ny, 3 * nc + ny + xs.length);
      const stored = rows.slice(3 * nc + ny + xs.length);
      // the forward step over placeholders for the invariants, so their cotangents are this
      // step's own (an invariant computed from another invariant must not count twice)
      const kArgs = makeArgs(ctx, consts);
      const values = instantiate(attrs.program, [...cPrev, ...xRows, ...kArgs]);
      const res = attrs.results.map((r) => values[r]!);
      const grads = ad.vjpMany(
        [
          ...res.slice(0, nc).map((r, k) => ({ node: r, seed: add(ctC[k]!, g[k]!) })),
          ...res.slice(nc).map((r, j) => ({ node: r, seed: ctY[j]! })),
        ],
        [...cPrev, ...xRows.filter(isF32), ...kArgs.filter(isF32)],
      );
      // read stored values instead of recomputing them: the carries leaving the step, the
      // residuals; then the invariants are the outer values
      const stop = new Map<Node, Node>();
      res.slice(0, nc).forEach((r, k) => {
        if (attrs.results[k]! >= nArgs) stop.set(r, cNext[k]!);
      });
      residuals.forEach((v, i) => stop.set(values[v]!, stored[i]!));
      const local = substitute(grads, stop);
      // the forward instructions the gradient reads directly (value indices)
      const index = new Map(values.map((n, v) => [n, v]));
      const readers = [...topologicalOrder(local).filter((n) => !index.has(n))];
      const reads = [...readers.flatMap((n) => n.inputs), ...local]
        .map((n) => index.get(n))
        .filter((v): v is number => v !== undefined && v >= nArgs);
      const out = substitute(local, new Map(kArgs.map((a, i) => [a, consts[i]!])));
      return { carries: out.slice(0, nc), ys: out.slice(nc), reads };
    };

    // Residuals (JAX): forward values the backward step reads that would need a matmul of the
    // carries to recompute are stored by the forward scan as extra per-step outputs. The forward
    // scan with them (`withResiduals`) replaces the plain one in the optimized graph (see
    // compiler/passes/residuals.ts), so the forward loop runs once.
    const carryTypes = inits.map((c) => ({ shape: c.shape, dtype: c.dtype }));
    const dryArgs = makeArgs(ctx, [
      ...carryTypes,
      ...segs.map((s) => ({ shape: s.shape.slice(1), dtype: "f32" as const })),
      ...carryTypes,
      ...carryTypes,
      ...xs.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype })),
    ]);
    const dry = backwardStep(dryArgs.slice(0, nc), dryArgs.slice(nc), []);
    const residuals = needsMatmul(attrs, nArgs, dry.reads);
    const forward = residuals.length ? withResiduals(node, residuals) : node;
    const stored = residuals.map((_, i) => stacked(forward, attrs.results.length + i));

    const ctOf = segs.map((s) => ctx.node("extract", [ct], { offset: s.offset, shape: [...s.shape] }));
    const seqs = inits.map((_, k) => stacked(forward, k));
    const bwd = makeScan(
      ctx,
      {
        inits: inits.map((c) => broadcastTo(constant(ctx, 0), c.shape)),
        xs: [...ctOf, ...seqs.map((c, k) => carryIn(c, inits[k]!, attrs.reverse)), ...seqs, ...xs, ...stored],
        reverse: !attrs.reverse,
      },
      (g, rows) => backwardStep(g, rows, residuals),
    );
    const dInits = inits.map((_, k) => finalCarry(bwd, k));
    let y = nc;
    const dXs = xs.map((x) => (isF32(x) ? stacked(bwd, y++) : null));
    const dConsts = consts.map((c) => (isF32(c) ? sum(stacked(bwd, y++), [0]) : null));
    return [...dInits, ...dXs, ...dConsts];
  },
});

/**
 * The forward instructions among `reads` whose recomputation in the backward step would run a
 * matmul that depends on the carries (an LSTM's gates): those are worth storing. Cheaper ones
 * (elementwise work on stored rows) are recomputed.
 */
function needsMatmul(attrs: ScanAttrs, nArgs: number, reads: readonly number[]): number[] {
  const instr = (v: number) => attrs.program[v - nArgs]!;
  const carryDependent: boolean[] = [];
  const costly: boolean[] = [];
  for (let v = 0; v < nArgs + attrs.program.length; v++) {
    if (v < nArgs) {
      carryDependent.push(v < attrs.carries);
      costly.push(false);
      continue;
    }
    const { op, args } = instr(v);
    const dep = args.some((a) => carryDependent[a]);
    carryDependent.push(dep);
    costly.push(dep && (op === "matmul" || op === "scan" || args.some((a) => costly[a])));
  }
  const carries = new Set(attrs.results.slice(0, attrs.carries));
  return [...new Set(reads)].filter((v) => costly[v] && !carries.has(v)).sort((a, b) => a - b);
}

/**
 * `scan` storing also the values `residuals` (appended after its results, so the offsets of the
 * others are unchanged). The `residuals` step of the hoist pass (compiler/passes/residuals.ts)
 * sends the readers of the plain scan to this one.
 */
function withResiduals(scan: Node, residuals: readonly number[]): Node {
  const attrs = scan.attrs as ScanAttrs;
  return scan.ctx.withSource(scan.src, () =>
    scan.ctx.node("scan", scan.inputs, { ...attrs, results: [...attrs.results, ...residuals] }),
  );
}
