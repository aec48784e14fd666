import { OpError } from "../errors.js";
import { matmul as product, reshape } from "../ir/build.js";
import { defineOp, type BatchOperand, type BatchRule, type OpDef } from "../ir/op.js";
import { aligned } from "./batching.js";
import { broadcastShapes, shapeToString, sizeOf, type Shape } from "../ir/shape.js";
import { allocate, broadcastIndex } from "../ir/ndarray.js";
import { checkDType, FLOAT } from "./elementwise.js";
import { sumOfCopies } from "./uniform.js";

export type MatmulAttrs = { transA: boolean; transB: boolean };

/** [rows, cols] of an operand as used in the product (after its optional transpose). */
function matrixDims(shape: Shape, transposed: boolean): [number, number] {
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  return transposed ? [c, r] : [r, c];
}

const batchMatmul: BatchRule = {
  apply: (n, operands, T) => {
    const [a, m] = operands as [BatchOperand, BatchOperand];
    const { transA, transB } = n.attrs as MatmulAttrs;
    // the common case, x_t · W: one product with T times the rows
    if (a.stacked && !m.stacked && !transA && a.node.shape.length === 3 && m.node.shape.length === 2) {
      const [, rows, k] = a.node.shape as [number, number, number];
      const flat = product(reshape(a.node, [T * rows, k]), m.node, false, transB);
      return reshape(flat, [T, rows, flat.shape[1]!]);
    }
    // otherwise a batched product over the time axis (matmul broadcasts batch axes)
    const lift = (o: BatchOperand) => (o.stacked ? aligned(o.node, n.shape.length) : o.node);
    return product(lift(a), lift(m), transA, transB);
  },
};

/**
 * C = op(A) · op(B) over the last two axes, with op = transpose when transA/transB is set and the
 * leading (batch) axes broadcast by NumPy rules. Taking transposes as attributes lets backends
 * read a transposed operand in place (every matmul VJP needs one).
 */
export const matmul: OpDef<MatmulAttrs, "matmul"> = defineOp({
  name: "matmul",
  arity: 2,
  traits: { fusionHead: "operands" },
  batch: batchMatmul,
  infer([a, b], { transA, transB }) {
    checkDType(a!, FLOAT, "left operand");
    checkDType(b!, FLOAT, "right operand");
    if (a!.shape.length < 2 || b!.shape.length < 2) {
      throw new OpError(`operands must have rank >= 2 (use reshape for vectors)`);
    }
    const [m, k1] = matrixDims(a!.shape, transA);
    const [k2, n] = matrixDims(b!.shape, transB);
    if (k1 !== k2) {
      throw new OpError(
        `inner dimensions differ: ${shapeToString(a!.shape)}${transA ? "ᵀ" : ""} · ${shapeToString(b!.shape)}${transB ? "ᵀ" : ""} (${k1} vs ${k2})`,
      );
    }
    const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    return { shape: [...batch, m, n], dtype: "f32" };
  },
  evaluate([a, b], { transA, transB }, out) {
    const r = allocate(out.shape, out.dtype);
    const batch = out.shape.slice(0, -2);
    const [m, k] = matrixDims(a!.shape, transA);
    const n = out.shape[out.shape.length - 1]!;
    const aBatch = broadcastIndex(a!.shape.slice(0, -2), batch);
    const bBatch = broadcastIndex(b!.shape.slice(0, -2), batch);
    const aCols = a!.shape[a!.shape.length - 1]!;
    const bCols = b!.shape[b!.shape.length - 1]!;
    for (let t = 0; t < sizeOf(batch); t++) {
      const aBase = aBatch[t]! * m * k;
      const bBase = bBatch[t]! * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) {
            const av = a!.data[aBase + (transA ? p * aCols + i : i * aCols + p)]!;
            const bv = b!.data[bBase + (transB ? j * bCols + p : p * bCols + j)]!;
            acc += av * bv;
          }
          r.data[(t * m + i) * n + j] = acc;
        }
      }
    }
    return r;
  },
  // every element is k products a·b added one by one from 0, as evaluate does
  uniform: ([a, b], { transA }, [x]) => sumOfCopies(a! * b!, matrixDims(x!.shape, transA)[1], "f32"),
  // With A' = op(A), B' = op(B): dA' = G B'ᵀ and dB' = A'ᵀ G, transposed back where op was one.
  vjp: (node, g) => {
    const [a, b] = node.inputs as [typeof node, typeof node];
    const { transA, transB } = node.attrs as MatmulAttrs;
    const da = transA ? product(b, g, transB, true) : product(g, b, false, !transB);
    const db = transB ? product(g, a, true, transA) : product(a, g, !transA, false);
    return [da, db];
  },
});
