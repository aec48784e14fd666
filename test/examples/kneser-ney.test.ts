// The interpolated Kneser-Ney trigram of examples/bengio-lm on a tiny corpus, against
// probabilities computed by hand, and the checks that every context's distribution sums to 1.
import { describe, expect, it } from "vitest";
import { kneserNeyTrigram, perplexity, streamProbabilities } from "../../examples/bengio-lm/kneser-ney.js";

// The corpus "a b a b c a b c" over the vocabulary a = 0, b = 1, c = 2, d = 3 (d never seen).
//
// Trigrams (6): aba, bab, abc, bca, cab, abc  →  c(abc) = 2; aba, bab, bca, cab once each.
//   Order-3 count-of-counts n1 = 4, n2 = 1:  D3 = 4 / (4 + 2·1) = 2/3.
// Continuation counts of order 2, N1+(· v w) = distinct words before v w in a trigram:
//   ab ← {b (bab), c (cab)} = 2;  ba ← {a} = 1;  bc ← {a} = 1;  ca ← {b} = 1.
//   n1 = 3, n2 = 1:  D2 = 3 / 5.
// Bigram types (from the 7 bigrams ab ba ab bc ca ab bc): ab, ba, bc, ca.
// Continuation counts of order 1, N1+(· w) = distinct words before w:
//   a ← {b, c} = 2;  b ← {a} = 1;  c ← {b} = 1;  d: 0.   n1 = 2, n2 = 1:  D1 = 2 / 4 = 1/2.
//
// P1(w) = max(N1+(· w) − ½, 0) / 4 + ½ · 3 / 4 · ¼   (4 bigram types, 3 words with N1+ > 0)
//   P1(a) = 1.5/4 + 0.09375 = 0.46875;  P1(b) = P1(c) = 0.5/4 + 0.09375 = 0.21875;  P1(d) = 0.09375.
//   Sum: 0.46875 + 2 · 0.21875 + 0.09375 = 1.
// P2(w | v), with N1+(· v ·) = Σ_w N1+(· v w) and γ = D2 · (types after v) / N1+(· v ·):
//   v = a: N1+(· a ·) = 2 (ab), γ = 0.6 · 1 / 2 = 0.3
//     P2(b|a) = (2 − 0.6)/2 + 0.3 · 0.21875 = 0.765625;  P2(a|a) = 0.3 · 0.46875 = 0.140625;
//     P2(c|a) = 0.065625;  P2(d|a) = 0.028125.  Sum 1.
//   v = b: N1+(· b ·) = 2 (ba, bc), γ = 0.6 · 2 / 2 = 0.6
//     P2(a|b) = 0.4/2 + 0.6 · 0.46875 = 0.48125;  P2(c|b) = 0.2 + 0.6 · 0.21875 = 0.33125;
//     P2(b|b) = 0.13125;  P2(d|b) = 0.05625.  Sum 1.
// P3(w | u v), γ = D3 · (types after u v) / c(u v ·):
//   u v = a b: c(ab ·) = 3 (abc twice, aba), γ = (2/3) · 2 / 3 = 4/9
//     P3(c|ab) = (2 − 2/3)/3 + 4/9 · 0.33125 = 4/9 · 1.33125 = 0.591666…
//     P3(a|ab) = (1 − 2/3)/3 + 4/9 · 0.48125 = 2.925 / 9 = 0.325
//     P3(b|ab) = 4/9 · 0.13125 = 0.058333…;  P3(d|ab) = 4/9 · 0.05625 = 0.025.  Sum 1.
//   u v = b a: c(ba ·) = 1 (bab), γ = 2/3
//     P3(b|ba) = (1 − 2/3) + 2/3 · 0.765625 = 0.84375.
//   An unseen trigram context backs off whole: P3(w | d a) = P2(w | a); P3(w | c c) = P2(w | c);
//   an unseen bigram context too: P3(w | d d) = P1(w).
const [a, b, c, d] = [0, 1, 2, 3];
const V = 4;
const corpus = [a, b, a, b, c, a, b, c];
const lm = kneserNeyTrigram(corpus, V);
const distribution = (u: number, v: number) => [a, b, c, d].map((w) => lm.prob(u, v, w));
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe("interpolated Kneser-Ney trigram on a hand-computed corpus", () => {
  it("estimates one discount per order, n1 / (n1 + 2 n2), from (continuation) count-of-counts", () => {
    expect(lm.discounting).toBe("single");
    expect(lm.discounts[0][0]).toBeCloseTo(1 / 2, 14);
    expect(lm.discounts[1][0]).toBeCloseTo(3 / 5, 14);
    expect(lm.discounts[2][0]).toBeCloseTo(2 / 3, 14);
  });

  it("the unigram level: continuation counts interpolated with the uniform distribution", () => {
    expect([a, b, c, d].map((w) => lm.unigram(w))).toEqual(
      [0.46875, 0.21875, 0.21875, 0.09375].map((p) => expect.closeTo(p, 14)),
    );
  });

  it("gives the hand-computed trigram probabilities", () => {
    expect(distribution(a, b)).toEqual(
      [0.325, 0.058333333333333, 0.591666666666667, 0.025].map((p) => expect.closeTo(p, 12)),
    );
    expect(lm.prob(b, a, b)).toBeCloseTo(0.84375, 14);
    // unseen contexts back off to the lower orders
    expect(distribution(d, a)).toEqual(
      [0.140625, 0.765625, 0.065625, 0.028125].map((p) => expect.closeTo(p, 14)),
    );
    expect(distribution(d, d)).toEqual(
      [0.46875, 0.21875, 0.21875, 0.09375].map((p) => expect.closeTo(p, 14)),
    );
  });

  it("every context's distribution sums to 1 over the vocabulary, every word positive", () => {
    for (const [u, v] of [
      [a, b],
      [b, a],
      [b, c],
      [c, a],
      [d, b],
      [c, c],
      [d, d],
    ] as const) {
      const p = distribution(u, v);
      expect(sum(p), `context ${u} ${v}`).toBeCloseTo(1, 14);
      p.forEach((x) => expect(x).toBeGreaterThan(0));
    }
  });

  it("the modified form (three discounts per order) also sums to 1", () => {
    const modified = kneserNeyTrigram(corpus, V, { discounts: "modified" });
    expect(modified.discounting).toBe("modified");
    // order 3: n1 = 4, n2 = 1, n3 = 0, Y = 2/3: D(1) = 1 − 2 · 2/3 · 1/4 = 2/3
    expect(modified.discounts[2][0]).toBeCloseTo(2 / 3, 14);
    for (const [u, v] of [
      [a, b],
      [b, a],
      [d, a],
      [d, d],
    ] as const) {
      expect(sum([a, b, c, d].map((w) => modified.prob(u, v, w)))).toBeCloseTo(1, 14);
    }
  });

  it("perplexity over a stream: contexts run over the stream", () => {
    const probs = streamProbabilities(lm, [a, b, c, a, b], 2, 5);
    expect(Array.from(probs)).toEqual(
      [lm.prob(a, b, c), lm.prob(b, c, a), lm.prob(c, a, b)].map((p) => expect.closeTo(p, 15)),
    );
    expect(perplexity([0.5, 0.125])).toBeCloseTo(4, 14); // exp(−(ln ½ + ln ⅛) / 2) = √16
    expect(() => streamProbabilities(lm, [a, b, c], 1, 3)).toThrow(/no two-word context/);
  });

  it("rejects ids outside the vocabulary and data too small to estimate a discount", () => {
    expect(() => kneserNeyTrigram([a, b, 4], V)).toThrow(/word 2 has id 4, outside \[0, 4\)/);
    expect(() => lm.prob(a, b, 7)).toThrow(/id 7 outside/);
    // "a b c a b c a b a": every order-2 continuation count is 1, so n2 = 0
    expect(() => kneserNeyTrigram([a, b, c, a, b, c, a, b, a], V)).toThrow(/order-2 discount/);
  });
});
