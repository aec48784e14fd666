/**
 * Leaves of the graph: named values bound when the graph runs. They are not computations, so
 * they have no evaluation rule (the interpreter binds them) and gradients stop at them (autodiff
 * collects the cotangents reaching them instead).
 */
import { OpError } from "../errors.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { checkShape, DTYPES, type DType } from "../ir/shape.js";

export type LeafAttrs = { name: string; shape: number[]; dtype: DType };

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function defLeaf<K extends "input" | "param" | "state">(kind: K): OpDef<LeafAttrs, K> {
  return defineOp<LeafAttrs, K>({
    name: kind,
    arity: 0,
    traits: { leaf: true },
    infer(_inputs, { name, shape, dtype }) {
      if (typeof name !== "string" || !NAME.test(name)) {
        throw new OpError(
          `${kind} name ${JSON.stringify(name)} is not an identifier (letters, digits, _ and .)`,
        );
      }
      if (!DTYPES.includes(dtype) || dtype === "bool") {
        throw new OpError(`${kind} '${name}' has dtype '${dtype}'; expected f32 or i32`);
      }
      if (kind === "param" && dtype !== "f32") {
        throw new OpError(`param '${name}' must be f32 (it is trained by gradient descent)`);
      }
      return { shape: checkShape(shape, `shape of ${kind} '${name}'`), dtype };
    },
    evaluate() {
      throw new Error(`internal: ${kind} leaves are bound by the interpreter, not evaluated`);
    },
    vjp: () => [],
  });
}

export const input: OpDef<LeafAttrs, "input"> = defLeaf("input");
export const param: OpDef<LeafAttrs, "param"> = defLeaf("param");
export const state: OpDef<LeafAttrs, "state"> = defLeaf("state");
