/**
 * Lowers a `fusion` node (see compiler/ops/fusion.ts) to one strided map whose body is the
 * program's instructions composed from the per-op lowerings in elementwise.ts. A value used by
 * several instructions is stored in a local (in program order, by explicit local.set) and read
 * back; a value used once is inlined into its user.
 */
import type { Node } from "../../ir/node.js";
import { programTypes, type FusionAttrs } from "../../ops/fusion.js";
import type { Buffer } from "../layout.js";
import type { Expr, FnBuilder, ValType } from "../module.js";
import type { LowerContext } from "./context.js";
import { ELEMENTWISE } from "./elementwise.js";
import { contiguousStrides, emitMap, type MapOperand } from "./map.js";

export function emitFusion(c: LowerContext, node: Node, operands: readonly MapOperand[], out: Buffer): void {
  const attrs = node.attrs as unknown as FusionAttrs;
  const types = programTypes(node.inputs, attrs);
  const m = node.inputs.length;
  const uses = new Array<number>(types.length).fill(0);
  for (const instr of attrs.program) for (const a of instr.args) uses[a]!++;
  const last = types.length - 1;

  const body =
    (vector: boolean) =>
    (f: FnBuilder, inputs: readonly Expr[], flat: () => Expr): Expr => {
      const stmts: Expr[] = [];
      const values: (() => Expr)[] = [];
      const bind = (k: number, e: Expr) => {
        if (uses[k]! > 1) {
          const type: ValType = vector ? "v128" : types[k]!.dtype === "f32" ? "f32" : "i32";
          const l = f.local(type);
          stmts.push(f.set(l, e));
          values[k] = () => f.get(l);
        } else values[k] = () => e;
      };
      inputs.forEach((e, k) => bind(k, e));
      let result: Expr | undefined;
      attrs.program.forEach((instr, i) => {
        const k = m + i;
        // the per-op lowerings read only op, attrs, dtype and the operands' dtypes
        const view = {
          op: instr.op,
          attrs: instr.attrs,
          dtype: types[k]!.dtype,
          inputs: instr.args.map((a) => types[a]!),
        } as unknown as Node;
        const lowering = ELEMENTWISE[instr.op]!;
        const args = instr.args.map((a) => values[a]!());
        const e = vector ? lowering.vector!(c, args, view, flat) : lowering.scalar(c, args, view, flat);
        if (k === last) result = e;
        else bind(k, e);
      });
      const type: ValType = vector ? "v128" : types[last]!.dtype === "f32" ? "f32" : "i32";
      return stmts.length ? f.valueBlock([...stmts, result!], type) : result!;
    };
  const vectorizable = attrs.program.every((i) => ELEMENTWISE[i.op]?.vector !== undefined);
  emitMap(
    c.f,
    out.shape,
    { base: out.offset, strides: contiguousStrides(out.shape), dtype: out.dtype },
    operands,
    { scalar: body(false), ...(vectorizable ? { vector: body(true) } : {}) },
    c.simd,
  );
}
