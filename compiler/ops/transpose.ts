import { OpError } from "../errors.js";
import { transpose as permute } from "../ir/build.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { stridesOf } from "../ir/shape.js";
import { allocate, forEachIndex } from "../ir/ndarray.js";

/** Output axis i is input axis perm[i]. */
export const transpose: OpDef<{ perm: number[] }, "transpose"> = defineOp({
  name: "transpose",
  arity: 1,
  traits: { movement: true },
  batch: {
    apply: (n, [x]) => permute(x!.node, [0, ...(n.attrs.perm as number[]).map((p) => p + 1)]),
  },
  infer([x], { perm }) {
    const rank = x!.shape.length;
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== rank || !sorted.every((a, i) => a === i)) {
      throw new OpError(`[${perm.join(",")}] is not a permutation of the ${rank} axes`);
    }
    return { shape: perm.map((a) => x!.shape[a]!), dtype: x!.dtype };
  },
  evaluate([x], { perm }, out) {
    const r = allocate(out.shape, out.dtype);
    const inStrides = stridesOf(x!.shape);
    forEachIndex(out.shape, (flat, index) => {
      let src = 0;
      for (let i = 0; i < perm.length; i++) src += index[i]! * inStrides[perm[i]!]!;
      r.data[flat] = x!.data[src]!;
    });
    return r;
  },
  vjp: (n, g) => {
    const perm = n.attrs.perm as number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [permute(g, inverse)];
  },
});
