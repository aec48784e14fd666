/**
 * Random well-typed models for the planner's tests: an MLP-like chain over x: [B, D] built from a
 * list of steps (fast-check), mixing elementwise chains (in-place candidates), matmuls (with
 * transposed operands, and with B ≥ 16 rows the packed-panel path and its scratch), reductions,
 * views (reshape, stop_gradient), select, softmax and values reused far from where they were made
 * (long lifetimes). Every value keeps the shape [B, D], so every step applies to any state.
 */
import fc from "fast-check";
import { model, type Model, type Tensor } from "../../compiler/index.js";

export type Step = { readonly op: number; readonly k: number };

export const steps = fc.array(fc.record({ op: fc.nat(13), k: fc.nat(20) }), { minLength: 0, maxLength: 14 });

export function randomModel(list: readonly Step[], B = 4, D = 5): Model {
  return model("random", (m) => {
    const x = m.input("x", [B, D]);
    const W = m.param("W", [D, D]);
    const V = m.param("V", [D, 3]);
    const b = m.param("b", [D]);
    let h: Tensor = x.matmul(W);
    const values: Tensor[] = [h];
    for (const { op, k } of list) {
      const other = values[k % values.length]!;
      switch (op % 14) {
        case 0:
          h = h.add(b).tanh();
          break;
        case 1:
          h = h.relu();
          break;
        case 2:
          h = h.mul(other).sigmoid();
          break;
        case 3:
          h = h.matmul(W);
          break;
        case 4:
          h = h.sub(h.sum(-1, true));
          break;
        case 5:
          h = h
            .reshape([B * D])
            .neg()
            .reshape([B, D]);
          break;
        case 6:
          h = h.matmul(h.T.matmul(other).tanh().mul(0.2)); // [D,B]·[B,D]: transposed A
          break;
        case 7:
          h = h.matmul(other.T).matmul(other).mul(0.1); // [B,D]·[D,B]: transposed B, with scratch
          break;
        case 8:
          h = h.gt(0).select(h, other.mul(0.5));
          break;
        case 9:
          h = h.add(other.stopGradient());
          break;
        case 10:
          h = h.softmax();
          break;
        case 11:
          h = h.square().mul(0.25).add(b);
          break;
        case 12:
          h = h.mul(h).tanh(); // one operand twice
          break;
        case 13:
          h = h.reshape([D, B]).mul(0.5).reshape([B, D]).add(other); // a view of another shape
          break;
      }
      values.push(h);
    }
    m.output("y", h);
    m.output("z", values[list.length % values.length]!.matmul(V));
    m.loss(
      h
        .square()
        .mean()
        .add(values[1 % values.length]!.mean()),
    );
  });
}
