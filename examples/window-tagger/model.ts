/**
 * The window tagger: the window model of seed 004 §1 (a window of word vectors, a hidden layer, a
 * score), with one score per tag instead of one score per window, as in Collobert et al. (2011)'s
 * window approach:
 *
 *   x = [L(w_{t−2}), …, L(w_{t+2}), E_f(f_{t−2}), …, E_f(f_{t+2}) for each feature f
 *        (, maxpool_letters(conv1d(A(letters of w_{t−2}))), …)]
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
 * Dropout (keep < 1) on a, keyed by the i32 input `seed` (the step number). The features (the
 * tagger's affixes, shape and case: data.ts) are inputs named as in `features`, each with its
 * table `E_<name>`; the letter convolution (LetterConvolution) is optional.
 */
import { init, model, nn, type Model } from "../../compiler/index.js";

export type Objective = "margin" | "softmax";

/** An i32 input of one id per window position, with an embedding table of its own. */
export interface FeatureInput {
  /** The input's name; the table is the param `E_<name>`. */
  readonly name: string;
  /** The number of ids. */
  readonly size: number;
  /** The embedding size. */
  readonly embed: number;
}

/**
 * The i32 input `letters` [B, window · length] (each position's `length` letter ids), embedded
 * (`embed` each), convolved with `filters` filters of `width` letters and max-pooled over the
 * letters: `filters` features per word position, learned from spelling like the suffixes but
 * not limited to fixed affixes.
 */
export interface LetterConvolution {
  readonly size: number;
  readonly length: number;
  readonly embed: number;
  readonly width: number;
  readonly filters: number;
}

export interface TaggerOptions {
  readonly vocab: number;
  readonly window: number;
  readonly embed: number;
  /** The other features of each window position (spelling, case), concatenated after the words. */
  readonly features: readonly FeatureInput[];
  /** A character-level convolution over each word's letters (Santos and Zadrozny 2014), if given. */
  readonly letters?: LetterConvolution;
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
      const parts = [L.gather(words).reshape([B, N * M])];
      let width = N * M;
      for (const f of o.features) {
        const ids = m.input(f.name, [B, N], "i32");
        const E = m.param(`E_${f.name}`, [f.size, f.embed], init.normal(0.1));
        parts.push(E.gather(ids).reshape([B, N * f.embed]));
        width += N * f.embed;
      }
      if (o.letters) {
        const { size, length: C, embed: dc, width: h, filters: F } = o.letters;
        const letters = m.input("letters", [B, N * C], "i32");
        const A = m.param("A", [size, dc], init.normal(0.1));
        const Wc = m.param("Wc", [h, dc, F]); // Xavier
        const bc = m.param("bc", [F], init.zeros());
        const e = A.gather(letters).reshape([B * N, C, dc]);
        parts.push(nn.maxOverTime(nn.conv1d(e, Wc, bc)).reshape([B, N * F]));
        width += N * F;
      }
      const x = parts.length > 1 ? nn.concat(parts, 1) : parts[0]!;
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
