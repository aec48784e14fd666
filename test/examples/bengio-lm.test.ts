// The Bengio LM example (examples/bengio-lm) at --quick (a 5% prefix of Brown, a small model, a
// few epochs: seconds), run as users run it, checked on what it prints and writes: a perplexity
// for every epoch, the neural LM below the unigram baseline, the numbers of the summary parsing
// and agreeing with each other, the SVG and the report. Also checks the hierarchical softmax of
// model.ts against the interpreter: its V leaf probabilities sum to 1 for any context.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initParams, interpret } from "../../compiler/index.js";
import { huffmanTree } from "../../examples/lib/huffman.js";
import { bengioLm, classShape, classTables, pathTables } from "../../examples/bengio-lm/model.js";
import { Examples, numberAfter } from "./support.js";

const examples = new Examples();

beforeAll(async () => {
  await examples.run("bengio-lm", ["--quick"]);
}, 240_000);

afterAll(() => examples.cleanup());

describe("bengio-lm --quick", () => {
  it("prints a line per epoch and a neural LM below the unigram's perplexity", () => {
    const out = examples.output("bengio-lm");
    const lines = out.match(/^epoch +\d+ +train loss .+$/gm) ?? [];
    expect(lines.length).toBe(4);
    const valid = lines.map((l) => numberAfter(l, "valid ppl"));
    for (const l of lines) {
      expect(numberAfter(l, "test ppl")).toBeGreaterThan(1);
      expect(numberAfter(l, "words/s")).toBeGreaterThan(0);
    }
    expect(valid[valid.length - 1]!).toBeLessThan(valid[0]!); // training helps
    const summary = out.slice(out.lastIndexOf("interpolated Kneser-Ney trigram:"));
    const trigram = numberAfter(summary, "test ppl");
    const unigram = numberAfter(summary.slice(summary.indexOf("unigram:")), "test ppl");
    const neuralLine = summary.slice(summary.indexOf("neural LM (epoch"));
    const neural = numberAfter(neuralLine, "test ppl");
    const mixtureLine = summary.slice(summary.indexOf("mixture λ"));
    const mixture = numberAfter(mixtureLine, "test ppl");
    expect(trigram).toBeLessThan(unigram);
    expect(neural).toBeLessThan(unigram);
    // the mixture's λ is chosen on validation from a grid holding 0 and 1, so on validation it is
    // no worse than either model; on test it beats the neural LM alone here by a wide margin
    expect(mixture).toBeLessThan(neural);
    // "(12.3% below the trigram)" or "(2.3% above the trigram)", as the numbers say
    for (const [line, ppl] of [
      [neuralLine, neural],
      [mixtureLine, mixture],
    ] as const) {
      const m = /\((\d+\.\d)% (below|above) the trigram\)/.exec(line);
      expect(m, line).not.toBeNull();
      const percent = Number(m![1]) * (m![2] === "below" ? 1 : -1);
      expect(percent).toBeCloseTo(100 * (1 - ppl / trigram), 0);
    }
    expect(numberAfter(summary, "words/s")).toBeGreaterThan(1000);
  });

  it("writes the perplexity curves and the report", () => {
    const counts = examples.svg("bengio-lm-loss.svg");
    expect(counts.polyline).toBe(5);
    const report = examples.text("bengio-lm.txt");
    expect(report).toMatch(/^epoch +train loss +valid ppl +test ppl +words\/s$/m);
    expect(report).toContain("mixture weights tried on validation");
  });
});

describe("the output layers of model.ts give distributions over the vocabulary (interpreter)", () => {
  // V = 11 is not a square: K = ⌈√11⌉ = 4 words a class, 3 classes, the last with one padded slot
  const V = 11;
  const counts = [40, 3, 9, 1, 17, 5, 5, 2, 30, 4, 6];
  const paths = pathTables(huffmanTree(counts));
  const classes = classTables(V);
  const extra = {
    hsm: { pathNodes: paths.nodes, pathSigns: paths.signs },
    classes: { wordClass: classes.wordClass, wordSlot: classes.wordSlot, padBias: classes.padBias },
    softmax: {},
  };
  for (const output of ["hsm", "classes", "softmax"] as const) {
    it(`${output}: Σ_w p(w | context) = 1, every p > 0, with direct connections`, () => {
      const lm = bengioLm({
        vocab: V,
        context: 4,
        embed: 3,
        hidden: 5,
        output,
        direct: true,
        keep: 1,
        batch: V, // one row per candidate next word, all with the same context
        pathLength: paths.length,
      });
      const params = initParams(lm, 3);
      // the output weights start at zero: give every param values away from its initializer
      for (const t of Object.values(params)) {
        for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sin(7 * i + t.data.length);
      }
      const context = Array.from({ length: V }, () => [2, 8, 0, 5]).flat();
      const next = Array.from({ length: V }, (_, w) => w);
      const { outputs } = interpret(lm.graph, {
        inputs: { context, next, ...extra[output] },
        params,
        mode: "eval",
      });
      const p = Array.from(outputs.logp!.data, Math.exp);
      expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 10);
      p.forEach((x) => expect(x).toBeGreaterThan(0));
    });
  }

  it("classes: 3 classes of 4 words for V = 11, the padded slot masked", () => {
    expect(classShape(V)).toEqual([3, 4]);
    expect(Array.from(classes.wordClass)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
    expect(Array.from(classes.padBias.slice(8))).toEqual([0, 0, 0, -1e4]);
  });
});
