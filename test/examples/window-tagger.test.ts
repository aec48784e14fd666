// The window tagger (examples/window-tagger) at --quick (the first 100 files of Brown, small dims,
// one epoch: seconds), run as users run it, checked on what it prints and writes: both
// objectives well above the share of the most frequent tag and above the most-frequent-tag
// baseline, the printed differences agreeing with the accuracies, the SVG and the report. Also
// checks the max-margin loss of model.ts against its definition with the interpreter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initParams, interpret } from "../../compiler/index.js";
import { windowTagger } from "../../examples/window-tagger/model.js";
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
      suffixes: 4,
      suffixEmbed: 2,
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
    const suffixes = Array.from({ length: B * 5 }, (_, i) => (i * 3) % 4);
    const tags = [0, 1, 2, 3, 1, 2];
    const { outputs } = interpret(mdl.graph, {
      inputs: { words, suffixes, tags },
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
