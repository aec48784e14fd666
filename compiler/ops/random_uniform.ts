import { OpError } from "../errors.js";
import { defineOp, type OpDef } from "../ir/op.js";
import { checkShape } from "../ir/shape.js";
import { allocate } from "../ir/ndarray.js";
import { uniform24 } from "../ir/random.js";

/**
 * Counter-based random numbers: element i of the output is a hash of (seed, salt, i) mapped to
 * [0, 1) with 24 random bits, so every value is exactly representable in f32 and the float64
 * interpreter and compiled code agree bit for bit. `seed` is an i32 scalar graph input (a step
 * counter, say); `salt` distinguishes several random tensors drawn from one seed.
 */
export const randomUniform: OpDef<{ shape: number[]; salt: number }, "random_uniform"> = defineOp({
  name: "random_uniform",
  arity: 1,
  // element i hashes its own index: not elementwise in its operand (the seed)
  traits: {},
  infer([seed], { shape, salt }) {
    if (seed!.dtype !== "i32" || seed!.shape.length !== 0) {
      throw new OpError(`seed must be an i32 scalar`);
    }
    if (!Number.isInteger(salt)) throw new OpError(`salt must be an integer, got ${salt}`);
    return { shape: checkShape(shape, "random shape"), dtype: "f32" };
  },
  evaluate([seed], { salt }, out) {
    const r = allocate(out.shape, out.dtype);
    for (let i = 0; i < r.data.length; i++) r.data[i] = uniform24(seed!.data[0]!, salt, i);
    return r;
  },
  vjp: () => [null],
});
