/**
 * Two linear classifiers of iris flowers (4 standardised features). Each builder takes the batch
 * size, because shapes are static: the training module holds the whole training set, and an
 * inference module sized for the test set loads the trained weights (params of the same names and
 * shapes, in a model of the same name).
 */
import { init, model, nn } from "../../compiler/index.js";

/**
 * Logistic regression (seed 001 §1.1.2): score s = x·w + b, p(y = +1 | x) = σ(s), trained on the
 * logistic loss log(1 + e^(−y·s)) with labels y ∈ {−1, +1}.
 */
export function logisticRegression(batch: number, features = 4, withLoss = true) {
  return model("iris-logistic", (m) => {
    const x = m.input("x", [batch, features]);
    const w = m.param("w", [features], init.zeros());
    const b = m.param("b", [1], init.zeros());
    const score = x.matmul(w).add(b); // [batch]
    m.output("score", score);
    if (withLoss) m.loss(nn.logisticLoss(score, m.input("y", [batch])));
  });
}

/** Softmax regression: logits = x·W + b over `classes`, trained on the cross-entropy. */
export function softmaxClassifier(batch: number, features = 4, classes = 3, withLoss = true) {
  return model("iris-softmax", (m) => {
    const x = m.input("x", [batch, features]);
    const W = m.param("W", [features, classes], init.zeros());
    const b = m.param("b", [classes], init.zeros());
    const logits = x.matmul(W).add(b);
    m.output("probs", logits.softmax());
    if (withLoss) m.loss(nn.softmaxCrossEntropy(logits, m.input("y", [batch], "i32")));
  });
}
