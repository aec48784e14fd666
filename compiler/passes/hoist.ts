/**
 * hoist: moves work out of scan loops, so that the loop keeps only what depends on its carries.
 *
 *  - before the loop: a step's node that depends on the sequences and loop-invariants only is
 *    computed for all T steps at once (compiler/scan/batch.ts) and enters the loop as a new
 *    sequence. The input projection x_t·W of every step becomes one matmul over T·B rows.
 *  - a product in the loop that reads a loop-invariant matrix transposed (dz·Whᵀ) gets the
 *    transpose once, before the loop, instead of a transposing copy at every step;
 *  - after the loop: a per-step output is computed from the stored carry sequence, batched, when
 *    that does not recompute a matmul the carries need. In the backward scan of an RNN this turns
 *    the per-step weight-gradient terms h_{t-1}ᵀ·dz_t into one batched product, which `simplify`
 *    then makes one matmul over T·B rows (sum over t of a batched product).
 *
 *   before:  %9 = scan(%h0, %X, %Wx, %Wh) { v4 = matmul v1, v2 ; v5 = matmul v0, v3 ;
 *                                           v6 = add v4, v5 ; v7 = tanh v6 ; results [v7] }
 *   after:   %8 = reshape(matmul(reshape(%X, [T·B, D]), %Wx), [T, B, H])
 *            %9 = scan(%h0, %8, %Wh) { v3 = matmul v0, v2 ; v4 = add v1, v3 ; v5 = tanh v4 ; results [v5] }
 *
 * A scan's results are read through `extract` views, so the pass is a rule on extracts of a scan:
 * each is redirected to the hoisted scan or to the value now computed outside it.
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { sizeOf } from "../ir/shape.js";
import { carryIn } from "../ops/scan.js";
import { batchNode, canBatch, type BatchOperand } from "../ops/batching.js";
import {
  argTypes,
  bodyValueTypes,
  instantiate,
  makeArgs,
  makeScan,
  scanOperands,
  segments,
  stacked,
  type ScanAttrs,
} from "../ops/scan-body.js";
import type { Rule } from "./rewrite.js";

type Kind = "carry" | "seq" | "const";

/** For each result of the old scan, its values stacked [T, ...] in the hoisted form. */
type Hoisted = readonly Node[];

const memo = new WeakMap<Node, Hoisted | null>();

function hoistScan(scan: Node): Hoisted | null {
  if (memo.has(scan)) return memo.get(scan)!;
  const result = scan.ctx.withSource(scan.src, () => hoist(scan));
  memo.set(scan, result);
  return result;
}

function hoist(scan: Node): Hoisted | null {
  const attrs = scan.attrs as ScanAttrs;
  const { length: T, carries: nc, xs: nx, reverse } = attrs;
  const ctx = scan.ctx;
  const { inits, xs, consts } = scanOperands(scan.inputs, attrs);
  const args = makeArgs(ctx, argTypes(scan.inputs, attrs));
  const values = instantiate(attrs.program, args);
  const nArgs = args.length;
  const program = attrs.program;
  const instr = (v: number) => program[v - nArgs]!;

  // what each value depends on, and its computation outside the loop when it has one
  const kind: Kind[] = args.map((_, i) => (i < nc ? "carry" : i < nc + nx ? "seq" : "const"));
  const outside: (BatchOperand | undefined)[] = args.map((_, i) =>
    i < nc
      ? undefined
      : i < nc + nx
        ? { node: xs[i - nc]!, stacked: true }
        : { node: consts[i - nc - nx]!, stacked: false },
  );
  let hoistedInstrs = 0;
  for (let v = nArgs; v < values.length; v++) {
    const ins = instr(v).args;
    const k: Kind = ins.some((a) => kind[a] === "carry")
      ? "carry"
      : ins.some((a) => kind[a] === "seq")
        ? "seq"
        : "const";
    kind.push(k);
    let out: BatchOperand | undefined;
    if (k !== "carry" && ins.every((a) => outside[a])) {
      const node = batchNode(
        values[v]!,
        ins.map((a) => outside[a]!),
        T,
      );
      if (node) out = { node, stacked: k === "seq" };
    }
    outside.push(out);
    if (out) hoistedInstrs++;
  }

  // carry results: the instructions that the stored carry sequence stands for after the loop
  const carryResult = new Map<number, number>();
  attrs.results.slice(0, nc).forEach((r, k) => {
    if (r >= nArgs && !carryResult.has(r)) carryResult.set(r, k);
  });
  /** Instructions computed in the loop to obtain `roots` (stopping where a value is known). */
  const inLoop = (roots: readonly number[], stopAtCarries: boolean): Set<number> => {
    const seen = new Set<number>();
    const stack = [...roots];
    while (stack.length) {
      const v = stack.pop()!;
      if (v < nArgs || outside[v] || seen.has(v)) continue;
      if (stopAtCarries && carryResult.has(v) && !roots.includes(v)) continue;
      seen.add(v);
      stack.push(...instr(v).args);
    }
    return seen;
  };
  const forCarries = inLoop(attrs.results.slice(0, nc), false);
  const ysOut = attrs.results.slice(nc).map((r) => {
    if (outside[r]) return true;
    if (carryResult.has(r)) return false; // already stored as a carry: nothing to gain
    const need = inLoop([r], true);
    for (const v of need) {
      const { op, args: ins } = instr(v);
      if (kind[v] !== "carry") return false; // a step value that cannot be batched
      if (
        !canBatch(
          values[v]!,
          ins.map((a) => kind[a] !== "const" || outside[a]?.stacked === true),
        )
      )
        return false;
      // never recompute a product the carries need (the loop computes it anyway)
      if (forCarries.has(v) && op === "matmul") return false;
    }
    return true;
  });
  // a product in the loop that reads a loop-invariant operand transposed (dz·Whᵀ in the backward
  // step) would transpose it at every step: transpose it once, before the loop
  const invariant = (a: number) => kind[a] === "const" && outside[a] !== undefined;
  const retransposed = (v: number): boolean => {
    const { op, args: ins, attrs: at } = instr(v);
    return (
      op === "matmul" &&
      !outside[v] &&
      ((at.transB === true && invariant(ins[1]!)) || (at.transA === true && invariant(ins[0]!)))
    );
  };
  const transposes = values.map((_, v) => v >= nArgs && retransposed(v)).filter(Boolean).length;
  if (hoistedInstrs === 0 && transposes === 0 && !ysOut.some(Boolean)) return null;
  const swapLast = (n: Node) => {
    const r = n.shape.length;
    return b.transpose(
      n,
      n.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)),
    );
  };
  /** Instruction v inside the new loop, over its operands there. */
  const build = (v: number, get: (v: number) => Node): Node => {
    const { op, args: ins, attrs: at } = instr(v);
    if (!retransposed(v)) return ctx.node(op, ins.map(get), at);
    const [x, y] = ins as [number, number];
    const ta = at.transA === true && invariant(x);
    const tb = at.transB === true && invariant(y);
    return b.matmul(
      ta ? swapLast(outside[x]!.node) : get(x),
      tb ? swapLast(outside[y]!.node) : get(y),
      at.transA === true && !ta,
      at.transB === true && !tb,
    );
  };

  const hoistedSeqs = [...outside.keys()].filter((v) => v >= nArgs && outside[v]?.stacked);
  const keptYs = attrs.results.slice(nc).filter((_, j) => !ysOut[j]);
  const newScan = makeScan(
    ctx,
    { inits, xs: [...xs, ...hoistedSeqs.map((v) => outside[v]!.node)], reverse, length: T },
    (carries, rows) => {
      const map = new Map<number, Node>();
      const get = (v: number): Node => map.get(v)!;
      args.forEach((_, i) =>
        map.set(i, i < nc ? carries[i]! : i < nc + nx ? rows[i - nc]! : consts[i - nc - nx]!),
      );
      hoistedSeqs.forEach((v, i) => map.set(v, rows[nx + i]!));
      const roots = [...attrs.results.slice(0, nc), ...keptYs];
      const needed = inLoop(roots, false);
      for (let v = nArgs; v < values.length; v++) {
        if (map.has(v)) continue;
        const out = outside[v];
        if (out && !out.stacked) map.set(v, out.node);
        else if (needed.has(v)) map.set(v, build(v, get));
      }
      return { carries: attrs.results.slice(0, nc).map(get), ys: keptYs.map(get) };
    },
  );

  // the hoisted ys, batched over the stored carries of the new scan
  const after = new Map<number, BatchOperand>();
  const afterLoop = (v: number): BatchOperand => {
    const known = after.get(v);
    if (known) return known;
    let out: BatchOperand;
    if (v < nc) out = { node: carryIn(stacked(newScan, v), inits[v]!, reverse), stacked: true };
    else if (outside[v]) out = outside[v]!;
    else if (carryResult.has(v)) out = { node: stacked(newScan, carryResult.get(v)!), stacked: true };
    else {
      const node = batchNode(values[v]!, instr(v).args.map(afterLoop), T);
      if (!node) throw new Error(`internal: hoist could not batch ${instr(v).op} after the loop`);
      out = { node, stacked: true };
    }
    after.set(v, out);
    return out;
  };
  const repeat = (o: BatchOperand) =>
    o.stacked ? o.node : b.broadcastTo(b.reshape(o.node, [1, ...o.node.shape]), [T, ...o.node.shape]);
  let kept = 0;
  return attrs.results.map((r, k) => {
    if (k < nc) return stacked(newScan, k);
    if (!ysOut[k - nc]) return stacked(newScan, nc + kept++);
    return repeat(afterLoop(r));
  });
}

export const HOIST_RULES: readonly Rule[] = [
  {
    name: "hoist",
    pattern: "extract(scan) ==> extract(scan without the work that does not depend on its carries)",
    apply: (n) => {
      if (n.op !== "extract" || n.inputs[0]!.op !== "scan") return undefined;
      const scan = n.inputs[0]!;
      const hoisted = hoistScan(scan);
      if (!hoisted) return undefined;
      const attrs = scan.attrs as ScanAttrs;
      const types = bodyValueTypes(scan.inputs, attrs);
      const segs = segments(
        attrs.length,
        attrs.results.map((r) => types[r]!),
      ).segments;
      const offset = n.attrs.offset as number;
      const k = segs.findIndex((s) => offset >= s.offset && offset < s.offset + sizeOf(s.shape));
      const seg = segs[k]!;
      const target = hoisted[k]!;
      const rel = offset - seg.offset;
      // an extract of an extract reads the same bytes: fold the offsets
      if (target.op === "extract") {
        return n.ctx.node("extract", [target.inputs[0]!], {
          offset: (target.attrs.offset as number) + rel,
          shape: [...n.shape],
        });
      }
      return n.ctx.node("extract", [target], { offset: rel, shape: [...n.shape] });
    },
  },
];
