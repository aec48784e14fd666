// The Huffman tree of examples/lib/huffman.ts (word2vec's hierarchical softmax): prefix-free codes
// that fill the tree (Kraft equality), an expected length within [H, H + 1) of the entropy, paths
// that name the same internal node for the same code prefix, and the very tree word2vec.c's
// CreateBinaryTree builds on a small example traced by hand.
import { describe, expect, it } from "vitest";
import { readBrown } from "../../examples/lib/brown.js";
import { huffmanTree, type HuffmanTree } from "../../examples/lib/huffman.js";
import { brownLines, w2vVocabulary } from "../../examples/word2vec/corpus.js";

const codeString = (t: HuffmanTree, w: number) => Array.from(t.codes[w]!).join("");

/** Checks the tree's invariants and returns the expected code length and the entropy, in bits. */
function check(counts: readonly number[]): { expected: number; entropy: number } {
  const t = huffmanTree(counts);
  const V = counts.length;
  expect(t.leaves).toBe(V);
  // prefix-free: in sorted order a code that is a prefix of another sorts right before one that has it
  const sorted = counts.map((_, w) => codeString(t, w)).sort();
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.startsWith(sorted[i - 1]!)).toBe(false);
  // Kraft equality: a full binary tree (every internal node has two children)
  const kraft = counts.reduce((s, _, w) => s + 2 ** -t.codes[w]!.length, 0);
  expect(kraft).toBeCloseTo(1, 12);
  // the nodes: root V − 2 first; a code prefix names one internal node, and each node one prefix
  const nodeOf = new Map<string, number>();
  const prefixOf = new Map<number, string>();
  for (let w = 0; w < V; w++) {
    const points = t.points[w]!;
    expect(points.length).toBe(t.codes[w]!.length);
    if (points.length) expect(points[0]).toBe(V - 2);
    points.forEach((node, j) => {
      expect(node).toBeGreaterThanOrEqual(0);
      expect(node).toBeLessThan(V - 1);
      const prefix = codeString(t, w).slice(0, j);
      expect(nodeOf.get(prefix) ?? node).toBe(node);
      expect(prefixOf.get(node) ?? prefix).toBe(prefix);
      nodeOf.set(prefix, node);
      prefixOf.set(node, prefix);
    });
  }
  if (V > 1) expect(prefixOf.size).toBe(V - 1); // every internal node is on some path
  expect(t.maxLength).toBe(Math.max(...t.codes.map((c) => c.length)));
  const total = counts.reduce((s, c) => s + c, 0);
  const expected = counts.reduce((s, c, w) => s + (c / total) * t.codes[w]!.length, 0);
  const entropy = -counts.reduce((s, c) => s + (c / total) * Math.log2(c / total), 0);
  expect(expected).toBeGreaterThanOrEqual(entropy - 1e-12);
  expect(expected).toBeLessThan(entropy + 1);
  return { expected, entropy };
}

describe("huffmanTree", () => {
  it("builds word2vec.c's tree on counts 5, 3, 2, 1 (traced by hand through CreateBinaryTree)", () => {
    // count[] = 5 3 2 1 | ∞ ∞ ∞, pos1 = 3, pos2 = 4:
    //  a = 0: takes 1 (word 3), then 2 (word 2, binary 1) → node 4, count 3
    //  a = 1: count[1] = 3 is not < count[4] = 3, so node 4 first, then word 1 (binary 1) → node 5, count 6
    //  a = 2: word 0 (5 < 6), then node 5 (binary 1) → node 6, the root
    // point[] = internal node − V (root 6 → 2, node 5 → 1, node 4 → 0), root first; code read root down.
    const t = huffmanTree([5, 3, 2, 1]);
    expect(t.points.map((p) => Array.from(p))).toEqual([[2], [2, 1], [2, 1, 0], [2, 1, 0]]);
    expect(t.codes.map((c) => Array.from(c))).toEqual([[0], [1, 1], [1, 0, 1], [1, 0, 0]]);
    expect(t.maxLength).toBe(3);
    check([5, 3, 2, 1]);
  });

  it("gives each word the same path when the counts come in another order", () => {
    const sorted = huffmanTree([5, 3, 2, 1]);
    const shuffled = huffmanTree([2, 5, 1, 3]); // words 2, 0, 3, 1 of the sorted list
    [2, 0, 3, 1].forEach((s, w) => {
      expect(Array.from(shuffled.codes[w]!)).toEqual(Array.from(sorted.codes[s]!));
      expect(Array.from(shuffled.points[w]!)).toEqual(Array.from(sorted.points[s]!));
    });
  });

  it("meets the entropy bound exactly for dyadic counts, and within 1 bit otherwise (hand cases)", () => {
    for (const counts of [
      [1, 1],
      [1, 1, 1, 1],
      [8, 4, 2, 1, 1],
      [16, 8, 4, 2, 1, 1],
    ]) {
      const { expected, entropy } = check(counts);
      expect(expected).toBeCloseTo(entropy, 12);
    }
    // skewed: H = 0.0808 bits, the best code still needs 1 bit per word
    expect(check([999, 1]).expected).toBe(1);
    for (const counts of [
      [1, 1, 1],
      [10, 6, 3, 3, 2, 1, 1],
      [5, 5, 5, 5, 5, 5, 5],
      [100, 1, 1, 1],
    ])
      check(counts);
  });

  it("gives a single word an empty path and rejects counts that are not positive", () => {
    const t = huffmanTree([7]);
    expect(t.points[0]!.length).toBe(0);
    expect(t.maxLength).toBe(0);
    expect(() => huffmanTree([3, 0])).toThrow(/positive/);
    expect(() => huffmanTree([])).toThrow(/no counts/);
  });

  it("is prefix-free, full and within [H, H + 1) on the Brown counts (word2vec's vocabulary, min-count 5)", () => {
    const vocab = w2vVocabulary(brownLines(readBrown()), 5);
    expect(vocab.words.length).toBe(14222); // word2vec.c prints "Vocab size: 14222" on the same text
    expect(vocab.trainWords).toBe(1160492); // and "Words in train file: 1160492"
    const { expected, entropy } = check(vocab.counts);
    expect(expected - entropy).toBeLessThan(0.1); // Huffman is far better than the 1-bit bound here
  });
});
