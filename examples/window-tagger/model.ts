/**
 * The window tagger: the window model of seed 004 §1 (a window of word vectors, a hidden layer, a
 * score), with one score per tag instead of one score per window, as in Collobert et al. (2011)'s
 * window approach:
 *
 *   x = [L(w_{t−2}), …, L(w_{t+2}) (, S(suf_{t−2}), …, S(suf_{t+2}), C(case_{t−2}), …)]
 *   a = hardtanh(x · W + b)                                             [B, hidden]
 *   s = a · U + c                                                       [B, 12]: s_k, the score of tag k
 *
 * Two objectives, each its own module:
 * - `margin` (the seed's max-margin objective, multi-class): the corrupt window of seed 004 is
 *   here the same window with a wrong tag, the best-scoring one (Crammer and Singer 2001):
 *   J = max(0, 1 − s_y + max_{k≠y} s_k), averaged over the batch (nn.hingeLoss with the true
 *   tag's score and the best wrong score; the wrong tags' max is taken with the true tag's score
 *   pushed down by 1e4, so that it is never the max);
 * - `softmax`: the cross-entropy of softmax(s) (nn.softmaxCrossEntropy), for comparison.
 * Either way the tag predicted is argmax_k s_k: the `scores` output of the forward entry.
 * Dropout (keep < 1) on a, keyed by the i32 input `seed` (the step number).
 */
import { init, model, nn, type Model } from "../../compiler/index.js";

export type Objective = "margin" | "softmax";

export interface TaggerOptions {
  readonly vocab: number;
  readonly window: number;
  readonly embed: number;
  /** Suffix vocabulary (0: no suffix feature). */
  readonly suffixes: number;
  readonly suffixEmbed: number;
  /** Size of the case embedding (0: no case feature; 5 case classes, 0 the padding). */
  readonly caseEmbed?: number;
  readonly hidden: number;
  readonly tags: number;
  readonly objective: Objective;
  readonly keep: number;
  readonly batch: number;
}

export function windowTagger(o: TaggerOptions): Model {
  const { vocab: V, window: N, embed: M, hidden: Hd, tags: K } = o;
  return model(
    `window-tagger-${o.objective}`,
    (m, { batch: B }) => {
      const words = m.input("words", [B, N], "i32");
      const tags = m.input("tags", [B], "i32");
      const L = m.param("L", [V, M], init.normal(0.1));
      let x = L.gather(words).reshape([B, N * M]);
      let width = N * M;
      if (o.suffixes > 0) {
        const suffixes = m.input("suffixes", [B, N], "i32");
        const S = m.param("S", [o.suffixes, o.suffixEmbed], init.normal(0.1));
        x = nn.concat([x, S.gather(suffixes).reshape([B, N * o.suffixEmbed])], 1);
        width += N * o.suffixEmbed;
      }
      const CE = o.caseEmbed ?? 0;
      if (CE > 0) {
        const cases = m.input("cases", [B, N], "i32");
        const Cs = m.param("Cs", [5, CE], init.normal(0.1));
        x = nn.concat([x, Cs.gather(cases).reshape([B, N * CE])], 1);
        width += N * CE;
      }
      const W = m.param("W", [width, Hd]); // Xavier
      const b = m.param("b", [Hd]);
      let a = nn.dense(x, W, b).hardTanh();
      if (o.keep < 1) a = nn.dropout(a, o.keep, m.input("seed", [], "i32"));
      const U = m.param("U", [Hd, K]);
      const c = m.param("c", [K]);
      const s = nn.dense(a, U, c);
      m.output("scores", s);
      if (o.objective === "softmax") {
        m.loss(nn.softmaxCrossEntropy(s, tags));
      } else {
        const truth = nn.oneHot(tags, K); // [B, K]
        const sy = s.mul(truth).sum(-1); // the true tag's score
        const bestWrong = s.sub(truth.mul(1e4)).max(-1); // the best wrong tag's score
        m.loss(nn.hingeLoss(sy, bestWrong, { margin: 1 }));
      }
    },
    { batch: o.batch },
  );
}
