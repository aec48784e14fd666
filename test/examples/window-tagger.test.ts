// The window tagger (examples/window-tagger) at --quick (the first 100 files of Brown, small dims,
// one epoch: seconds), run as users run it, checked on what it prints and writes: both
// objectives well above the share of the most frequent tag and above the most-frequent-tag
// baseline, the printed differences agreeing with the accuracies, the SVG and the report. Also
// checks the max-margin loss of model.ts against its definition with the interpreter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initParams, interpret } from "../../compiler/index.js";
import {
  dropProbabilities,
  featureIds,
  letterIds,
  letterVocabulary,
  shapeOf,
  SPELLING,
  taggedWords,
  windows,
  wordIds,
} from "../../examples/window-tagger/data.js";
import { parseBrownText, type BrownFile } from "../../examples/lib/brown.js";
import {
  logSoftmaxRows,
  transitionLogProbs,
  viterbi,
  viterbiSentences,
} from "../../examples/window-tagger/decode.js";
import { windowTagger } from "../../examples/window-tagger/model.js";
import { windowKeys, windowNoise } from "../../examples/window-tagger/ceiling.js";
import { confusions, errorsByClass, tagVarieties } from "../../examples/window-tagger/metrics.js";
import { Examples, numberAfter } from "./support.js";

const examples = new Examples();

beforeAll(async () => {
  await examples.run("window-tagger", ["--quick"]);
}, 120_000);

afterAll(() => examples.cleanup());

describe("window-tagger --quick", () => {
  it("beats the majority share and the most-frequent-tag baseline with both objectives", () => {
    const out = examples.output("window-tagger");
    const epochs = out.match(/^(margin|softmax) +epoch +\d+ +train loss .+$/gm) ?? [];
    expect(epochs.length).toBe(2);
    const summary = out.slice(out.lastIndexOf("most frequent tag NOUN:"));
    const majority = numberAfter(summary, "most frequent tag NOUN:");
    const baselineLine = summary.slice(summary.indexOf("most-frequent-tag baseline:"));
    const baseline = numberAfter(baselineLine, "held-out accuracy");
    expect(majority).toBeGreaterThan(15);
    expect(majority).toBeLessThan(35);
    expect(baseline).toBeGreaterThan(85); // the baseline is strong on coarse tags
    for (const name of ["max-margin (best wrong tag):", "softmax cross-entropy:"]) {
      const line = summary.slice(summary.indexOf(name)).split("\n")[0]!;
      const acc = numberAfter(line, "held-out accuracy");
      const unknown = numberAfter(line, "unknown words");
      const m = /\((-?\d+\.\d+) points above the baseline\)/.exec(line);
      expect(m, line).not.toBeNull();
      const above = Number(m![1]);
      expect(acc, line).toBeGreaterThan(majority + 50);
      expect(acc, line).toBeGreaterThan(baseline + 1);
      expect(acc, line).toBeLessThanOrEqual(100);
      expect(unknown, line).toBeGreaterThan(50);
      expect(above, line).toBeCloseTo(acc - baseline, 1);
    }
  });

  it("writes the loss curves and the report", () => {
    const counts = examples.svg("window-tagger-loss.svg");
    expect(counts.polyline).toBe(2);
    const report = examples.text("window-tagger.txt");
    expect(report).toMatch(/^objective +epoch +train loss +held-out accuracy +windows\/s$/m);
    expect(report).toContain("most-frequent-tag baseline: held-out accuracy");
  });
});

describe("the max-margin objective of model.ts (interpreter)", () => {
  it("is the batch mean of max(0, 1 − s_y + max_{k≠y} s_k)", () => {
    const B = 6;
    const K = 4;
    const mdl = windowTagger({
      vocab: 9,
      window: 5,
      embed: 3,
      features: [{ name: "suffix3", size: 4, embed: 2 }],
      letters: { size: 6, length: 4, embed: 2, width: 3, filters: 3 },
      hidden: 5,
      tags: K,
      objective: "margin",
      keep: 1,
      batch: B,
    });
    const params = initParams(mdl, 3);
    for (const t of Object.values(params)) {
      for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sin(7 * i + t.data.length);
    }
    const words = Array.from({ length: B * 5 }, (_, i) => (i * 5) % 9);
    const suffix3 = Array.from({ length: B * 5 }, (_, i) => (i * 3) % 4);
    const letters = Array.from({ length: B * 5 * 4 }, (_, i) => (i * 7) % 6);
    const tags = [0, 1, 2, 3, 1, 2];
    const { outputs } = interpret(mdl.graph, {
      inputs: { words, suffix3, letters, tags },
      params,
      mode: "eval",
    });
    const s = outputs.scores!.data;
    let want = 0;
    for (let b = 0; b < B; b++) {
      const row = Array.from(s.slice(b * K, b * K + K));
      const wrong = Math.max(...row.filter((_, k) => k !== tags[b]));
      want += Math.max(0, 1 - row[tags[b]!]! + wrong);
    }
    expect(want).toBeGreaterThan(0); // the check is not vacuous
    expect(outputs.loss!.data[0]!).toBeCloseTo(want / B, 10);
  });
});

describe("the spelling features (data.ts)", () => {
  it("reads suffixes of 1 to 4 letters, a 3-letter prefix and the shape class", () => {
    const keys = (w: string) => SPELLING.map((f) => f.key(w));
    expect(SPELLING.map((f) => f.name)).toEqual([
      "suffix1",
      "suffix2",
      "suffix3",
      "suffix4",
      "prefix3",
      "shape",
    ]);
    expect(keys("running")).toEqual(["g", "ng", "ing", "ning", "run", "word"]);
    expect(keys("at")).toEqual(["t", "at", "at", "at", "at", "word"]);
    expect(
      ["1,000", "1/2", "3.5", "1960's", "b-52", "well-known", "u.s.", "o'clock", ",", "--", "dog"].map(
        shapeOf,
      ),
    ).toEqual(["num", "num", "num", "digit", "digit", "hyphen", "dot", "apos", "punct", "punct", "word"]);
  });

  it("gives each window position its feature ids, padding its own id, rare keys 0", () => {
    const text = "\n\tThe/at dogs/nns run/vb ./.\n\n\tThe/at cats/nns sleep/vb ./.\n";
    const file: BrownFile = { id: "xx01", category: "test", sentences: parseBrownText(text) };
    const tagged = taggedWords([file]);
    const suffix1 = SPELLING[0]!;
    const ids = featureIds(tagged.words, suffix1);
    // seen twice: "e" (the, the), "s" (dogs, cats), "." ; rare 0, padding 1 and 2
    expect([...ids.keys()]).toEqual(["<unk>", "<s>", "</s>", ".", "e", "s"]);
    const w = windows(tagged, wordIds(tagged.words, 1), [{ feature: suffix1, ids }], 1);
    // [<s> the dogs run . </s>] [<s> the cats sleep . </s>], one padding symbol each side
    expect(Array.from(w.features[0]!)).toEqual([1, 4, 5, 0, 3, 2, 1, 4, 5, 0, 3, 2]);
    expect(Array.from(w.centres)).toEqual([1, 2, 3, 4, 7, 8, 9, 10]);
    expect(Array.from(w.unknown)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // min count 1: all known
  });

  it("spells a word's letters for the convolution, a long word by its two ends", () => {
    const letters = letterVocabulary(["abc", "cab", "ax"]);
    // ^ 2, $ 3, then the letters seen twice, sorted: a 4, b 5, c 6 (x is seen once)
    expect([...letters]).toEqual([
      ["^", 2],
      ["$", 3],
      ["a", 4],
      ["b", 5],
      ["c", 6],
    ]);
    expect(Array.from(letterIds("cab", letters, 7))).toEqual([2, 6, 4, 5, 3, 0, 0]);
    expect(Array.from(letterIds("ax", letters, 4))).toEqual([2, 4, 1, 3]);
    // ^abcabc$ in 6 slots: the first 3 (^ a b) and the last 3 (b c $)
    expect(Array.from(letterIds("abcabc", letters, 6))).toEqual([2, 4, 5, 5, 6, 3]);
  });

  it("drops a word seen c times with probability α / (α + c), never <unk> or the padding", () => {
    const p = dropProbabilities([0, 0, 0, 1, 3], 1);
    expect(Array.from(p)).toEqual([0, 0, 0, 0.5, 0.25]);
  });
});

describe("Viterbi decoding (decode.ts)", () => {
  const K = 2;
  const log = Math.log;
  // emission: word 0 prefers tag 0 (0.6), word 1 undecided, word 2 prefers tag 1 (0.9)
  const emission = [log(0.6), log(0.4), log(0.5), log(0.5), log(0.1), log(0.9)];
  // transitions: 0 → 0 0.9, 0 → 1 0.1, 1 → 0 0.2, 1 → 1 0.8; start → 0 or 1 0.5
  const transition = [log(0.9), log(0.1), log(0.2), log(0.8), log(0.5), log(0.5)];

  it("finds the best path of a hand-computed 3-word example", () => {
    // by hand, weight 1, the path scores (products of the emission and transition probabilities):
    //   0 0 0: .5·.6·.9·.5·.9·.1 = .01215     0 0 1: .5·.6·.9·.5·.1·.9 = .01215
    //   1 1 1: .5·.4·.8·.5·.8·.9 = .0576      0 1 1: .5·.6·.1·.5·.8·.9 = .0108  (others lower)
    expect(Array.from(viterbi(emission, 3, K, transition, 1))).toEqual([1, 1, 1]);
    // without the transitions, each word's own best (ties to the lower tag)
    expect(Array.from(viterbi(emission, 3, K, transition, 0))).toEqual([0, 0, 1]);
  });

  it("agrees with brute force over every path, for several weights", () => {
    for (const weight of [0.1, 0.5, 1, 3]) {
      let best = -Infinity;
      let arg: number[] = [];
      for (let a = 0; a < K; a++)
        for (let b = 0; b < K; b++)
          for (let c = 0; c < K; c++) {
            const v =
              emission[a]! +
              emission[K + b]! +
              emission[2 * K + c]! +
              weight * (transition[K * K + a]! + transition[a * K + b]! + transition[b * K + c]!);
            if (v > best) [best, arg] = [v, [a, b, c]];
          }
      expect(Array.from(viterbi(emission, 3, K, transition, weight)), `weight ${weight}`).toEqual(arg);
    }
  });

  it("decodes each sentence on its own, from the start state", () => {
    const two = Float64Array.from([...emission, ...emission]);
    expect(Array.from(viterbiSentences(two, [0, 3], 6, K, transition, 1))).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("estimates add-one smoothed tag bigrams with a start row", () => {
    // sentences [0 1 1] [0 0]: start → 0 twice; 0 → 1, 1 → 1, 0 → 0 once each
    const t = Array.from(transitionLogProbs([0, 1, 1, 0, 0], [0, 3], K), Math.exp);
    const want = [2 / 4, 2 / 4, 1 / 3, 2 / 3, 3 / 4, 1 / 4];
    t.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });

  it("turns scores into log-probabilities row by row", () => {
    const rows = logSoftmaxRows(Float64Array.from([0, 0, 1, 1 + log(3)]), 2);
    expect(Array.from(rows, Math.exp).map((v) => +v.toFixed(12))).toEqual([0.5, 0.5, 0.25, 0.75]);
  });
});

describe("the label-noise floor of window models (ceiling.ts)", () => {
  const stream = (sentences: string[][], tags: number[]) => ({
    words: sentences.flat(),
    tags: Int32Array.from(tags),
    sentenceStarts: sentences.map((_, s) => sentences.slice(0, s).flat().length),
  });
  // "the dog" three times in training, "dog" twice NOUN (0) and once VERB (1); DET is 5
  const train = stream(
    [
      ["the", "dog"],
      ["the", "dog"],
      ["the", "dog"],
    ],
    [5, 0, 5, 0, 5, 1],
  );
  const test = stream(
    [
      ["the", "dog"],
      ["a", "cat"],
    ],
    [5, 1, 5, 0],
  );

  it("keys each word by its window, padded at the sentence edges", () => {
    expect(windowKeys(test, 1)).toEqual(["<s> the dog", "the dog </s>", "<s> a cat", "a cat </s>"]);
  });

  it("counts the held-out windows seen in training, and those with another majority tag", () => {
    // "<s> the dog" (DET, as in training) and "the dog </s>" (VERB, training's majority NOUN) are seen
    expect(windowNoise(train, test, 1, 12)).toEqual({ seen: 0.5, contradicted: 0.25 });
  });
});

describe("the error analysis (metrics.ts)", () => {
  it("counts each word's training tags, and splits held-out errors by that count", () => {
    // "run" is seen as NOUN (0) and VERB (1), "the" as DET (5) only, "zebra" never
    const variety = tagVarieties(["run", "the", "run", "the"], [0, 5, 1, 5]);
    expect([...variety]).toEqual([
      ["run", 2],
      ["the", 1],
    ]);
    const words = ["zebra", "the", "run", "run", "the"];
    const gold = [0, 5, 1, 0, 5];
    const pred = [0, 5, 0, 0, 0]; // wrong: the 1st "run" and the 2nd "the"
    expect(errorsByClass(pred, words, gold, variety)).toEqual({ tokens: [1, 2, 2], errors: [0, 1, 1] });
    expect(confusions(Int32Array.from(pred), Int32Array.from(gold))).toBe(
      "VERB → NOUN 20.00%, DET → NOUN 20.00%",
    );
  });
});
