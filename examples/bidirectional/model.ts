/**
 * Sequence taggers over [T, B] digit ids, time-major. Both embed each digit (the input projection
 * of every step is one gather before the loop) and read the per-step hidden states out with one
 * batched matmul after it; only h·W_h and the tanh run inside the loop.
 *
 *   "uni": one left-to-right Elman RNN (seed 002's chain RNN) of 2·HIDDEN units:
 *            h_t = tanh(E[x_t] + b + h_{t−1} W_h),                y_t = softmax(h_t W_o + b_o)
 *   "bi":  two RNNs of HIDDEN units, one over t = 0..T−1 and one over t = T−1..0
 *          (`m.scan({ reverse: true })`), concatenated per step (seed 002's bi-directional RNN):
 *            →h_t = tanh(→E[x_t] + →b + →h_{t−1} →W_h)
 *            ←h_t = tanh(←E[x_t] + ←b + ←h_{t+1} ←W_h),           y_t = softmax([→h_t, ←h_t] W_o + b_o)
 *
 * Both feed the same number of features (2·HIDDEN) to the output layer. Each sequence starts from
 * a zero state (a constant; nothing is carried between calls).
 */
import { model, nn, type Model, type Tensor } from "../../compiler/index.js";
import { DIGITS, LENGTH } from "./data.js";

export const HIDDEN = 32;
export type Direction = "uni" | "bi";

export function tagger(direction: Direction, batch: number, withLoss = true): Model {
  return model(`tagger-${direction}`, (m) => {
    const x = m.input("x", [LENGTH, batch], "i32");
    /** One Elman RNN over the sequence; its hidden state at every step, [T, B, hidden]. */
    const rnn = (prefix: string, hidden: number, reverse: boolean): Tensor => {
      const E = m.param(`${prefix}E`, [DIGITS, hidden]);
      const Wh = m.param(`${prefix}Wh`, [hidden, hidden]);
      const b = m.param(`${prefix}b`, [hidden]);
      const inputs = E.gather(x).add(b); // [T, B, hidden], before the loop
      const h0 = m.constant(0, [batch, hidden]);
      const { ys } = m.scan({ init: [h0], xs: [inputs], reverse }, ([h], [u]) => {
        const next = u!.add(h!.matmul(Wh)).tanh();
        return { carry: [next], ys: [next] };
      });
      return ys[0]!;
    };
    const features =
      direction === "bi"
        ? nn.concat([rnn("fwd.", HIDDEN, false), rnn("bwd.", HIDDEN, true)], -1) // [T, B, 2·HIDDEN]
        : rnn("fwd.", 2 * HIDDEN, false);
    const Wo = m.param("Wo", [2 * HIDDEN, 2]);
    const bo = m.param("bo", [2]);
    const logits = features.matmul(Wo).add(bo); // [T, B, 2]
    m.output("logits", logits);
    if (withLoss) m.loss(nn.softmaxCrossEntropy(logits, m.input("y", [LENGTH, batch], "i32")));
  });
}
