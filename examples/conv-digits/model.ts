/**
 * A LeNet-sized convolutional network (seed 002: convolution in two dimensions, pooling) for the
 * 16×16 digit images of data.ts, in PyTorch's layout:
 *
 *   x [B, 1, 16, 16] → conv 5×5, 6 filters, padding 2 → relu → max pool 2 → [B, 6, 8, 8]
 *     → conv 5×5, 16 filters → relu → max pool 2 → [B, 16, 2, 2] → 64 → dense 10 → softmax
 */
import { init, model, nn } from "../../compiler/index.js";
import { CLASSES, SIZE } from "./data.js";

export const FILTERS1 = 6;
export const FILTERS2 = 16;

/** Defined over the batch size, so that one module also holds a larger evaluation entry. */
export function lenet(trainBatch: number) {
  return model(
    "lenet-digits",
    (m, { batch }) => {
      const x = m.input("x", [batch, 1, SIZE, SIZE]);
      const y = m.input("y", [batch], "i32");
      // He-style scale for relu layers: std = sqrt(2 / fan in)
      const w1 = m.param("w1", [FILTERS1, 1, 5, 5], init.normal(Math.sqrt(2 / 25)));
      const b1 = m.param("b1", [FILTERS1]);
      const w2 = m.param("w2", [FILTERS2, FILTERS1, 5, 5], init.normal(Math.sqrt(2 / (25 * FILTERS1))));
      const b2 = m.param("b2", [FILTERS2]);
      const w3 = m.param("w3", [FILTERS2 * 4, CLASSES]);
      const b3 = m.param("b3", [CLASSES]);
      const h1 = nn.maxPool2d(nn.conv2d(x, w1, b1, { padding: 2 }).relu(), 2);
      const h2 = nn.maxPool2d(nn.conv2d(h1, w2, b2).relu(), 2);
      const logits = nn.dense(h2.reshape([batch, FILTERS2 * 4]), w3, b3);
      m.output("logits", logits);
      m.loss(nn.softmaxCrossEntropy(logits, y));
    },
    { batch: trainBatch },
  );
}
