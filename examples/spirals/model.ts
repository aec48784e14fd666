/**
 * An MLP classifier of 2-D points: 2 → 64 ReLU → 64 ReLU → 3 logits, defined over its batch size:
 * one module trains at a minibatch's size and classifies a chunk of a grid or of a data set at
 * another (compile's `batches`), both entries reading the same params.
 */
import { model, nn } from "../../compiler/index.js";

export const HIDDEN = 64;

export function spiralNet(trainBatch: number, classes: number) {
  return model(
    "spirals",
    (m, { batch }) => {
      const x = m.input("x", [batch, 2]);
      const W1 = m.param("W1", [2, HIDDEN]); // Xavier
      const b1 = m.param("b1", [HIDDEN]); // zeros
      const W2 = m.param("W2", [HIDDEN, HIDDEN]);
      const b2 = m.param("b2", [HIDDEN]);
      const W3 = m.param("W3", [HIDDEN, classes]);
      const b3 = m.param("b3", [classes]);
      const h1 = nn.dense(x, W1, b1).relu();
      const h2 = nn.dense(h1, W2, b2).relu();
      const logits = nn.dense(h2, W3, b3);
      m.output("logits", logits);
      m.loss(nn.softmaxCrossEntropy(logits, m.input("y", [batch], "i32")));
    },
    { batch: trainBatch },
  );
}
