/** Models shared by the pass tests. */
import { model, nn } from "../../compiler/index.js";

/** A 12 → 32 ReLU → 5 softmax classifier on a batch of 16: two matmul heads, a relu mask, a loss. */
export const reluMlp = model("mlp", (m) => {
  const x = m.input("x", [16, 12]);
  const y = m.input("y", [16], "i32");
  const h = x
    .matmul(m.param("W1", [12, 32]))
    .add(m.param("b1", [32]))
    .relu();
  m.loss(nn.softmaxCrossEntropy(h.matmul(m.param("W2", [32, 5])).add(m.param("b2", [5])), y));
});
