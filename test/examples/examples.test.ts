// The runnable examples, run as users run them (tsx, one subprocess each, all three at once, in a
// scratch directory that receives their out/ pictures), checked on the numbers they print and the
// SVG files they write. Data, initialisation and minibatch order are seeded, so each run prints the
// same results; the thresholds leave a margin below them.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = join(root, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");
const cwd = mkdtempSync(join(tmpdir(), "wasmgrad-examples-"));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(example: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, [join(root, "examples", example, "train.ts")], { cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const runs: Record<string, Run> = {};

beforeAll(async () => {
  const names = ["xor", "iris", "spirals"];
  const results = await Promise.all(names.map(run));
  names.forEach((name, i) => (runs[name] = results[i]!));
}, 180_000);

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** The example's output, after checking that it exited cleanly. */
function output(name: string): string {
  const r = runs[name]!;
  expect(r.code, `${name} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** The first number (a percentage or a loss) after `label` in `text`. */
function numberAfter(text: string, label: string): number {
  const i = text.indexOf(label);
  expect(i, `"${label}" in:\n${text}`).toBeGreaterThanOrEqual(0);
  const m = /-?\d+(\.\d+)?(e-?\d+)?/.exec(text.slice(i + label.length));
  expect(m, `a number after "${label}"`).not.toBeNull();
  return Number(m![0]);
}

/** Reads out/<file>, checks it is a balanced SVG document, and counts each element. */
function svg(file: string): Record<string, number> {
  const text = readFileSync(join(cwd, "out", file), "utf8");
  expect(text.startsWith("<svg ")).toBe(true);
  expect(text.trimEnd().endsWith("</svg>")).toBe(true);
  const open: string[] = [];
  const counts: Record<string, number> = {};
  for (const [tag, close, name, selfClosing] of text.matchAll(/<(\/?)([a-zA-Z]+)\b[^<>]*?(\/?)>/g)) {
    if (close) expect(open.pop(), tag).toBe(name);
    else {
      counts[name!] = (counts[name!] ?? 0) + 1;
      if (!selfClosing) open.push(name!);
    }
  }
  expect(open).toEqual([]);
  // no stray markup characters outside tags (e.g. an unescaped "<" in a label)
  expect(text.replace(/<[^<>]*>/g, "")).not.toMatch(/[<>]/);
  return counts;
}

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
