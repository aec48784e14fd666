// The recurrent examples in reduced configurations (a few hundred training steps), run as users run
// them, checked on what they print and write. Runs are seeded, so the numbers repeat; each
// threshold leaves a margin and fails if the model stops learning (or learns the wrong thing).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Examples, numberAfter } from "./support.js";

const examples = new Examples();

beforeAll(async () => {
  await Promise.all([
    examples.run("char-rnn", ["--steps", "300", "--sample", "200"]),
    examples.run("bidirectional", ["--steps", "1500"]),
  ]);
}, 180_000);

afterAll(() => examples.cleanup());

describe("recurrent examples", () => {
  it("char-rnn: truncated BPTT lowers the held-out cross-entropy well below the unigram baseline, and samples text", () => {
    const out = examples.output("char-rnn");
    const unigram = numberAfter(out, "unigram baseline");
    expect(unigram).toBeGreaterThan(4); // bits/char of character frequencies alone
    // every progress line: validation nats and bits, which must agree
    const points = [...out.matchAll(/validation (\d+\.\d+) nats = (\d+\.\d+) bits\/char/g)].map(
      ([, nats, bits]) => {
        expect(Number(bits)).toBeCloseTo(Number(nats) / Math.LN2, 2);
        return Number(bits);
      },
    );
    expect(points.length).toBeGreaterThanOrEqual(10); // the untrained model, then progress as it trains
    const [untrained, first, last] = [points[0]!, points[1]!, points[points.length - 1]!];
    expect(untrained).toBeGreaterThan(unigram); // random weights: worse than frequencies
    expect(last).toBeLessThan(first - 0.5); // falling as it trains
    expect(numberAfter(out, "char-rnn: validation cross-entropy")).toBeCloseTo(last * Math.LN2, 2);
    expect(last).toBeLessThan(unigram - 0.5);
    // a sample at temperature 0.5: the prompt, then 200 generated characters with word structure
    const sample = out.slice(out.indexOf("sample (temperature 0.5")).split("\n").slice(1).join("\n");
    expect(sample.startsWith("Recurrent neural networks ")).toBe(true);
    const generated = sample.slice("Recurrent neural networks ".length, sample.indexOf("\n\nsample ("));
    expect(Array.from(generated).length).toBe(200);
    const spaces = generated.split(" ").length - 1;
    expect(spaces).toBeGreaterThan(20); // words
    expect(spaces).toBeLessThan(80);
    expect(generated.split("the").length - 1).toBeGreaterThanOrEqual(2);
    expect(examples.svg("char-rnn-loss.svg").polyline).toBe(4); // training, validation, two baselines
    expect(examples.text("char-rnn.txt")).toContain("sample, temperature 0.5:\nRecurrent neural networks ");
  });

  it("bidirectional: two scans, one reversed, tag what a left-to-right RNN cannot", () => {
    const out = examples.output("bidirectional");
    const result = out.slice(out.indexOf("bidirectional: bi-directional RNN test accuracy"));
    const bi = numberAfter(result, "bi-directional RNN test accuracy");
    const uni = numberAfter(result, "left-to-right RNN test accuracy");
    const bound = numberAfter(result, "best possible left-to-right accuracy");
    expect(bound).toBeCloseTo(77.5, 1); // computed exactly from the task
    expect(uni).toBeGreaterThan(70); // learns the part a left-to-right tagger can know
    expect(uni).toBeLessThan(bound + 1.5); // and cannot do better (2 000 test sequences of 10 tags)
    expect(bi).toBeGreaterThan(bound + 7); // sees the right context too
    expect(bi).toBeGreaterThan(85);
    expect(out).toMatch(/^ {2}bi-directional RNN( +\d+\.\d%){10}$/m); // the per-position table
    expect(examples.svg("bidirectional-loss.svg").polyline).toBe(2);
  });
});
