/**
 * A character-level Elman RNN language model (seed 001 §2.1, seed 002's chain RNN):
 *
 *   h_t = tanh(E[x_t] + b_h + h_{t−1} · W_h)      E[x_t]: row x_t of the embedding, i.e. W_i · onehot(x_t)
 *   p(x_{t+1} | x_1..x_t) = softmax(h_t · W_y + b_y)
 *
 * over T steps of B parallel streams of text. h_0 is the model state `h`: the final hidden state of
 * the previous window (truncated BPTT), a constant within this window, written back after it.
 *
 * Only what depends on the carry is inside the scan: the recurrent matmul h·W_h and the tanh. The
 * input projection of every step is one gather (plus bias) over the whole [T, B] window before the
 * loop, and the output projection one batched matmul [T, B, H] · [H, V] after it.
 *
 * The model is defined over its unroll length and batch (`steps`, `batch`), so that one module
 * holds every entry the example needs, all reading the same params (compile's `batches`):
 *   - train_step at the training window (mean cross-entropy over it, input `y` = next characters);
 *   - forward at the evaluation window: `nll`, the per-position cross-entropy (padding positions
 *     are skipped in JS), and the logits;
 *   - forward at steps = 1, batch = 1: the sampler, driven one character at a time from JS, with
 *     its own hidden state.
 */
import { model, nn } from "../../compiler/index.js";

export interface CharRnnSize {
  /** Alphabet size V. */
  readonly vocab: number;
  /** Hidden units H. */
  readonly hidden: number;
  /** Unroll length T: characters per stream per call, of the main entries. */
  readonly steps: number;
  /** Parallel streams B, of the main entries. */
  readonly batch: number;
}

export function charRnn(size: CharRnnSize) {
  const { vocab: V, hidden: H } = size;
  return model(
    "char-rnn",
    (m, { steps: T, batch: B }) => {
      const x = m.input("x", [T, B], "i32"); // character ids, time-major
      const E = m.param("E", [V, H]); // input weights W_i, one row per character (Xavier)
      const Wh = m.param("Wh", [H, H]); // recurrent weights (Xavier: spectral radius about 1)
      const bh = m.param("bh", [H]);
      const Wy = m.param("Wy", [H, V]);
      const by = m.param("by", [V]);
      const h0 = m.state("h", [B, H]); // the previous window's last hidden state

      const inputs = E.gather(x).add(bh); // [T, B, H]: every step's input projection, before the loop
      const {
        carry: [hLast],
        ys: [hs],
      } = m.scan({ init: [h0], xs: [inputs] }, ([h], [u]) => {
        const next = u!.add(h!.matmul(Wh)).tanh();
        return { carry: [next], ys: [next] };
      });
      m.setState(h0, hLast!);
      const logits = hs!.matmul(Wy).add(by); // [T, B, V]: one batched matmul after the loop

      const y = m.input("y", [T, B], "i32"); // the next character at every position
      m.output("logits", logits);
      m.output("nll", nn.softmaxCrossEntropy(logits, y, { reduction: "none" }));
      m.loss(nn.softmaxCrossEntropy(logits, y));
    },
    { steps: size.steps, batch: size.batch },
  );
}
