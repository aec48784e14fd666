// The CNN text classifier example (examples/cnn-text) at --quick (the first 3 passages of every
// Brown file, small dims, a few epochs: seconds) on the default task (informative vs imaginative)
// and on the 15 categories (with skip-gram initial embeddings), run as users run it and checked on what it prints and writes: both
// classifiers above the majority-class rate on the held-out files, the summary's numbers parsing
// and agreeing with the per-class table and each other (McNemar's counts and p included; the CNN
// is an ensemble of 2 at --quick, each member reported), a K × K confusion grid per classifier
// whose counts add up to the test passages (and whose diagonal is the CNN's correct count), and
// the loss curves.
// The baseline is also checked on tiny inputs worked out by hand: the bag-of-words features, its
// logits and loss (interpreter), and a compiled run that learns a two-word rule. And the data
// decisions: chunking, the split by file, the labels of both tasks. And the pure pieces of
// stats.ts (McNemar's exact test on hand-computed binomial tails, the ensemble average, max-norm)
// and the max-mean pooling.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interpret, optim } from "../../compiler/index.js";
import { bagOfWords, chunkWords, classOf, loadBrownPassages, partOf } from "../../examples/cnn-text/data.js";
import { bowLogistic, cnnText, poolOverTime } from "../../examples/cnn-text/model.js";
import {
  averageProbabilities,
  clipColumnNorms,
  disagreements,
  mcnemarExact,
} from "../../examples/cnn-text/stats.js";
import { model } from "../../compiler/index.js";
import type { BrownFile } from "../../examples/lib/brown.js";
import { build } from "../../examples/lib/wasm.js";
import { Examples, numberAfter } from "./support.js";

const binary = new Examples();
const categories = new Examples();

beforeAll(async () => {
  await Promise.all([
    binary.run("cnn-text", ["--quick"]),
    categories.run("cnn-text", ["--quick", "--task", "categories", "--w2v-epochs", "1"]),
  ]);
}, 240_000);

afterAll(() => {
  binary.cleanup();
  categories.cleanup();
});

for (const [task, examples, K] of [
  ["binary", binary, 2],
  ["categories", categories, 15],
] as const) {
  describe(`cnn-text --quick, task ${task}`, () => {
    it("prints the epochs and both classifiers above the majority-class rate", () => {
      const out = examples.output("cnn-text");
      expect(out).toContain(`task ${task} (${K} classes)`);
      // the 15-category run starts the CNN's embeddings from skip-gram vectors of its training passages
      expect(out.includes("skip-gram vectors")).toBe(task === "categories");
      expect((out.match(/^baseline epoch +\d+ +train loss .+$/gm) ?? []).length).toBeGreaterThan(0);
      expect((out.match(/^CNN 1 epoch +\d+ +train loss .+$/gm) ?? []).length).toBeGreaterThan(0);
      // --quick trains an ensemble of 2 CNNs (seeds 1 and 2) and reports each member
      expect((out.match(/^CNN 2 epoch +\d+ +train loss .+$/gm) ?? []).length).toBeGreaterThan(0);
      expect(out).toMatch(/^CNN 1 \(seed 1, epoch \d+\): valid accuracy/m);
      expect(out).toMatch(/^CNN 2 \(seed 2, epoch \d+\): valid accuracy/m);
      expect(out).toContain("an ensemble of 2");
      const test = /(\d+) test \(\d+\)/.exec(out); // "279 test (93)": passages (files)
      expect(test).not.toBeNull();
      const testPassages = Number(test![1]);
      const summary = out.slice(out.lastIndexOf("majority class rate on test:"));
      const majority = numberAfter(summary, "majority class rate on test:");
      const baselineLine = summary.slice(summary.indexOf("baseline ("));
      const cnnLine = summary.slice(summary.indexOf("CNN (epoch"));
      const baseline = numberAfter(baselineLine, "test accuracy");
      const cnn = numberAfter(cnnLine, "test accuracy");
      expect(majority).toBeGreaterThan(100 / K);
      expect(majority).toBeLessThan(task === "binary" ? 85 : 30);
      expect(baseline).toBeGreaterThan(majority);
      expect(cnn).toBeGreaterThan(majority);
      // "test accuracy 35.8% (100/279)": the percentage is the count over the test passages
      for (const line of [baselineLine, cnnLine]) {
        const m = /test accuracy (\d+\.\d)% \((\d+)\/(\d+)\)/.exec(line);
        expect(m, line).not.toBeNull();
        expect(Number(m![3])).toBe(testPassages);
        expect(Number(m![1])).toBeCloseTo((100 * Number(m![2])) / testPassages, 1);
      }
      const diff = numberAfter(summary.slice(summary.indexOf("difference (CNN − baseline):")), "baseline):");
      // McNemar: the discordant counts differ by the difference in correct passages
      const mc =
        /McNemar's exact test on the test passages: (\d+) right only by the CNN, (\d+) only by the baseline, two-sided p = ([\d.e-]+)/.exec(
          summary,
        );
      expect(mc, summary).not.toBeNull();
      const correct = (line: string) => Number(/test accuracy [\d.]+% \((\d+)\//.exec(line)![1]);
      expect(Number(mc![1]) - Number(mc![2])).toBe(correct(cnnLine) - correct(baselineLine));
      expect(Number(mc![3])).toBeCloseTo(mcnemarExact(Number(mc![1]), Number(mc![2])), 1);
      expect(diff).toBeCloseTo(cnn - baseline, 0);
      expect(summary).toContain(
        diff > 0 ? "the CNN beats the baseline" : "the CNN does not beat the baseline",
      );
      // the per-class table: 15 rows whose test passages add up to the test set
      const rows = out.match(/^ {2}[a-z_]+ +\d+ +\d+\.\d% +\d+\.\d%$/gm) ?? [];
      expect(rows.length).toBe(K);
      expect(rows.reduce((s, r) => s + Number(/ (\d+) /.exec(r)![1]), 0)).toBe(testPassages);
    });

    it(`draws a ${K} × ${K} confusion grid per classifier with the test counts`, () => {
      const counts = examples.svg("cnn-text-confusion.svg");
      expect(counts.rect).toBe(1 + 2 * K * K); // the background and the cells
      const svg = examples.text("cnn-text-confusion.svg");
      const cells = [...svg.matchAll(/<rect class="cell"[^>]*\/><text[^>]*>(\d+)<\/text>/g)].map((m) =>
        Number(m[1]),
      );
      expect(cells.length).toBe(2 * K * K);
      const out = examples.output("cnn-text");
      const testPassages = Number(/(\d+) test \(\d+\)/.exec(out)![1]);
      expect(cells.slice(0, K * K).reduce((s, v) => s + v, 0)).toBe(testPassages);
      expect(cells.slice(K * K).reduce((s, v) => s + v, 0)).toBe(testPassages);
      // the CNN panel's diagonal is its count of correct passages
      const cnnCorrect = Number(/CNN \(epoch \d+[^)]*\).*?test accuracy [\d.]+% \((\d+)\//.exec(out)![1]);
      expect(Array.from({ length: K }, (_, k) => cells[k * K + k]!).reduce((s, v) => s + v, 0)).toBe(
        cnnCorrect,
      );
    });

    it("draws the loss curves and writes the report", () => {
      expect(examples.svg("cnn-text-loss.svg").polyline).toBe(4);
      const report = examples.text("cnn-text.txt");
      expect(report).toMatch(/^model +epoch +train loss +valid loss +valid accuracy$/m);
      expect(report).toContain("difference (CNN − baseline)");
    });
  });
}

describe("the bag-of-words baseline on tiny inputs", () => {
  // V = 4 words, passages of 5 ids; id 4 is PAD
  const tokens = [0, 2, 2, 3, 4, 1, 1, 1, 4, 4];

  it("counts each word of a passage, PAD left out; log-counts are log(1 + count)", () => {
    const out = new Float32Array(8);
    expect(Array.from(bagOfWords(tokens, 0, 2, 4, "counts", out, 5))).toEqual([1, 0, 2, 1, 0, 3, 0, 0]);
    const logs = Array.from(bagOfWords(tokens, 1, 1, 4, "log-counts", out, 5).subarray(0, 4));
    [0, Math.log(4), 0, 0].forEach((v, i) => expect(logs[i]).toBeCloseTo(v, 6));
  });

  it("logits x · W + w0 and the loss mean cross-entropy + λ/2 ‖W‖² (interpreter)", () => {
    const lr = bowLogistic({ vocab: 2, classes: 2, l2: 0.5, batch: 2 });
    // x = [[1, 0], [2, 1]], W = [[1, -1], [0, 2]], w0 = [0.5, 0]
    const { outputs } = interpret(lr.graph, {
      inputs: { x: [1, 0, 2, 1], labels: [0, 1] },
      params: { W: [1, -1, 0, 2], w0: [0.5, 0] },
      mode: "eval",
    });
    // logits: [1.5, -1] and [2.5, 0]
    expect(Array.from(outputs.logits!.data)).toEqual([1.5, -1, 2.5, 0]);
    // −log σ(2.5) for the first (label 0: 1.5 − (−1)) and −log σ(−2.5) for the second, ‖W‖² = 6
    const xent = (Math.log1p(Math.exp(-2.5)) + Math.log1p(Math.exp(2.5))) / 2;
    expect(outputs.loss!.data[0]).toBeCloseTo(xent + 0.25 * 6, 10);
  });

  it("learns a two-word rule when compiled: passages with word 1 are class 1", async () => {
    const lr = bowLogistic({ vocab: 3, classes: 2, l2: 1e-3, batch: 4 });
    const { net } = await build(lr, { optimizer: optim.adam(0.1) });
    net.init(0);
    // passages of 3 ids: word 0 alone → class 0, with word 1 → class 1 (word 2 is noise)
    const passages = [0, 0, 2, 0, 1, 1, 2, 0, 0, 1, 2, 2];
    const labels = new Int32Array([0, 1, 0, 1]);
    const x = bagOfWords(passages, 0, 4, 3, "counts", new Float32Array(12), 3);
    for (let step = 0; step < 200; step++) net.train({ x, labels });
    const logits = net.run({ x, labels }).logits!;
    for (let i = 0; i < 4; i++) expect(logits[2 * i + 1]! > logits[2 * i]! ? 1 : 0).toBe(labels[i]);
    expect(net.params.W![3]! - net.params.W![2]!).toBeGreaterThan(1); // word 1 votes for class 1
  });
});

describe("the significance test and the ensemble's pieces", () => {
  it("McNemar's exact test matches binomial tails worked out by hand", () => {
    // b = 1, c = 6: n = 7, P[X ≤ 1] = (C(7,0) + C(7,1)) / 2^7 = 8/128, two-sided 0.125
    expect(mcnemarExact(1, 6)).toBeCloseTo(0.125, 12);
    expect(mcnemarExact(6, 1)).toBeCloseTo(0.125, 12); // symmetric
    // b = 0, c = 5: 2 · 1/32 = 0.0625; b = 2, c = 10: 2 · (1 + 12 + 66) / 4096 = 158/4096
    expect(mcnemarExact(0, 5)).toBeCloseTo(0.0625, 12);
    expect(mcnemarExact(2, 10)).toBeCloseTo(158 / 4096, 12);
    // no disagreements or a tie: no evidence either way
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(4, 4)).toBe(1);
    // large n stays finite (2^−2000 underflows a double): 1000 vs 1100 is p ≈ 0.03
    const p = mcnemarExact(1000, 1100);
    expect(p).toBeGreaterThan(0.02);
    expect(p).toBeLessThan(0.04);
    expect(() => mcnemarExact(1.5, 2)).toThrow();
  });

  it("counts the passages each classifier alone gets right", () => {
    const labels = [0, 1, 1, 0, 2];
    expect(disagreements([0, 1, 0, 1, 2], [0, 0, 1, 1, 1], labels)).toEqual({ onlyFirst: 2, onlySecond: 1 });
  });

  it("averages an ensemble's probabilities and clips output columns to the max-norm", () => {
    const avg = averageProbabilities([
      Float32Array.from([1, 0, 0.5, 0.5]),
      Float32Array.from([0, 1, 0.25, 0.75]),
    ]);
    expect(Array.from(avg)).toEqual([0.5, 0.5, 0.375, 0.625]);
    // U [3 features, 2 classes]: column 0 = (3, 0, 4) has norm 5 → clipped to 2.5; column 1 = (1, 1, 1) kept
    const U = Float32Array.from([3, 1, 0, 1, 4, 1]);
    clipColumnNorms(U, 2, 2.5);
    expect(Array.from(U)).toEqual([1.5, 1, 0, 1, 2, 1]);
  });

  it("pools a feature map over time into [max, mean] per filter (interpreter)", () => {
    const pooled = model("pool", (m) => {
      const c = m.input("c", [1, 3, 2]); // B = 1, T' = 3, F = 2
      m.output("z", poolOverTime(c, "max-mean"));
      m.output("max", poolOverTime(c, "max"));
    });
    const { outputs } = interpret(pooled.graph, { inputs: { c: [1, 4, 3, 0, 2, 2] }, mode: "eval" });
    // filter 0 over time: 1, 3, 2 (max 3, mean 2); filter 1: 4, 0, 2 (max 4, mean 2)
    expect(Array.from(outputs.z!.data)).toEqual([3, 4, 2, 2]);
    expect(Array.from(outputs.max!.data)).toEqual([3, 4]);
  });
});

describe("the data decisions", () => {
  it("cuts 100-word passages and keeps a last passage of at least half", () => {
    const words = Array.from({ length: 260 }, (_, i) => `w${i}`);
    expect(chunkWords(words).map((c) => c.length)).toEqual([100, 100, 60]);
    expect(chunkWords(words.slice(0, 249)).map((c) => c.length)).toEqual([100, 100]);
  });

  it("holds out files: every 5th of a genre for test, every 10th (offset 2) for validation", () => {
    expect(Array.from({ length: 10 }, (_, i) => partOf(i))).toEqual([
      "train",
      "train",
      "valid",
      "train",
      "test",
      "train",
      "train",
      "train",
      "train",
      "test",
    ]);
    expect(classOf("binary", "learned")).toBe(0);
    expect(classOf("binary", "humor")).toBe(1);
    expect(classOf("categories", "news")).toBe(0);
    expect(classOf("categories", "humor")).toBe(14);
  });

  it("builds passages, labels and a training-only vocabulary with UNK and PAD", () => {
    const file = (id: string, category: string, text: string): BrownFile => ({
      id,
      category,
      sentences: [{ words: text.split(" "), tags: text.split(" ").map(() => "x") }],
    });
    const words = (n: number, w: string) => Array.from({ length: n }, () => w).join(" ");
    const files = [
      file("a1", "news", words(100, "the") + " " + words(60, "vote")),
      file("a2", "news", words(100, "tax")),
      file("a3", "news", words(100, "said")),
      file("a4", "news", words(100, "the")),
      file("a5", "news", words(100, "secret")), // the 5th news file: test
      file("b1", "romance", words(100, "love")),
    ];
    const data = loadBrownPassages("binary", { files });
    expect([data.train.count, data.valid.count, data.test.count]).toEqual([5, 1, 1]);
    expect(data.vocab.words).toEqual(["<unk>", "the", "love", "tax", "vote"]); // by count, then spelling
    expect(data.pad).toBe(5);
    expect(Array.from(data.train.labels)).toEqual([0, 0, 0, 0, 1]);
    expect(data.train.files).toEqual(["a1", "a1", "a2", "a4", "b1"]);
    const second = Array.from(data.train.tokens.subarray(100, 200));
    expect(second.slice(0, 60).every((t) => t === 4)).toBe(true); // "vote"
    expect(second.slice(60).every((t) => t === 5)).toBe(true); // PAD
    expect(Array.from(data.test.tokens.subarray(0, 100)).every((t) => t === 0)).toBe(true); // "secret": UNK
  });

  it("the CNN masks PAD: a passage's logits do not depend on the PAD row of the table", () => {
    const cnn = cnnText({
      vocab: 3,
      length: 6,
      classes: 2,
      embed: 2,
      widths: [2, 3],
      filters: 2,
      keep: 1,
      embedKeep: 1,
      l2: 0,
      batch: 1,
    });
    const run = (padRow: number[]) => {
      const C = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, ...padRow];
      const W2 = Array.from({ length: 8 }, (_, i) => Math.sin(i + 1));
      const W3 = Array.from({ length: 12 }, (_, i) => Math.cos(i + 1));
      const { outputs } = interpret(cnn.graph, {
        inputs: { tokens: [0, 1, 2, 1, 3, 3], labels: [1] },
        params: { C, W2, b2: [0, 0], W3, b3: [0, 0], U: [1, 2, 3, 4, 5, 6, 7, 8], u: [0, 0] },
        mode: "eval",
      });
      return Array.from(outputs.logits!.data);
    };
    expect(run([9, -9])).toEqual(run([0, 0]));
  });
});
