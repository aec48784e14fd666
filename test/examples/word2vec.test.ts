// examples/word2vec: one compiled training step against word2vec.c's update written out in
// float64 (skip-gram and CBOW, hierarchical softmax with its |z| ≥ 6 skip, negative sampling),
// the corpus reader against word2vec.c's reading rules, and reduced runs of the example itself
// (--quick: 60 files, 50 dimensions, 3 epochs), checked on what they print and write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { optim } from "../../compiler/index.js";
import { load, type Net } from "../../runtime/index.js";
import { compile } from "../../compiler/index.js";
import { encodeSentences, MAX_SENTENCE_LENGTH, w2vVocabulary } from "../../examples/word2vec/corpus.js";
import { cbow, MAX_EXP, skipGram } from "../../examples/word2vec/model.js";
import { tagScore } from "../../examples/word2vec/evaluate.js";
import { unigramTable } from "../../examples/word2vec/trainer.js";
import { Examples, numberAfter } from "./support.js";

const V = 6;
const D = 4;
const K = 8;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

async function net(mdl: Parameters<typeof compile>[0]): Promise<Net> {
  const n = await load((await compile(mdl, { optimizer: optim.sgd(1) })).wasm);
  n.init(3);
  return n;
}

/** Fills params with values in ±0.5 (deterministic), so that the dot products are not tiny. */
function fill(a: Float32Array, seed: number): Float64Array {
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(seed * 7.3 + i * 1.7) * 0.5;
  return Float64Array.from(a);
}

const rowOf = (t: Float64Array, r: number) => t.subarray(r * D, (r + 1) * D);
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, j) => s + x * b[j]!, 0);
/** f32 results against the float64 reference: within 2e-6 relative (or absolute below 1). */
const expectClose = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `element ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(
      2e-6 * Math.max(1, Math.abs(want[i]!)),
    );
  }
};

describe("one training step is word2vec.c's update, summed over the step's items", () => {
  it("skip-gram, hierarchical softmax: g = (1 − code − σ(z))·alpha; items with |z| ≥ 6 are skipped; padding is ignored", async () => {
    const n = await net(skipGram({ vocab: V, dim: D, items: K, output: "hs" }));
    const syn0 = fill(n.params.syn0 as Float32Array, 1);
    const syn1 = fill(n.params.syn1 as Float32Array, 2);
    // make item 2's dot product 8: word 5 against node 4, so that word2vec.c would skip it
    n.params.syn0!.set([2, 2, 0, 0], 5 * D);
    n.params.syn1!.set([2, 2, 0, 0], 4 * D);
    syn0.set([2, 2, 0, 0], 5 * D);
    syn1.set([2, 2, 0, 0], 4 * D);
    const input = [1, 1, 5, 3, 0, 2, 1, 4];
    const node = [0, 2, 4, 2, 1, 3, 0, 4];
    const label = [1, 0, 1, 1, 0, 0, 1, 0]; // 1 − code bit
    const mask = [1, 1, 1, 1, 1, 1, 0, 0]; // the last two are padding
    const alpha = 0.025;
    n.inputs.input!.set(input);
    n.inputs.node!.set(node);
    n.inputs.label!.set(label);
    n.inputs.mask!.set(mask);
    n.inputs.alpha!.set([alpha]);
    n.trainStep();
    const want0 = Float64Array.from(syn0);
    const want1 = Float64Array.from(syn1);
    let skipped = 0;
    for (let k = 0; k < K; k++) {
      if (!mask[k]) continue;
      const x = rowOf(syn0, input[k]!);
      const y = rowOf(syn1, node[k]!);
      const z = dot(x, y);
      if (Math.abs(z) >= MAX_EXP) {
        skipped++;
        continue;
      }
      const g = (label[k]! - sigmoid(z)) * alpha;
      for (let j = 0; j < D; j++) {
        want1[node[k]! * D + j] = want1[node[k]! * D + j]! + g * x[j]!; // syn1[l2] += g·syn0[l1]
        want0[input[k]! * D + j] = want0[input[k]! * D + j]! + g * y[j]!; // neu1e += g·syn1[l2]; syn0[l1] += neu1e
      }
    }
    expect(skipped).toBe(1);
    expectClose(n.params.syn0!, want0);
    expectClose(n.params.syn1!, want1);
    // the rows no item touched did not move; the skipped item's rows did not either
    expect(Array.from(n.params.syn0!.subarray(5 * D, 6 * D))).toEqual([2, 2, 0, 0]);
    expect(Array.from(n.params.syn1!.subarray(4 * D, 5 * D))).toEqual([2, 2, 0, 0]);
    // the loss is alpha · Σ −log σ(±z) over the items used
    let loss = 0;
    for (let k = 0; k < K; k++) {
      const z = dot(rowOf(syn0, input[k]!), rowOf(syn1, node[k]!));
      if (mask[k] && Math.abs(z) < MAX_EXP) loss -= Math.log(label[k] ? sigmoid(z) : sigmoid(-z));
    }
    expect(n.outputs.loss![0]).toBeCloseTo(alpha * loss, 6);
  });

  it("skip-gram, negative sampling: no skip (items with |z| ≥ 6 still move by alpha·(t − σ(z)))", async () => {
    const n = await net(skipGram({ vocab: V, dim: D, items: K, output: "negative" }));
    const syn0 = fill(n.params.syn0 as Float32Array, 3);
    n.params.syn1neg!.set(
      Float32Array.from({ length: V * D }, (_, i) => (i === 2 * D ? 20 : 0.1 * Math.cos(i))),
    );
    const syn1 = Float64Array.from(n.params.syn1neg!);
    const input = [0, 1, 2, 3, 4, 5, 0, 1];
    const node = [2, 2, 2, 2, 5, 5, 1, 0];
    const label = [1, 0, 0, 0, 1, 0, 0, 0];
    n.inputs.input!.set(input);
    n.inputs.node!.set(node);
    n.inputs.label!.set(label);
    n.inputs.mask!.fill(1);
    n.inputs.alpha!.set([0.05]);
    n.trainStep();
    const want0 = Float64Array.from(syn0);
    const want1 = Float64Array.from(syn1);
    for (let k = 0; k < K; k++) {
      const x = rowOf(syn0, input[k]!);
      const y = rowOf(syn1, node[k]!);
      const g = (label[k]! - sigmoid(dot(x, y))) * 0.05;
      for (let j = 0; j < D; j++) {
        want1[node[k]! * D + j] = want1[node[k]! * D + j]! + g * x[j]!;
        want0[input[k]! * D + j] = want0[input[k]! * D + j]! + g * y[j]!;
      }
    }
    expectClose(n.params.syn0!, want0);
    expectClose(n.params.syn1neg!, want1);
  });

  it("CBOW: the input is the mean of the context vectors; each context vector moves by the whole neu1e", async () => {
    const P = 3;
    const C = 4;
    const n = await net(cbow({ vocab: V, dim: D, items: K, output: "hs", slots: P, contexts: C }));
    const syn0 = fill(n.params.syn0 as Float32Array, 4);
    const syn1 = fill(n.params.syn1 as Float32Array, 5);
    const context = [1, 2, 4, 0, 3, 3, 0, 0, 5, 1, 2, 4]; // window 0: 1 2 4; window 1: 3 3; window 2: 5 1 2 4
    const present = [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1];
    const cw = [3, 2, 4];
    const slot = [0, 0, 0, 1, 1, 2, 2, 2];
    const node = [4, 3, 1, 4, 0, 4, 2, 2];
    const label = [1, 0, 1, 0, 0, 1, 1, 0];
    const mask = [1, 1, 1, 1, 1, 1, 1, 0];
    const alpha = 0.05;
    n.inputs.context!.set(context);
    n.inputs.present!.set(present);
    n.inputs.inverse!.set(cw.map((c) => 1 / c));
    n.inputs.slot!.set(slot);
    n.inputs.node!.set(node);
    n.inputs.label!.set(label);
    n.inputs.mask!.set(mask);
    n.inputs.alpha!.set([alpha]);
    n.trainStep();
    const want0 = Float64Array.from(syn0);
    const want1 = Float64Array.from(syn1);
    const neu1 = Array.from({ length: P }, (_, p) => {
      const h = new Float64Array(D);
      for (let c = 0; c < C; c++) {
        if (!present[p * C + c]) continue;
        const x = rowOf(syn0, context[p * C + c]!);
        for (let j = 0; j < D; j++) h[j] = h[j]! + x[j]! / cw[p]!; // word2vec.c: neu1 /= cw
      }
      return h;
    });
    const neu1e = Array.from({ length: P }, () => new Float64Array(D));
    for (let k = 0; k < K; k++) {
      if (!mask[k]) continue;
      const h = neu1[slot[k]!]!;
      const y = rowOf(syn1, node[k]!);
      const z = dot(h, y);
      if (Math.abs(z) >= MAX_EXP) continue;
      const g = (label[k]! - sigmoid(z)) * alpha;
      for (let j = 0; j < D; j++) {
        neu1e[slot[k]!]![j] = neu1e[slot[k]!]![j]! + g * y[j]!;
        want1[node[k]! * D + j] = want1[node[k]! * D + j]! + g * h[j]!;
      }
    }
    for (let p = 0; p < P; p++)
      for (let c = 0; c < C; c++) {
        if (!present[p * C + c]) continue;
        for (let j = 0; j < D; j++)
          want0[context[p * C + c]! * D + j] = want0[context[p * C + c]! * D + j]! + neu1e[p]![j]!; // not divided by cw
      }
    expectClose(n.params.syn0!, want0);
    expectClose(n.params.syn1!, want1);
  });
});

describe("the corpus as word2vec.c reads it", () => {
  it("vocab[0] is </s> (one per line), rarer words are discarded, lines are cut at 1000 words", () => {
    const long = Array.from({ length: MAX_SENTENCE_LENGTH + 5 }, (_, i) => (i % 2 ? "a" : "b"));
    const lines = [["a", "b", "rare", "c"], [], long, ["c", "c", "a"]];
    const vocab = w2vVocabulary(lines, 3);
    expect(vocab.words).toEqual(["</s>", "a", "b", "c"]);
    expect(vocab.counts).toEqual([4, 504, 504, 3]); // a and b tie: by spelling
    expect(vocab.trainWords).toBe(4 + 504 + 504 + 3);
    const s = encodeSentences(lines, vocab);
    // sentences: [a b c], [], the first 1000 of the long line, its last 5, [c c a]
    expect(Array.from(s.starts)).toEqual([0, 3, 3, 1003, 1008, 1011]);
    expect(Array.from(s.ids.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(s.wordsAfter)).toEqual([4, 5, 1005, 1011, 1015]);
    expect(s.wordsAfter[s.wordsAfter.length - 1]).toBe(vocab.trainWords);
  });

  it("the unigram table gives word w a share count^0.75 / Σ count^0.75", () => {
    const counts = [10, 40, 5, 1];
    const table = unigramTable(counts, 100_000);
    const z = counts.reduce((s, c) => s + c ** 0.75, 0);
    counts.forEach((c, w) => {
      const share = table.filter((t) => t === w).length / table.length;
      expect(share).toBeCloseTo(c ** 0.75 / z, 3);
    });
  });

  it("the tag score finds tags that the vectors encode, and the majority rate otherwise", () => {
    // 40 types, tag = w mod 2, vectors = one of two directions plus a small wobble
    const tags = ["", ...Array.from({ length: 40 }, (_, i) => (i % 2 ? "vb" : "nn"))];
    const vectors = new Float32Array(41 * 2);
    for (let w = 1; w <= 40; w++) vectors.set(tags[w] === "nn" ? [1, 0.01 * w] : [0.01 * w, 1], w * 2);
    expect(tagScore(vectors, 2, tags).accuracy).toBe(1);
    const held = tagScore(vectors, 2, tags);
    expect(held.heldOut).toBe(8);
    expect(held.searched).toBe(32);
  });
});

describe("the example (--quick)", () => {
  // two scratch directories: both runs write out/word2vec-pca.svg
  const sg = new Examples();
  const cb = new Examples();
  beforeAll(async () => {
    await Promise.all([
      sg.run("word2vec", ["--quick"]),
      cb.run("word2vec", ["--quick", "--model", "cbow", "--negative", "5", "--save", "out/cbow.txt"]),
    ]);
  }, 120_000);
  afterAll(() => {
    sg.cleanup();
    cb.cleanup();
  });

  it("skip-gram with the hierarchical softmax: the loss falls, neighbours are printed, the tag score beats the majority rate", () => {
    const out = sg.output("word2vec");
    expect(out).toMatch(/vocabulary \(min-count 5\): \d+ words/);
    expect(out.match(/^ +\d+% of the words +alpha/gm)?.length).toBe(10);
    expect(numberAfter(out, "last tenth")).toBeLessThan(numberAfter(out, "first tenth") - 0.005);
    expect(out).toMatch(/^ {2}the +→ \S+ [\d.]+, /m);
    expect(out).toMatch(/^ {2}said +→ /m);
    expect(numberAfter(out, "tag score:")).toBeGreaterThan(numberAfter(out, "baseline ('nn')") + 4);
    const counts = sg.svg("word2vec-pca.svg");
    expect(counts.circle).toBe(300 + 8); // the words and the legend's dots
    expect(counts.text).toBeGreaterThan(300);
  });

  it("CBOW with negative sampling: the loss falls, the tag score beats the majority rate, the vectors are saved", () => {
    const out = cb.output("word2vec");
    expect(out).toContain("CBOW with negative sampling (5 negatives)");
    expect(numberAfter(out, "last tenth")).toBeLessThan(numberAfter(out, "first tenth") - 0.01);
    // CBOW with negative sampling is the weakest on 120k words (32.9% against 29.6% here)
    expect(numberAfter(out, "tag score:")).toBeGreaterThan(numberAfter(out, "baseline ('nn')") + 2);
    const saved = cb.text("cbow.txt").split("\n");
    const [words, dim] = saved[0]!.split(" ").map(Number);
    expect(dim).toBe(50);
    expect(saved[1]!.split(" ")).toHaveLength(51);
    expect(saved[1]!.startsWith("</s> ")).toBe(true);
    expect(saved.filter(Boolean)).toHaveLength(words! + 1);
  });
});
