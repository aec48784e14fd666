/**
 * word2vec's two models (seed 001 §1.3.2) as fixed-shape training steps over K "items".
 *
 * word2vec.c updates after every (input vector, output node) pair. Here one training step takes a
 * fixed number K of such items at once (static shapes), packed from the stream in the order
 * word2vec.c visits them (batches.ts), and applies their summed SGD update: within a step every
 * item reads the vectors as they were at the start of the step (like word2vec.c's threads, which
 * read each other's vectors without locks), where word2vec.c's own single thread sees each update
 * before the next item.
 *
 * One item k: an input row x_k (a word vector, or CBOW's mean of context vectors), an output row
 * y_k (an internal node of the Huffman tree for the hierarchical softmax, a word's output vector
 * for negative sampling) and a label t_k ∈ {0, 1} (1 − code bit for the hierarchical softmax;
 * 1 for the true word, 0 for a negative sample). Its loss is the logistic loss
 *
 *   ℓ_k = −log σ(±x_kᵀy_k) = softplus(z_k) − t_k·z_k,   z_k = x_kᵀy_k,
 *
 * whose derivative in z_k is σ(z_k) − t_k. The step's loss is α · Σ_k mask_k · ℓ_k, with α the
 * learning rate at this step (an input: word2vec's linear decay is exact per step) and SGD at
 * learning rate 1, so each item moves y_k by α(t_k − σ(z_k))·x_k and x_k by α(t_k − σ(z_k))·y_k:
 * word2vec.c's g = (1 − code − f)·alpha, `syn1 += g·l1`, `neu1e += g·syn1`.
 *
 * Decisions, as word2vec.c does them:
 * - Hierarchical softmax skips an item whose |z| ≥ MAX_EXP = 6 (word2vec.c's `continue`): the
 *   mask also holds |z| < 6 (a comparison: no gradient flows through it). Negative sampling does
 *   not skip (word2vec.c clamps its exp table there, which is σ's exact limit to 2e-3).
 * - syn0 starts uniform in ±0.5/D, syn1 (and syn1neg) at zero.
 * - CBOW: the input is the mean of the window's context vectors, but each context vector moves by
 *   the whole neu1e, not neu1e / cw (word2vec.c's `syn0[...] += neu1e`). Written as
 *   h = s + stopGradient(s·(1/cw − 1)), with s the sum of the context vectors: the value is the
 *   mean, the gradient reaches every context vector undivided.
 *
 * The tables are used only through `gather` and trained with plain SGD (no L2, no clipping), so
 * that the compiler may update only the gathered rows.
 */
import { init, model, nn, type Tensor } from "../../compiler/index.js";

/** word2vec.c's MAX_EXP: hierarchical-softmax items with |z| at least this are skipped. */
export const MAX_EXP = 6;

export interface Word2vecSize {
  /** Vocabulary size V (rows of syn0). */
  readonly vocab: number;
  /** Vector size D. */
  readonly dim: number;
  /** Items per training step K. */
  readonly items: number;
  /** Hierarchical softmax (syn1: V − 1 internal nodes) or negative sampling (syn1neg: V words). */
  readonly output: "hs" | "negative";
}

export interface CbowSize extends Word2vecSize {
  /** Windows (centre words) per training step P: the items point into them. */
  readonly slots: number;
  /** Context ids per window, 2 · window. */
  readonly contexts: number;
}

/** The output table (syn1 or syn1neg) and the step's loss from the items' input rows. */
function itemsLoss(m: Parameters<Parameters<typeof model>[1]>[0], size: Word2vecSize, x: Tensor): Tensor {
  const { vocab: V, dim: D, items: K } = size;
  const node = m.input("node", [K], "i32"); // output row of each item
  const label = m.input("label", [K]); // t_k: 1 − code bit, or 1/0 for a true/negative word
  const mask = m.input("mask", [K]); // 1 for an item, 0 for padding
  const alpha = m.input("alpha", []); // the learning rate of this step
  const hs = size.output === "hs";
  const out = m.param(hs ? "syn1" : "syn1neg", [hs ? V - 1 : V, D], init.zeros());
  const z = x.mul(out.gather(node)).sum(-1); // [K]
  const used = hs ? mask.mul(z.abs().lt(MAX_EXP).cast("f32")) : mask;
  const perItem = nn.softplus(z).sub(label.mul(z)); // −log σ(±z), stably
  return perItem.mul(used).sum().mul(alpha);
}

/**
 * Skip-gram: item k's input row is syn0[input_k], a context word's vector, and its output row is
 * a node on the centre word's path (word2vec.c's l1 = last_word, point[d] of `word`).
 */
export function skipGram(size: Word2vecSize) {
  const { vocab: V, dim: D, items: K } = size;
  return model(`word2vec-sg-${size.output}`, (m) => {
    const input = m.input("input", [K], "i32");
    const syn0 = m.param("syn0", [V, D], init.uniform(-0.5 / D, 0.5 / D));
    m.loss(itemsLoss(m, size, syn0.gather(input)));
  });
}

/**
 * CBOW: P windows per step, each up to C = 2·window context ids with a 0/1 mask and 1/cw; item k
 * reads the mean vector of window slot_k (word2vec.c's neu1) and a node on that window's centre
 * word's path.
 */
export function cbow(size: CbowSize) {
  const { vocab: V, dim: D, items: K, slots: P, contexts: C } = size;
  return model(`word2vec-cbow-${size.output}`, (m) => {
    const context = m.input("context", [P, C], "i32");
    const present = m.input("present", [P, C]); // 1 for a context word, 0 for padding
    const inverse = m.input("inverse", [P, 1]); // 1 / cw (0 for an unused slot)
    const slot = m.input("slot", [K], "i32"); // the window of each item
    const syn0 = m.param("syn0", [V, D], init.uniform(-0.5 / D, 0.5 / D));
    const sum = syn0
      .gather(context)
      .mul(present.reshape([P, C, 1]))
      .sum(1); // [P, D]
    const mean = sum.add(sum.mul(inverse.sub(1)).stopGradient()); // value: the mean; gradient: undivided
    m.loss(itemsLoss(m, size, mean.gather(slot)));
  });
}
