/**
 * The two classifiers of examples/cnn-text, each one wasmgrad model (one module each).
 *
 * The CNN (Kim 2014's "CNN-rand"; seed 002's 1-D convolution, seed 004's dropout and L2):
 *
 *   E   = C[tokens] · mask                         [B, T, d]    (PAD rows zeroed by the mask)
 *   c_h = relu(conv1d(E, W_h) + b_h)               [B, T−h+1, F] for each width h in `widths`
 *   z   = [max_t c_h, mean_t c_h for each h]       [B, 2·|widths|·F] (pool "max-mean", the
 *         default of train.ts; pool "max" is Kim's max-over-time alone, [B, |widths|·F])
 *   logits = dropout(z, keep) · U + u              [B, classes]
 *   loss = mean cross-entropy + λ/2 · (Σ‖W_h‖² + ‖U‖²)
 *
 * Width-1 filters are per-word features; with mean pooling they see how often kinds of words
 * occur, which max-over-time alone (did a filter fire anywhere?) cannot express and which is what
 * the bag-of-words baseline lives on. The rest stays Kim's: convolution over the embeddings,
 * pooling over time, dropout, softmax; no bag-of-words input.
 *
 * The embedding table C is learned (random init, or skip-gram vectors loaded by train.ts) and is
 * not in the L2 term; biases are not either (seed 004 §2.2). `embedKeep` < 1 also drops
 * embedding entries (keyed by the same `seed` input, another salt).
 *
 * The baseline: multinomial logistic (softmax) regression on bag-of-words features x [B, V]
 * (log(1 + count) per vocabulary word, data.ts `bagOfWords`), logits = x · W + w0, loss = mean
 * cross-entropy + λ/2 · ‖W‖². A different model (linear in the word counts, blind to word order),
 * trained by the same optimizer in the same process.
 */
import { init, model, nn, type Model, type Tensor } from "../../compiler/index.js";

export interface CnnTextOptions {
  /** Vocabulary size V (UNK included); the table has V + 1 rows, PAD = V. */
  readonly vocab: number;
  /** Passage length T. */
  readonly length: number;
  readonly classes: number;
  /** Embedding size d. */
  readonly embed: number;
  /** Filter widths (window sizes h). */
  readonly widths: readonly number[];
  /** Filters per width F. */
  readonly filters: number;
  /**
   * Pooling over time of each feature map: `max` (Kim's max-over-time: whether a filter's n-gram
   * occurs anywhere) or `max-mean` (max and mean concatenated: the mean also says how often it
   * occurs, the frequency information a bag-of-words model lives on). Default `max`.
   */
  readonly pool?: Pooling;
  /** Keep probability of dropout on the pooled features (1: none). */
  readonly keep: number;
  /** Keep probability of dropout on the embeddings (1: none). */
  readonly embedKeep: number;
  /** λ of the L2 penalty λ/2 · Σ w² on the filters and the output weights. */
  readonly l2: number;
  readonly batch: number;
}

export type Pooling = "max" | "max-mean";

/**
 * Pools a feature map c [B, T', F] over time (axis −2) into [B, F] (max) or [B, 2F] (max, then
 * mean). The mean runs over all T' positions, PAD ones included: only a file's last passage is
 * padded, and there a PAD window contributes relu(b), the same for every passage.
 */
export function poolOverTime(c: Tensor, pool: Pooling): Tensor {
  const max = nn.maxOverTime(c);
  return pool === "max" ? max : nn.concat([max, c.mean(-2)], -1);
}

/** Pooled features per filter: 1 for max, 2 for max-mean. */
export const poolWidth = (pool: Pooling): number => (pool === "max" ? 1 : 2);

export function cnnText(o: CnnTextOptions): Model {
  const { vocab: V, length: T, embed: d, filters: F, classes: K } = o;
  const pool = o.pool ?? "max";
  return model(
    "cnn-text",
    (m, { batch: B }) => {
      const tokens = m.input("tokens", [B, T], "i32");
      const labels = m.input("labels", [B], "i32");
      const dropping = o.keep < 1 || o.embedKeep < 1;
      const seed = dropping ? m.input("seed", [], "i32") : undefined;
      const C = m.param("C", [V + 1, d], init.normal(0.1));
      const mask = tokens.ne(V).cast("f32").reshape([B, T, 1]);
      let E = C.gather(tokens).mul(mask);
      if (o.embedKeep < 1) E = nn.dropout(E, o.embedKeep, seed!, 1);
      const weights = [];
      const pooled = [];
      for (const h of o.widths) {
        const W = m.param(`W${h}`, [h, d, F]); // Xavier
        const b = m.param(`b${h}`, [F], init.zeros());
        weights.push(W);
        pooled.push(poolOverTime(nn.conv1d(E, W, b).relu(), pool)); // [B, F] or [B, 2F]
      }
      let z = pooled.length === 1 ? pooled[0]! : nn.concat(pooled, -1);
      if (o.keep < 1) z = nn.dropout(z, o.keep, seed!, 2);
      const U = m.param("U", [o.widths.length * F * poolWidth(pool), K]);
      const u = m.param("u", [K], init.zeros());
      const logits = nn.dense(z, U, u);
      m.output("logits", logits);
      const xent = nn.softmaxCrossEntropy(logits, labels);
      m.loss(o.l2 > 0 ? xent.add(nn.l2Penalty(...weights, U).mul(o.l2 / 2)) : xent);
    },
    { batch: o.batch },
  );
}

export interface BowLogisticOptions {
  /** Features per example (the vocabulary size V). */
  readonly vocab: number;
  readonly classes: number;
  /** λ of the L2 penalty λ/2 · ‖W‖². */
  readonly l2: number;
  readonly batch: number;
}

export function bowLogistic(o: BowLogisticOptions): Model {
  return model(
    "bow-logistic",
    (m, { batch: B }) => {
      const x = m.input("x", [B, o.vocab]);
      const labels = m.input("labels", [B], "i32");
      const W = m.param("W", [o.vocab, o.classes], init.zeros());
      const w0 = m.param("w0", [o.classes], init.zeros());
      const logits = nn.dense(x, W, w0);
      m.output("logits", logits);
      const xent = nn.softmaxCrossEntropy(logits, labels);
      m.loss(o.l2 > 0 ? xent.add(nn.l2Penalty(W).mul(o.l2 / 2)) : xent);
    },
    { batch: o.batch },
  );
}
