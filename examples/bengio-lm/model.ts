/**
 * Bengio et al. (2003)'s feedforward neural language model (seed 001 §1.3, eq. 3): the n − 1
 * previous words, looked up in one shared embedding table C, concatenated, a tanh hidden layer,
 * and a distribution over the vocabulary for the next word:
 *
 *   x = [C(w_{t−4}), C(w_{t−3}), C(w_{t−2}), C(w_{t−1})]        [B, (n−1)·m]
 *   h = tanh(x · H + d)                                        [B, hidden]   (dropout in training)
 *   full softmax:          p(· | context) = softmax(h · U + b (+ x · W))
 *   class-factored:        p(w | context) = softmax(h · Wc + bc)[class(w)] · softmax_K(h · Ww[class(w)] + bw)[slot(w)]
 *   hierarchical softmax:  p(w | context) = Π_j σ(±(h · Y_j + c_j (+ x · Z_j)))
 *
 * - `output: "softmax"` is the paper's output layer, O(V · hidden) per word: on this machine some
 *   hundreds of words per second, so an epoch of Brown takes over an hour.
 * - `output: "classes"` (the default) factors the softmax through word classes (Goodman 2001,
 *   Mikolov et al. 2011): K = ⌈√V⌉ words a class by frequency rank (ids run by falling count),
 *   ⌈V / K⌉ classes; a word's probability is its class's (a softmax over the classes) times its
 *   own within the class (a softmax over the class's K words). O(2√V · hidden) per word. The
 *   class of each word, its slot in the class and a −1e4 bias on the slots of the last class past
 *   V (so they get no mass) are constant inputs, gathered by the target id in the module.
 * - `output: "hsm"` is the hierarchical softmax over the Huffman tree of the
 *   training counts (seed 001 §1.3.2, examples/lib/huffman.ts): each internal node j of the
 *   target word's path, root first, has an output vector Y_j (and bias c_j), and the code bit
 *   says which child the path takes (bit 0: σ(+s), bit 1: σ(−s)); σ(s) + σ(−s) = 1 at every split,
 *   so the V leaf probabilities sum to 1. O(log V · hidden) per word. Paths are padded to the
 *   longest code (18 on Brown) with sign 0, and padded steps are masked out of the sum.
 *   The tree is two constant inputs, `pathNodes` [V, L] (i32) and `pathSigns` [V, L] (±1, 0 for
 *   padding), gathered by the target id inside the module, so the caller writes only
 *   `context` and `next` per batch (the tables once per entry).
 * - `direct: true` adds the paper's direct connections from the input to the output: W [(n−1)m, V]
 *   with the full softmax, per internal node a vector Z_j [(n−1)m] with the Huffman tree, and
 *   Wdc [(n−1)m, classes] and per word a vector Zw [(n−1)m] with the classes.
 *
 * Outputs: `logp`, log p(next | context) of each example (what perplexity needs, and the mixture
 * with the trigram: cheaper than the whole distribution), and the loss, the mean of −logp.
 * Dropout on h keys its mask by the i32 input `seed` (the step number); forward entries evaluate
 * (no dropout, `seed` not read).
 */
import { init, model, nn, type Model } from "../../compiler/index.js";
import type { HuffmanTree } from "../lib/huffman.js";

export type OutputLayer = "hsm" | "classes" | "softmax";

export interface BengioLmOptions {
  /** Vocabulary size V. */
  readonly vocab: number;
  /** Context words n − 1 (4: the paper's n = 5). */
  readonly context: number;
  /** Embedding size m. */
  readonly embed: number;
  /** Hidden units. */
  readonly hidden: number;
  readonly output: OutputLayer;
  /** Direct input-to-output connections. */
  readonly direct: boolean;
  /** Keep probability of dropout on the hidden layer (1: none). */
  readonly keep: number;
  /** Keep probability of dropout on the concatenated context embeddings x (1: none). */
  readonly inputKeep?: number;
  /** Minibatch size of the training entry. */
  readonly batch: number;
  /** The longest Huffman code (with `output: "hsm"`). */
  readonly pathLength?: number;
}

export function bengioLm(o: BengioLmOptions): Model {
  const { vocab: V, context: N, embed: M, hidden: Hd } = o;
  if (o.output === "hsm" && !(o.pathLength && o.pathLength > 0))
    throw new Error("bengioLm: the hierarchical softmax needs pathLength (the Huffman tree's maxLength)");
  return model(
    "bengio-lm",
    (m, { batch: B }) => {
      const context = m.input("context", [B, N], "i32"); // the previous n − 1 words, oldest first
      const next = m.input("next", [B], "i32");
      const C = m.param("C", [V, M], init.normal(0.1)); // the shared embedding table
      const H = m.param("H", [N * M, Hd]); // Xavier
      const d = m.param("d", [Hd]);
      const seed = o.keep < 1 || (o.inputKeep ?? 1) < 1 ? m.input("seed", [], "i32") : undefined;
      let x = C.gather(context).reshape([B, N * M]);
      if ((o.inputKeep ?? 1) < 1) x = nn.dropout(x, o.inputKeep!, seed!);
      let h = x.matmul(H).add(d).tanh();
      if (o.keep < 1) h = nn.dropout(h, o.keep, seed!);
      let logp;
      if (o.output === "softmax") {
        const U = m.param("U", [Hd, V]);
        const b = m.param("b", [V]);
        let logits = h.matmul(U).add(b);
        if (o.direct) logits = logits.add(x.matmul(m.param("W", [N * M, V], init.zeros())));
        logp = nn.softmaxCrossEntropy(logits, next, { reduction: "none" }).neg();
      } else if (o.output === "classes") {
        const [Cn, K] = classShape(V);
        const wordClass = m.input("wordClass", [V], "i32"); // w ↦ ⌊w / K⌋
        const wordSlot = m.input("wordSlot", [V], "i32"); // w ↦ w mod K
        const padBias = m.input("padBias", [Cn, K]); // 0, or −1e4 for the slots past the last word
        const Wc = m.param("Wc", [Hd, Cn]);
        const bc = m.param("bc", [Cn]);
        const Ww = m.param("Ww", [Cn, K, Hd], init.zeros()); // output vector of each word, by class
        const bw = m.param("bw", [Cn, K]);
        const cls = wordClass.gather(next); // [B]
        let classLogits = h.matmul(Wc).add(bc);
        // h · Ww[w] for the K words of the target's class: [B, K, Hd] · [B, Hd, 1]
        let wordLogits = Ww.gather(cls)
          .matmul(h.reshape([B, Hd, 1]))
          .reshape([B, K])
          .add(bw.gather(cls))
          .add(padBias.gather(cls));
        if (o.direct) {
          classLogits = classLogits.add(x.matmul(m.param("Wdc", [N * M, Cn], init.zeros())));
          const Zw = m.param("Zw", [Cn, K, N * M], init.zeros());
          wordLogits = wordLogits.add(
            Zw.gather(cls)
              .matmul(x.reshape([B, N * M, 1]))
              .reshape([B, K]),
          );
        }
        logp = nn
          .softmaxCrossEntropy(classLogits, cls, { reduction: "none" })
          .add(nn.softmaxCrossEntropy(wordLogits, wordSlot.gather(next), { reduction: "none" }))
          .neg();
      } else {
        const L = o.pathLength!;
        const pathNodes = m.input("pathNodes", [V, L], "i32"); // internal nodes, root first
        const pathSigns = m.input("pathSigns", [V, L]); // +1 (bit 0), −1 (bit 1), 0 (padding)
        const Y = m.param("Y", [V - 1, Hd], init.zeros()); // output vector of each internal node
        const c = m.param("c", [V - 1], init.zeros());
        const nodes = pathNodes.gather(next); // [B, L]
        const signs = pathSigns.gather(next); // [B, L]
        // h · Y_j for the L nodes of each example's path: [B, L, Hd] · [B, Hd, 1]
        let scores = Y.gather(nodes)
          .matmul(h.reshape([B, Hd, 1]))
          .reshape([B, L])
          .add(c.gather(nodes));
        if (o.direct) {
          const Z = m.param("Z", [V - 1, N * M], init.zeros());
          scores = scores.add(
            Z.gather(nodes)
              .matmul(x.reshape([B, N * M, 1]))
              .reshape([B, L]),
          );
        }
        const used = signs.ne(0).cast("f32");
        logp = nn.logSigmoid(signs.mul(scores)).mul(used).sum(-1); // [B]
      }
      m.output("logp", logp);
      m.loss(logp.mean().neg());
    },
    { batch: o.batch },
  );
}

/** The Huffman paths as the model's `pathNodes` / `pathSigns` inputs: [V, L] row-major. */
export function pathTables(tree: HuffmanTree): { nodes: Int32Array; signs: Float32Array; length: number } {
  const V = tree.leaves;
  const L = tree.maxLength;
  const nodes = new Int32Array(V * L);
  const signs = new Float32Array(V * L);
  for (let w = 0; w < V; w++) {
    const points = tree.points[w]!;
    const codes = tree.codes[w]!;
    for (let j = 0; j < points.length; j++) {
      nodes[w * L + j] = points[j]!;
      signs[w * L + j] = codes[j] === 1 ? -1 : 1;
    }
  }
  return { nodes, signs, length: L };
}

/**
 * The word classes of `output: "classes"`: K = ⌈√V⌉ words a class, ⌈V / K⌉ classes, by id (ids
 * run by falling training count, so class 0 holds the K most frequent words).
 */
export function classShape(V: number): [classes: number, size: number] {
  const K = Math.ceil(Math.sqrt(V));
  return [Math.ceil(V / K), K];
}

/** The model's `wordClass`, `wordSlot` and `padBias` inputs for `output: "classes"`. */
export function classTables(V: number): {
  wordClass: Int32Array;
  wordSlot: Int32Array;
  padBias: Float32Array;
} {
  const [Cn, K] = classShape(V);
  const wordClass = new Int32Array(V);
  const wordSlot = new Int32Array(V);
  for (let w = 0; w < V; w++) {
    wordClass[w] = Math.floor(w / K);
    wordSlot[w] = w % K;
  }
  const padBias = new Float32Array(Cn * K);
  for (let j = V; j < Cn * K; j++) padBias[j] = -1e4; // exp(−1e4 − max) = 0 in f32: no mass
  return { wordClass, wordSlot, padBias };
}
