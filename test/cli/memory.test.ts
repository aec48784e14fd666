// `wasmgrad inspect model.ts --memory` (the memory plan of each entry as a table, and as SVG with
// -o) and `wasmgrad compile ... --emit plan`, run as child processes from the TypeScript sources.
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/index.js";
import xor from "../../examples/xor/model.js";
import { repoRoot, wasmgrad, type CliResult, expectOneLineError } from "../support/cli.js";

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-memory-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const svgFile = join(scratch, "plan.svg");
const noLoss = join(scratch, "forward-only.model.mts");

let inspect: CliResult;
let inspectRnn: CliResult;
let inspectTrain: CliResult;
let compiled: CliResult;

beforeAll(async () => {
  writeFileSync(
    noLoss,
    `import { model } from ${JSON.stringify(join(repoRoot, "compiler/index.ts"))};\n` +
      `export default model("fwd", (m) => { m.output("y", m.input("x", [2, 3]).tanh()); });\n`,
  );
  [inspect, inspectRnn, inspectTrain, compiled] = await Promise.all([
    wasmgrad("inspect", "examples/xor/model.ts", "--memory"),
    wasmgrad("inspect", "test/fixtures/rnn.model.ts", "--memory"),
    wasmgrad(
      "inspect",
      "examples/xor/model.ts",
      "--memory",
      "--optimizer",
      "adam",
      "--lr",
      "0.05",
      "-o",
      svgFile,
    ),
    wasmgrad("compile", "examples/xor/model.ts", "-o", join(scratch, "xor.wasm"), "--emit", "plan"),
  ]);
}, 300_000);

describe.concurrent("wasmgrad inspect --memory", () => {
  it("prints the three numbers of each entry and a table of buffers, as compile plans them", async () => {
    expect(inspect.stderr).toBe("");
    expect(inspect.code).toBe(0);
    const out = inspect.stdout;
    expect(out).toMatch(/^memory plan of model 'xor' \(examples\/xor\/model\.ts\), optimizer none$/m);
    expect(out).toMatch(/^ {2}entry or scan step +kernels +arena +naive +lower bound +arena\/bound$/m);
    const plans = (await compile(xor)).plans;
    for (const plan of [plans.forward, plans.backward!]) {
      expect(out).toMatch(
        new RegExp(
          `^ {2}${plan.export} +${plan.steps} +${plan.arenaBytes} +${plan.naiveBytes} +${plan.lowerBoundBytes} +` +
            `${(plan.arenaBytes / plan.lowerBoundBytes).toFixed(2)}$`,
          "m",
        ),
      );
      expect(out).toContain(`${plan.export}: arena ${plan.arenaBytes} bytes, naive ${plan.naiveBytes}`);
    }
    expect(out).not.toContain("train_step");
    expect(out).toMatch(/^ {2}buffer +offset +bytes +steps +values$/m);
    // the first layer: its matmul, whose epilogue (bias, relu) is fused at -O2
    expect(out).toMatch(/^ {2}b0 +\d+ +\d+ +\d+-(\d+|end) +f32\[4,2\] %\d+ (matmul|fusion)/m);
    expect(out).toMatch(/written over an operand \(in place\): %\d+ \w+ over %\d+/);
  });

  it("lists the plan of each scan step after the entries, as compile plans them", async () => {
    expect(inspectRnn.stderr).toBe("");
    expect(inspectRnn.code).toBe(0);
    const out = inspectRnn.stdout;
    const rnn = (await import("../fixtures/rnn.model.js")).default;
    const steps = (await compile(rnn)).plans.steps;
    // the forward loop, and in the backward entry its replay and the reverse (BPTT) loop
    expect(steps.map((s) => s.export)).toEqual([
      expect.stringMatching(/^forward_\d+_scan_step$/),
      expect.stringMatching(/^backward_\d+_scan_step$/),
      expect.stringMatching(/^backward_\d+_scan_step$/),
    ]);
    for (const step of steps) {
      expect(out).toMatch(
        new RegExp(
          `^ {2}${step.export} +${step.steps} +${step.arenaBytes} +${step.naiveBytes} +${step.lowerBoundBytes} +`,
          "m",
        ),
      );
      expect(out).toContain(`${step.export}: arena ${step.arenaBytes} bytes`);
    }
  });

  it("--optimizer adds train_step with its updates in place; -o writes the SVG picture", () => {
    expect(inspectTrain.stderr).toBe("");
    expect(inspectTrain.code).toBe(0);
    expect(inspectTrain.stdout).toMatch(/optimizer adam\(lr=0\.05, /);
    expect(inspectTrain.stdout).toMatch(/^ {2}train_step +\d+ +\d+ +\d+ +\d+ +\d\.\d\d$/m);
    expect(inspectTrain.stdout).toMatch(/updates in place: W1, optim\.W1\.m, optim\.W1\.v, b1, /);
    const svg = readFileSync(svgFile, "utf8");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const entry of ["forward", "backward", "train_step"]) expect(svg).toContain(`>${entry}</text>`);
    expect(svg.match(/<rect /g)!.length).toBeGreaterThan(10);
    expect(svg).toContain("<polyline");
  });

  it("compile --emit plan writes <out>.plan.svg", () => {
    expect(compiled.stderr).toBe("");
    expect(compiled.stdout).toMatch(/^ {2}wrote +\S*xor\.wasm, xor\.plan\.svg$/m);
    const svg = readFileSync(join(scratch, "xor.plan.svg"), "utf8");
    expect(svg).toMatch(/^<svg [^>]*>\n/);
    expect(svg).toContain("memory plan of xor");
  });

  it("reports misuse in one line", async () => {
    const [dot, noMemory, wasm, forwardOnly] = await Promise.all([
      wasmgrad("inspect", "examples/xor/model.ts", "--memory", "--dot"),
      wasmgrad("inspect", "examples/xor/model.ts", "--optimizer", "sgd"),
      wasmgrad("inspect", join(scratch, "missing.wasm"), "--memory"),
      wasmgrad("inspect", noLoss, "--memory", "--optimizer", "sgd"),
    ]);
    expect(expectOneLineError(dot, 2)).toBe("wasmgrad: --memory cannot be combined with --dot");
    expect(expectOneLineError(noMemory, 2)).toBe(
      "wasmgrad: --optimizer applies to the memory plan or the optimized training step: add --memory or --opt",
    );
    expect(expectOneLineError(wasm, 2)).toMatch(
      /--memory plans a model file's compilation; .* is a compiled module/,
    );
    expect(expectOneLineError(forwardOnly, 2)).toMatch(
      /model 'fwd' has no loss .* cannot be planned with --optimizer sgd/,
    );
  });
});
