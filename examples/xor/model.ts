/**
 * XOR with a 2-2-1 ReLU network (seed 003 §6.2), trained with binary cross-entropy on the logit.
 * `wasmgrad inspect examples/xor/model.ts` and `wasmgrad gradcheck examples/xor/model.ts` use
 * the default export and the example `inputs`.
 */
import { init, model, nn } from "../../compiler/index.js";

export const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
export const Y = [0, 1, 1, 0];

export default model("xor", (m) => {
  const x = m.input("x", [4, 2]);
  const y = m.input("y", [4]);
  const W1 = m.param("W1", [2, 2]);
  const b1 = m.param("b1", [2], init.uniform(0, 0.1));
  const W2 = m.param("W2", [2, 1]);
  const b2 = m.param("b2", [1]);
  const logit = x.matmul(W1).add(b1).relu().matmul(W2).add(b2).reshape([4]);
  m.output("logit", logit);
  m.output("p", logit.sigmoid());
  m.loss(nn.binaryCrossEntropyWithLogits(logit, y));
});

export const inputs = { x: X, y: Y };
