/**
 * The scan's step as the hoist pass sees it: the step program instantiated over placeholder
 * arguments (carries, rows of the sequences, loop-invariants, in that order, then one value per
 * instruction), the loop's operands, and what the analysis (before.ts) finds for each value.
 * Also the query the other parts share: which instructions the loop computes to obtain a value.
 */
import type { Context, Node } from "../../ir/node.js";
import type { BatchOperand } from "../../ops/batching.js";
import {
  argTypes,
  instantiate,
  makeArgs,
  scanOperands,
  type BodyInstr,
  type ScanAttrs,
} from "../../ops/scan-body.js";

/** What a step value depends on: a carry, else a sequence, else loop-invariants only. */
export type Kind = "carry" | "seq" | "const";

export interface Step {
  readonly ctx: Context;
  readonly attrs: ScanAttrs;
  /** The number of steps, of carries and of sequences. */
  readonly T: number;
  readonly nc: number;
  readonly nx: number;
  readonly reverse: boolean;
  readonly inits: readonly Node[];
  readonly xs: readonly Node[];
  readonly consts: readonly Node[];
  /** The step's placeholder arguments, and all its values (the arguments first). */
  readonly args: readonly Node[];
  readonly values: readonly Node[];
  readonly nArgs: number;
  /** Carry results: the instructions that the stored carry sequence stands for after the loop (→ carry k). */
  readonly carryResult: ReadonlyMap<number, number>;
}

/** A step with, for each value, its kind and its computation outside the loop when it has one. */
export interface Analysis extends Step {
  readonly kind: readonly Kind[];
  readonly outside: readonly (BatchOperand | undefined)[];
  /** How many instructions have a computation outside the loop. */
  readonly hoistedInstrs: number;
}

export function stepOf(scan: Node): Step {
  const attrs = scan.attrs as ScanAttrs;
  const { length: T, carries: nc, xs: nx, reverse } = attrs;
  const ctx = scan.ctx;
  const { inits, xs, consts } = scanOperands(scan.inputs, attrs);
  const args = makeArgs(ctx, argTypes(scan.inputs, attrs));
  const values = instantiate(attrs.program, args);
  const nArgs = args.length;
  const carryResult = new Map<number, number>();
  attrs.results.slice(0, nc).forEach((r, k) => {
    if (r >= nArgs && !carryResult.has(r)) carryResult.set(r, k);
  });
  return { ctx, attrs, T, nc, nx, reverse, inits, xs, consts, args, values, nArgs, carryResult };
}

/** The instruction that computes value v (v ≥ nArgs). */
export const instr = (s: Step, v: number): BodyInstr => s.attrs.program[v - s.nArgs]!;

/** Instructions computed in the loop to obtain `roots` (stopping where a value is known). */
export function inLoop(a: Analysis, roots: readonly number[], stopAtCarries: boolean): Set<number> {
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const v = stack.pop()!;
    if (v < a.nArgs || a.outside[v] || seen.has(v)) continue;
    if (stopAtCarries && a.carryResult.has(v) && !roots.includes(v)) continue;
    seen.add(v);
    stack.push(...instr(a, v).args);
  }
  return seen;
}
