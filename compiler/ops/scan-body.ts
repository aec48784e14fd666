/**
 * Loop bodies as data. A scan (compiler/ops/scan.ts) carries its step function as a small SSA
 * program in its attributes, so that the node stays plain data: hashed, printed, serialized and
 * compared like any other. Value k of the program is
 *
 *   k < carries                       the carry entering the step
 *   carries <= k < carries + xs       the step's slice of sequence k - carries (its row t)
 *   then the loop-invariant operands  (consts: params and values computed outside the loop)
 *   then one value per instruction
 *
 * and `results` lists the value indices of the carries leaving the step, then of the per-step
 * outputs (ys). This file turns traced nodes into such a program and back (`instantiate`), and
 * knows how a scan packs its results into one buffer (`segments`).
 */
import { OpError, WasmgradError } from "../errors.js";
import { topologicalOrder } from "../ir/graph.js";
import type { Context, Node } from "../ir/node.js";
import { captureUserLocation } from "../ir/source.js";
import { shapeToString, sizeOf, type TensorType } from "../ir/shape.js";
import type { FusedInstr } from "./fusion.js";
import { getPrimitive } from "./registry.js";

export type BodyInstr = FusedInstr;

export type ScanAttrs = {
  /** Number of steps T: every sequence operand has T rows (axis 0). */
  length: number;
  /** Run t = T-1 down to 0 (outputs stay indexed by t). */
  reverse: boolean;
  /** Number of carry operands (the first operands). */
  carries: number;
  /** Number of sequence operands (after the carries); the rest are loop-invariant. */
  xs: number;
  program: BodyInstr[];
  /** Value indices of the next carries, then of the per-step outputs. */
  results: number[];
};

/** The operands of a scan node, by role. */
export function scanOperands<T>(
  inputs: readonly T[],
  attrs: ScanAttrs,
): { inits: T[]; xs: T[]; consts: T[] } {
  return {
    inits: inputs.slice(0, attrs.carries),
    xs: inputs.slice(attrs.carries, attrs.carries + attrs.xs),
    consts: inputs.slice(attrs.carries + attrs.xs),
  };
}

/** The types of the body's arguments: carries, one row of each sequence, consts. */
export function argTypes(inputs: readonly TensorType[], attrs: ScanAttrs): TensorType[] {
  const { inits, xs, consts } = scanOperands(inputs, attrs);
  return [
    ...inits.map((t) => ({ shape: t.shape, dtype: t.dtype })),
    ...xs.map((t) => ({ shape: t.shape.slice(1), dtype: t.dtype })),
    ...consts.map((t) => ({ shape: t.shape, dtype: t.dtype })),
  ];
}

/** Where a scan's results live in its packed output: result k stacked as [T, ...shape]. */
export interface Segment {
  readonly offset: number;
  /** [T, ...the per-step shape]. */
  readonly shape: readonly number[];
  /** Elements of one step. */
  readonly step: number;
}

export function segments(
  length: number,
  resultTypes: readonly TensorType[],
): { segments: Segment[]; size: number } {
  let offset = 0;
  const segs = resultTypes.map((t) => {
    const step = sizeOf(t.shape);
    const s = { offset, shape: [length, ...t.shape], step };
    offset += length * step;
    return s;
  });
  return { segments: segs, size: offset };
}

/** Fresh argument leaves for a body, in a scope of their own. */
export function makeArgs(ctx: Context, types: readonly TensorType[]): Node[] {
  const scope = ctx.size; // grows with every node, so no earlier body used this number
  return types.map((t, index) => ctx.node("arg", [], { scope, index, shape: [...t.shape], dtype: t.dtype }));
}

/**
 * The program computing `results` from `args`. Nodes that do not depend on any argument are
 * loop-invariant: they become operands of the loop (`consts`, in first-use order) instead of
 * instructions, so they are computed once, before the loop.
 */
export function traceBody(
  args: readonly Node[],
  results: readonly Node[],
): { program: BodyInstr[]; consts: Node[]; results: number[] } {
  const argIndex = new Map(args.map((a, i) => [a, i]));
  const order = topologicalOrder(results);
  const varying = new Set<Node>();
  for (const n of order) if (argIndex.has(n) || n.inputs.some((i) => varying.has(i))) varying.add(n);

  const consts: Node[] = [];
  const constIndex = new Map<Node, number>();
  const useConst = (n: Node) => {
    if (!constIndex.has(n)) {
      constIndex.set(n, consts.length);
      consts.push(n);
    }
  };
  for (const n of order) {
    if (!varying.has(n) || argIndex.has(n)) continue;
    for (const i of n.inputs) if (!varying.has(i)) useConst(i);
  }
  for (const r of results) if (!varying.has(r)) useConst(r);

  const instrs = order.filter((n) => varying.has(n) && !argIndex.has(n));
  const base = args.length + consts.length;
  const index = (n: Node): number =>
    argIndex.get(n) ?? (varying.has(n) ? base + instrIndex.get(n)! : args.length + constIndex.get(n)!);
  const instrIndex = new Map(instrs.map((n, i) => [n, i]));
  const program = instrs.map((n) => ({ op: n.op, args: n.inputs.map(index), attrs: n.attrs }));
  return { program, consts, results: results.map(index) };
}

/** Builds the program's nodes over `args` (one node per argument value); returns every value. */
export function instantiate(program: readonly BodyInstr[], args: readonly Node[]): Node[] {
  const values = [...args];
  const ctx = args[0]?.ctx;
  for (const instr of program) {
    if (!ctx) throw new Error("internal: a body with instructions needs arguments");
    values.push(
      ctx.node(
        instr.op,
        instr.args.map((a) => values[a]!),
        instr.attrs,
      ),
    );
  }
  return values;
}

export interface ScanSpec {
  /** Initial carries (f32). */
  readonly inits: readonly Node[];
  /** Sequences, scanned along axis 0 (all with the same length). */
  readonly xs: readonly Node[];
  readonly reverse?: boolean;
  /** Needed when there is no sequence. */
  readonly length?: number;
}

/**
 * Traces `step` (carries and the rows of the sequences in, next carries and per-step outputs
 * out) into a scan node. Sequences the step never reads are dropped from the operands.
 */
export function makeScan(
  ctx: Context,
  spec: ScanSpec,
  step: (carries: Node[], rows: Node[]) => { carries: readonly Node[]; ys: readonly Node[] },
): Node {
  const location = captureUserLocation();
  spec.xs.forEach((x, i) => {
    if (x.shape.length === 0) {
      throw new WasmgradError(`sequence ${i} has shape []; a sequence is scanned along its axis 0`, {
        op: "scan",
        location,
      });
    }
  });
  spec.inits.forEach((c, k) => {
    if (c.dtype !== "f32") {
      throw new WasmgradError(
        `carry ${k} is ${c.dtype}${shapeToString(c.shape)}; carries must be f32 (cast an integer counter with .cast("f32"))`,
        { op: "scan", location },
      );
    }
  });
  const length = spec.length ?? spec.xs[0]?.shape[0];
  if (length === undefined) {
    throw new WasmgradError("scan needs a sequence to scan over, or an explicit length", {
      op: "scan",
      location,
    });
  }
  spec.xs.forEach((x, i) => {
    if (x.shape.length === 0 || x.shape[0] !== length) {
      throw new WasmgradError(
        `sequence ${i} has shape ${shapeToString(x.shape)}; every sequence needs ${length} rows on axis 0`,
        { op: "scan", location: x.src },
      );
    }
  });
  const args = makeArgs(ctx, [
    ...spec.inits.map((t) => ({ shape: t.shape, dtype: t.dtype })),
    ...spec.xs.map((t) => ({ shape: t.shape.slice(1), dtype: t.dtype })),
  ]);
  const nc = spec.inits.length;
  const out = step(args.slice(0, nc), args.slice(nc));
  if (out.carries.length !== nc) {
    throw new WasmgradError(`the step returned ${out.carries.length} carries; the scan has ${nc}`, {
      op: "scan",
      location,
    });
  }
  out.carries.forEach((c, k) => {
    const init = spec.inits[k]!;
    if (shapeToString(c.shape) !== shapeToString(init.shape) || c.dtype !== init.dtype) {
      throw new WasmgradError(
        `carry ${k} enters the step as ${init.dtype}${shapeToString(init.shape)} but leaves it as ${c.dtype}${shapeToString(c.shape)}; a carry keeps its type`,
        { op: "scan", location: c.src },
      );
    }
  });
  [...out.carries, ...out.ys].forEach((r) => {
    if (r.dtype !== "f32") {
      throw new WasmgradError(`loop results must be f32, got ${r.dtype}${shapeToString(r.shape)}`, {
        op: "scan",
        location: r.src,
      });
    }
  });
  const used = new Set(topologicalOrder([...out.carries, ...out.ys]));
  const keptXs = spec.xs.map((_, i) => i).filter((i) => used.has(args[nc + i]!));
  const bodyArgs = [...args.slice(0, nc), ...keptXs.map((i) => args[nc + i]!)];
  const body = traceBody(bodyArgs, [...out.carries, ...out.ys]);
  const attrs: ScanAttrs = {
    length,
    reverse: spec.reverse ?? false,
    carries: nc,
    xs: keptXs.length,
    program: body.program,
    results: body.results,
  };
  return ctx.node("scan", [...spec.inits, ...keptXs.map((i) => spec.xs[i]!), ...body.consts], attrs);
}

/** The types of a scan node's results (carries, then ys), per step. */
export function resultTypes(node: Node): TensorType[] {
  const attrs = node.attrs as ScanAttrs;
  const types = bodyValueTypes(node.inputs, attrs);
  return attrs.results.map((r) => types[r]!);
}

/** Result k of a scan, stacked over the steps: [T, ...]. A view of the packed output. */
export function stacked(node: Node, k: number): Node {
  const seg = segments((node.attrs as ScanAttrs).length, resultTypes(node)).segments[k]!;
  return node.ctx.node("extract", [node], { offset: seg.offset, shape: [...seg.shape] });
}

/** The value of carry k after the last step (row T-1, or row 0 for a reverse scan). */
export function finalCarry(node: Node, k: number): Node {
  const attrs = node.attrs as ScanAttrs;
  const seg = segments(attrs.length, resultTypes(node)).segments[k]!;
  const row = attrs.reverse ? 0 : attrs.length - 1;
  return node.ctx.node("extract", [node], { offset: seg.offset + row * seg.step, shape: seg.shape.slice(1) });
}

/** The type of every value of the body, arguments first (raises OpError on a bad program). */
export function bodyValueTypes(inputs: readonly TensorType[], attrs: ScanAttrs): TensorType[] {
  const types = argTypes(inputs, attrs);
  attrs.program.forEach((instr, i) => {
    const def = getPrimitive(instr.op);
    if (!def) throw new OpError(`instruction ${i}: unknown op '${instr.op}'`);
    const args = instr.args.map((a) => {
      if (!Number.isInteger(a) || a < 0 || a >= types.length) {
        throw new OpError(`instruction ${i} (${instr.op}): bad value index ${a}`);
      }
      return types[a]!;
    });
    types.push(def.infer(args, instr.attrs));
  });
  return types;
}
