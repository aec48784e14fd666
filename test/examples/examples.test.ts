// The runnable examples, run as users run them (tsx, one subprocess each, all three at once, in a
// scratch directory that receives their out/ pictures), checked on the numbers they print and the
// SVG files they write. Data, initialisation and minibatch order are seeded, so each run prints the
// same results; the thresholds leave a margin below them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Examples, numberAfter } from "./support.js";

const examples = new Examples();

beforeAll(async () => {
  await Promise.all(["xor", "iris", "spirals"].map((name) => examples.run(name)));
}, 180_000);

afterAll(() => examples.cleanup());

const output = (name: string) => examples.output(name);
const svg = (file: string) => examples.svg(file);

describe("examples", () => {
  it("xor: trains the 2-2-1 ReLU network in WebAssembly to 100% and checks the exact weights", () => {
    const out = output("xor");
    expect(out).toMatch(/compiled xor to WebAssembly: [\d ]+ bytes/);
    expect(out).toMatch(/seed \d+\s+step\s+150\s+loss/); // progress lines
    expect(out).toContain("accuracy 100% (4/4)");
    expect(numberAfter(out, "final loss")).toBeLessThan(0.02);
    expect(out).toMatch(/µs per step/);
    expect(out).toContain("the chapter's exact weights give y = 0, 1, 1, 0");
    expect(out).toContain("the interpreter agrees");
    const counts = svg("xor-loss.svg");
    expect(counts.polyline).toBe(1);
  });

  it("iris: logistic regression and the softmax classifier reach their accuracies", () => {
    const out = output("iris");
    const logistic = out.slice(out.indexOf("logistic regression: train accuracy"));
    expect(numberAfter(logistic, "train accuracy")).toBeGreaterThanOrEqual(93);
    expect(numberAfter(logistic, "test accuracy")).toBeGreaterThanOrEqual(90);
    expect(numberAfter(logistic, "final loss")).toBeLessThan(0.15);
    const softmax = out.slice(out.indexOf("softmax classifier: train accuracy"));
    expect(numberAfter(softmax, "train accuracy")).toBeGreaterThanOrEqual(95);
    expect(numberAfter(softmax, "test accuracy")).toBeGreaterThanOrEqual(90);
    expect(numberAfter(softmax, "final loss")).toBeLessThan(0.1);
    const counts = svg("iris-loss.svg");
    expect(counts.polyline).toBe(2);
  });

  it("spirals: the MLP separates the arms and the pictures show them", () => {
    const out = output("spirals");
    expect(out.match(/^ {2}epoch +\d+ +train loss/gm)?.length).toBeGreaterThanOrEqual(5);
    const result = out.slice(out.indexOf("spirals: train accuracy"));
    expect(numberAfter(result, "train accuracy")).toBeGreaterThanOrEqual(97);
    expect(numberAfter(result, "test accuracy")).toBeGreaterThanOrEqual(95);
    const boundary = svg("spirals-boundary.svg");
    expect(boundary.circle).toBe(600 + 3); // the training points and the legend's three dots
    // the grid's runs of equal cells: at least one per row, far fewer than its 150 × 150 cells
    expect(boundary.rect).toBeGreaterThan(150);
    expect(boundary.rect).toBeLessThan(3000);
    const loss = svg("spirals-loss.svg");
    expect(loss.polyline).toBe(2);
  });
});
