/**
 * Two linear classifiers of iris flowers (4 standardised features), each defined over its batch
 * size: one module trains on the whole training set (its size is the model's batch) and has a
 * forward entry sized for the test set (compile's `batches`) that reads the same params.
 */
import { init, model, nn } from "../../compiler/index.js";

/**
 * Logistic regression (seed 001 §1.1.2): score s = x·w + b, p(y = +1 | x) = σ(s), trained on the
 * logistic loss log(1 + e^(−y·s)) with labels y ∈ {−1, +1}.
 */
export function logisticRegression(trainBatch: number, features = 4) {
  return model(
    "iris-logistic",
    (m, { batch }) => {
      const x = m.input("x", [batch, features]);
      const w = m.param("w", [features], init.zeros());
      const b = m.param("b", [1], init.zeros());
      const score = x.matmul(w).add(b); // [batch]
      m.output("score", score);
      m.loss(nn.logisticLoss(score, m.input("y", [batch])));
    },
    { batch: trainBatch },
  );
}

/** Softmax regression: logits = x·W + b over `classes`, trained on the cross-entropy. */
export function softmaxClassifier(trainBatch: number, features = 4, classes = 3) {
  return model(
    "iris-softmax",
    (m, { batch }) => {
      const x = m.input("x", [batch, features]);
      const W = m.param("W", [features, classes], init.zeros());
      const b = m.param("b", [classes], init.zeros());
      const logits = x.matmul(W).add(b);
      m.output("probs", logits.softmax());
      m.loss(nn.softmaxCrossEntropy(logits, m.input("y", [batch], "i32")));
    },
    { batch: trainBatch },
  );
}
