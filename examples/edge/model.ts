/**
 * The edge example's model: an MLP classifier of 2-D points, 2 → 16 ReLU → 2 logits, with softmax
 * probabilities and softmax cross-entropy, defined over its batch size. `build.ts` compiles it
 * with Adam at batch 8 (the training step) and with a forward entry at batch 1 (one point per
 * `/predict` request), so one module serves both and both read the same params.
 */
import { model, nn, optim, type CompileOptions } from "../../compiler/index.js";

export const HIDDEN = 16;
export const CLASSES = 2;
export const TRAIN_BATCH = 8;

export const edgeNet = model(
  "edge",
  (m, { batch }) => {
    const x = m.input("x", [batch, 2]);
    const W1 = m.param("W1", [2, HIDDEN]); // Xavier
    const b1 = m.param("b1", [HIDDEN]); // zeros
    const W2 = m.param("W2", [HIDDEN, CLASSES]);
    const b2 = m.param("b2", [CLASSES]);
    const logits = nn.dense(nn.dense(x, W1, b1).relu(), W2, b2);
    m.output("probs", logits.softmax());
    m.loss(nn.softmaxCrossEntropy(logits, m.input("y", [batch], "i32")));
  },
  { batch: TRAIN_BATCH },
);

/** train_step (and forward) at batch 8, and forward_batch_1 for single points. */
export const compileOptions: CompileOptions = {
  optimizer: optim.adam(0.05),
  batches: { forward: [1] },
};

/**
 * A fixed training batch that no line separates (XOR-like: the sign of x0 · x1), what the test
 * posts to `/train`: class 0 where x0 and x1 have the same sign, class 1 where they differ.
 */
export const BATCH = {
  x: [
    [1, 1],
    [-1, -1],
    [0.5, 0.8],
    [-0.7, -0.4],
    [-1, 1],
    [1, -1],
    [-0.6, 0.9],
    [0.8, -0.5],
  ],
  y: [0, 0, 0, 0, 1, 1, 1, 1],
};

export default edgeNet;
