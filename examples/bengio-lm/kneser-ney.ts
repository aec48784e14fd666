/**
 * An interpolated Kneser-Ney trigram language model (Kneser & Ney 1995; the interpolated form of
 * Chen & Goodman 1998, §3.5), the baseline of the Bengio LM example. Plainly written: counts in
 * Maps keyed by the n-gram's ids packed into one number (ids < 2^17, so a trigram key is below
 * 2^51, exact in a double).
 *
 * With D_k the discount of order k, c(·) training counts and N1+(·) numbers of distinct types:
 *
 *   P3(w | u v) = max(c(u v w) − D3, 0) / c(u v ·) + D3 · N1+(u v ·) / c(u v ·) · P2(w | v)
 *   P2(w | v)   = max(N1+(· v w) − D2, 0) / N1+(· v ·) + D2 · N1+(v ·)' / N1+(· v ·) · P1(w)
 *   P1(w)       = max(N1+(· w) − D1, 0) / N1+(· ·) + D1 · N1+(·)' / N1+(· ·) · 1 / V
 *
 * - The top order uses counts; the lower orders use continuation counts: N1+(· v w) is the number
 *   of distinct words u seen before the bigram v w (in a trigram u v w), N1+(· w) the number of
 *   distinct words v seen before w (in a bigram v w). The backoff weight's N1+(v ·)' counts the
 *   distinct w with N1+(· v w) > 0, and N1+(·)' the words with N1+(· w) > 0: each discount taken
 *   from a seen type is given to the lower order, so every level sums to 1 over the vocabulary.
 * - A context never seen at an order (c(u v ·) = 0, or N1+(· v ·) = 0) gives the whole mass to
 *   the lower order. The unigram level is interpolated with the uniform distribution over the V
 *   words, so every word of the vocabulary (UNK included, as an ordinary word) gets p > 0.
 * - One discount per order, D_k = n1 / (n1 + 2 n2) (Ney, Essen & Kneser 1994), with n1 and n2
 *   the numbers of order-k types whose count (the continuation count below the top order) is 1
 *   and 2. `discounts: "modified"` gives Chen & Goodman's modified form instead: three discounts
 *   per order, D(1), D(2), D(3+) = 1 − 2Y n2/n1, 2 − 3Y n3/n2, 3 − 4Y n4/n3 with Y = n1/(n1 + 2 n2),
 *   and the backoff weight γ = (D(1) N1(ctx ·) + D(2) N2(ctx ·) + D(3+) N3+(ctx ·)) / total.
 *
 * On Bengio's split of Brown (13,189 words, data.ts) the single-discount model scores 224.3
 * validation and 213.1 test perplexity (D1 0.189, D2 0.726, D3 0.863), the modified one 217.8
 * and 207.3; the example uses the single one (the about 221 is a little above either).
 *
 * Training counts come from the training stream as one sequence: every trigram u v w of
 * consecutive words (and every bigram v w) is counted once per occurrence; no sentence-boundary or
 * start symbol is added (the word stream of examples/lib/brown.ts has none).
 */

export type Discounting = "single" | "modified";

export interface KneserNeyOptions {
  /** "single" (default): one discount per order; "modified": three per order (see the header). */
  readonly discounts?: Discounting;
}

/** A trained model: `prob(u, v, w)` = P(w | u v). */
export interface KneserNeyTrigram {
  readonly vocabSize: number;
  readonly discounting: Discounting;
  /** Per order (1, 2, 3): the discounts applied to types of count 1, 2 and 3 or more. */
  readonly discounts: readonly [Discount3, Discount3, Discount3];
  /** P(w | u v) for ids in [0, V). */
  prob(u: number, v: number, w: number): number;
  /** P_KN of the interpolated unigram level, P1(w). */
  unigram(w: number): number;
}

/** The discount of a type of count 1, 2 and 3 or more. */
export type Discount3 = readonly [number, number, number];

/** Context statistics at one order: the total, and the types with count 1, 2 and 3+. */
interface ContextStats {
  total: number;
  n1: number;
  n2: number;
  n3: number;
}

const BITS = 2 ** 17;

/** Trains the trigram on a stream of word ids in [0, vocabSize). */
export function kneserNeyTrigram(
  ids: ArrayLike<number>,
  vocabSize: number,
  options: KneserNeyOptions = {},
): KneserNeyTrigram {
  const V = vocabSize;
  const discounting = options.discounts ?? "single";
  if (discounting !== "single" && discounting !== "modified")
    throw new Error(`kneserNeyTrigram: discounts must be "single" or "modified", got ${String(discounting)}`);
  if (!(Number.isInteger(V) && V > 0 && V < BITS))
    throw new Error(`kneserNeyTrigram: the vocabulary size must be an integer in [1, ${BITS}), got ${V}`);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(Number.isInteger(id) && id >= 0 && id < V))
      throw new Error(`kneserNeyTrigram: word ${i} has id ${id}, outside [0, ${V})`);
  }
  if (ids.length < 3) throw new Error(`kneserNeyTrigram: ${ids.length} training words, at least 3 needed`);

  // ---- counts ----
  const tri = new Map<number, number>(); // c(u v w), key (u·2^17 + v)·2^17 + w
  for (let i = 2; i < ids.length; i++) {
    const key = (ids[i - 2]! * BITS + ids[i - 1]!) * BITS + ids[i]!;
    tri.set(key, (tri.get(key) ?? 0) + 1);
  }
  const bigramTypes = new Set<number>(); // v w seen as a bigram, key v·2^17 + w
  for (let i = 1; i < ids.length; i++) bigramTypes.add(ids[i - 1]! * BITS + ids[i]!);
  const cont2 = new Map<number, number>(); // N1+(· v w), key v·2^17 + w
  for (const key of tri.keys()) {
    const vw = key % (BITS * BITS);
    cont2.set(vw, (cont2.get(vw) ?? 0) + 1);
  }
  const cont1 = new Float64Array(V); // N1+(· w)
  for (const vw of bigramTypes) cont1[vw % BITS]!++;

  // ---- discounts: from the count-of-counts of each order's (continuation) counts ----
  const countOfCounts = (values: Iterable<number>): number[] => {
    const n = [0, 0, 0, 0, 0];
    for (const c of values) if (c >= 1 && c <= 4) n[c]!++;
    return n;
  };
  const discountsOf = (values: Iterable<number>, order: number): Discount3 => {
    const n = countOfCounts(values);
    if (n[1]! === 0 || n[2]! === 0)
      throw new Error(
        `kneserNeyTrigram: too little data to estimate the order-${order} discount ` +
          `(${n[1]} types seen once, ${n[2]} twice)`,
      );
    const Y = n[1]! / (n[1]! + 2 * n[2]!);
    if (discounting === "single") return [Y, Y, Y];
    const d = (k: number) => Math.max(0, k - (k + 1) * Y * (n[k + 1]! / n[k]!));
    return [d(1), d(2), n[3]! > 0 ? d(3) : d(2)];
  };
  const D3 = discountsOf(tri.values(), 3);
  const D2 = discountsOf(cont2.values(), 2);
  const D1 = discountsOf(cont1, 1);
  const discountFor = (D: Discount3, c: number) => (c >= 3 ? D[2] : D[c - 1]!);

  // ---- context statistics: totals and the discounted mass that goes to the lower order ----
  /** Sums, per context, the count and the discount taken from each type: the backoff mass. */
  const contextsOf = (
    counts: Iterable<[number, number]>,
    contextOf: (key: number) => number,
    D: Discount3,
  ) => {
    const stats = new Map<number, ContextStats>();
    for (const [key, c] of counts) {
      const ctx = contextOf(key);
      let s = stats.get(ctx);
      if (!s) stats.set(ctx, (s = { total: 0, n1: 0, n2: 0, n3: 0 }));
      s.total += c;
      if (c === 1) s.n1++;
      else if (c === 2) s.n2++;
      else s.n3++;
    }
    const gamma = new Map<number, { total: number; mass: number }>();
    for (const [ctx, s] of stats)
      gamma.set(ctx, { total: s.total, mass: D[0] * s.n1 + D[1] * s.n2 + D[2] * s.n3 });
    return gamma;
  };
  const ctx3 = contextsOf(tri, (key) => Math.floor(key / BITS), D3); // context u v
  const ctx2 = contextsOf(cont2, (key) => Math.floor(key / BITS), D2); // context v
  let total1 = 0;
  let mass1 = 0;
  for (let w = 0; w < V; w++) {
    const c = cont1[w]!;
    if (c === 0) continue;
    total1 += c;
    mass1 += discountFor(D1, c);
  }

  const p1 = new Float64Array(V);
  for (let w = 0; w < V; w++) {
    const c = cont1[w]!;
    p1[w] = (c > 0 ? (c - discountFor(D1, c)) / total1 : 0) + mass1 / total1 / V;
  }
  const p2 = (v: number, w: number): number => {
    const ctx = ctx2.get(v);
    if (!ctx) return p1[w]!;
    const c = cont2.get(v * BITS + w) ?? 0;
    return (c > 0 ? (c - discountFor(D2, c)) / ctx.total : 0) + (ctx.mass / ctx.total) * p1[w]!;
  };
  const p3 = (u: number, v: number, w: number): number => {
    const ctx = ctx3.get(u * BITS + v);
    if (!ctx) return p2(v, w);
    const c = tri.get((u * BITS + v) * BITS + w) ?? 0;
    return (c > 0 ? (c - discountFor(D3, c)) / ctx.total : 0) + (ctx.mass / ctx.total) * p2(v, w);
  };
  const check = (id: number) => {
    if (!(Number.isInteger(id) && id >= 0 && id < V))
      throw new Error(`kneserNeyTrigram: id ${id} outside [0, ${V})`);
  };
  return {
    vocabSize: V,
    discounting,
    discounts: [D1, D2, D3],
    prob(u, v, w) {
      check(u);
      check(v);
      check(w);
      return p3(u, v, w);
    },
    unigram(w) {
      check(w);
      return p1[w]!;
    },
  };
}

/**
 * P(stream[i] | stream[i−2], stream[i−1]) for each i in [from, to): the contexts run over the
 * stream (so the first words of a held-out part are predicted from the last words before it).
 */
export function streamProbabilities(
  lm: KneserNeyTrigram,
  stream: ArrayLike<number>,
  from: number,
  to: number,
): Float64Array {
  if (from < 2) throw new Error(`streamProbabilities: position ${from} has no two-word context`);
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = lm.prob(stream[i - 2]!, stream[i - 1]!, stream[i]!);
  return out;
}

/** exp(−mean log p): the perplexity of per-word probabilities. */
export function perplexity(probs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < probs.length; i++) sum += Math.log(probs[i]!);
  return Math.exp(-sum / probs.length);
}
