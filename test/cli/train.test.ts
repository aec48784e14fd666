// `wasmgrad train`, run as a child process from the TypeScript sources on the XOR example. The
// loss falls; the progress lines and the summary give the losses of the same training run in this
// process; the saved weights load into a forward-only module compiled by `wasmgrad compile` and
// give the trained net's outputs; each mistake is one line with exit status 2.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatLoss } from "../../compiler/cli/commands/train.js";
import { compile, optim } from "../../compiler/index.js";
import xor, { X, Y } from "../../examples/xor/model.js";
import { load, type Net } from "../../runtime/index.js";
import {
  repoRoot,
  runInRepo,
  wasmgrad,
  type CliResult,
  expectOneLineError,
  expectOk,
  summaryLosses,
} from "../support/cli.js";

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-train-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const XOR = "examples/xor/model.ts";
const [STEPS, SEED, LR] = [200, 3, 0.05];
const xy = join(scratch, "xy.json");
const xFile = join(scratch, "x.json");
const yFile = join(scratch, "y.json");
const weights = join(scratch, "out/xor.weights"); // its directory does not exist yet
const forwardWasm = join(scratch, "xor-forward.wasm");
const compilerIndex = JSON.stringify(join(repoRoot, "compiler/index.ts"));

let trained: CliResult;
let forwardCompile: CliResult;
/** The same module and training run in this process: XOR with Adam(LR), init(SEED). */
let adamWasm: Uint8Array<ArrayBuffer>;
let losses: number[];
let trainedNet: Net;

beforeAll(async () => {
  writeFileSync(xy, JSON.stringify({ x: X, y: Y }));
  writeFileSync(xFile, JSON.stringify(X));
  writeFileSync(yFile, JSON.stringify(Y));
  [trained, forwardCompile] = await Promise.all([
    wasmgrad(
      "train",
      XOR,
      "--input",
      xy,
      "--steps",
      String(STEPS),
      "--every",
      "50",
      "--lr",
      String(LR),
      "--seed",
      String(SEED),
      "--save-weights",
      weights,
    ),
    wasmgrad("compile", XOR, "-o", forwardWasm), // no optimizer: forward and backward only
  ]);
  adamWasm = (await compile(xor, { optimizer: optim.adam(LR) })).wasm;
  trainedNet = await load(adamWasm);
  trainedNet.init(SEED);
  losses = Array.from({ length: STEPS }, () => trainedNet.train({ x: X, y: Y }).loss);
}, 300_000);

describe("wasmgrad train", () => {
  it("the loss falls; progress every --every steps on stderr; the summary on stdout", () => {
    const r = expectOk(trained);
    const progress = r.stderr.trimEnd().split("\n");
    expect(progress).toHaveLength(4);
    progress.forEach((line, i) => {
      const step = (i + 1) * 50;
      expect(line).toMatch(/^step +\d+\/200 {2}loss \S+ {2}\d+(\.\d+)? steps\/s$/);
      expect(line).toContain(`step ${String(step).padStart(3)}/200  loss ${formatLoss(losses[step - 1]!)}  `);
    });
    expect(r.stdout).toMatch(
      /^trained model 'xor' \(examples\/xor\/model\.ts\): 200 steps in \d+\.\d\d s \(\d+(\.\d+)? steps\/s\)\n/,
    );
    expect(r.stdout).toMatch(
      /^ {2}train +adam\(lr=0\.05, beta1=0\.9, beta2=0\.999, eps=1e-8, biasCorrection=true\)$/m,
    );
    expect(r.stdout).toMatch(
      /^ {2}module +\d+ bytes \(simd \+ a relaxed-simd variant picked at load\), compiled in \d+\.\d\d s$/m,
    );
    expect(r.stdout).toMatch(/^ {2}init +seed 3$/m);
    expect(r.stdout).toMatch(new RegExp(`^ {2}wrote +${weights.replaceAll(".", "\\.")}$`, "m"));
    const [first, last] = summaryLosses(r.stdout);
    expect([first, last]).toEqual([formatLoss(losses[0]!), formatLoss(losses[STEPS - 1]!)]);
    expect(Number(last)).toBeLessThan(Number(first) / 10);
  });

  it("on a terminal, draws one bar redrawn in place with the rate, the time left and the loss", async () => {
    // `script` gives the command a pseudo-terminal; stdout goes to a file, so the terminal
    // (script's output) holds stderr alone
    const summary = join(scratch, "summary.txt");
    const command = [
      JSON.stringify(process.execPath),
      "--import tsx compiler/cli/main.ts train",
      `${XOR} --input ${JSON.stringify(xy)} --steps ${STEPS} --lr ${LR} --seed ${SEED}`,
      `> ${JSON.stringify(summary)}`,
    ].join(" ");
    const r = await runInRepo("script", ["-qec", command, "/dev/null"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const terminal = r.stdout.replaceAll("\r\n", "\n");
    // every redraw starts with a carriage return; the last one ends the line
    const draws = terminal.split("\r").filter((d) => d.length > 0);
    expect(draws.length).toBeGreaterThanOrEqual(1);
    expect(terminal.endsWith("\n")).toBe(true);
    for (const d of draws)
      expect(d).toMatch(/^\[[#-]{24}\] +\d+% \d+\/200 steps, \S+ steps\/s, \S+ (left|in all), loss \S+/);
    expect(draws.at(-1)!.trimEnd()).toMatch(
      new RegExp(
        `^\\[#{24}\\] 100% 200/200 steps, \\S+ steps/s, \\d+:\\d\\d in all, loss ${formatLoss(losses[STEPS - 1]!).replaceAll(".", "\\.")}$`,
      ),
    );
    // no plain step lines on a terminal; the summary is unchanged
    expect(terminal).not.toMatch(/^step /m);
    expect(summaryLosses(readFileSync(summary, "utf8"))[1]).toBe(formatLoss(losses[STEPS - 1]!));
  });

  it("saves the params: `run --weights` on a module without an optimizer gives the trained outputs", async () => {
    expectOk(trained);
    expectOk(forwardCompile);
    const r = expectOk(await wasmgrad("run", forwardWasm, "--input", `x=${xFile}`, "--weights", weights));
    const outputs = (JSON.parse(r.stdout) as { outputs: { p: number[]; logit: number[] } }).outputs;
    expect(outputs.p).toEqual([...trainedNet.run({ x: X })["p"]!]);
    expect(outputs.logit).toEqual([...trainedNet.run({ x: X })["logit"]!]);
    // the trained params, not an initialization: the outputs separate XOR's classes
    expect(outputs.p.map((p) => (p > 0.5 ? 1 : 0))).toEqual(Y);
    // params only: the same bytes as the in-process net's saveWeights()
    expect(new Uint8Array(readFileSync(weights))).toEqual(trainedNet.saveWeights());
  });

  it("takes name=file.json inputs, starts from --weights, and defaults to the `inputs` export", async () => {
    expectOk(trained);
    const [more, exported] = await Promise.all([
      wasmgrad(
        "train",
        XOR,
        "--input",
        `x=${xFile}`,
        "--input",
        `y=${yFile}`,
        "--steps",
        "3",
        "--lr",
        "0.05",
        "--weights",
        weights,
      ),
      wasmgrad("train", XOR, "--steps", "5", "--lr", "0.05", "--seed", "3"),
    ]);
    // from the saved params with fresh Adam moments
    const resumed = await load(adamWasm);
    resumed.loadWeights(readFileSync(weights));
    const resumedLosses = [0, 1, 2].map(() => resumed.train({ x: X, y: Y }).loss);
    expect(expectOk(more).stdout).toMatch(
      new RegExp(`^ {2}init +weights ${weights.replaceAll(".", "\\.")}$`, "m"),
    );
    expect(summaryLosses(more.stdout)).toEqual([
      formatLoss(resumedLosses[0]!),
      formatLoss(resumedLosses[2]!),
    ]);
    expect(Number(summaryLosses(more.stdout)[0])).toBeLessThan(losses[0]! / 10); // it did start trained
    expect(more.stdout).not.toContain("wrote");
    // examples/xor/model.ts exports { x: X, y: Y }; 5 steps report progress after each (steps/10, rounded up)
    expect(summaryLosses(expectOk(exported).stdout)).toEqual([
      formatLoss(losses[0]!),
      formatLoss(losses[4]!),
    ]);
    expect(
      exported.stderr
        .trimEnd()
        .split("\n")
        .map((l) => /^step (\d)\/5 /.exec(l)?.[1]),
    ).toEqual(["1", "2", "3", "4", "5"]);
  });
});

describe("wasmgrad train: errors are one line with exit status 2", () => {
  it("bad --steps, --seed with --weights, a compiled module, an unwritable --save-weights", async () => {
    const dir = join(scratch, "a-directory");
    mkdirSync(dir, { recursive: true });
    const [zero, abc, none, both, wasm, underFile, isDir] = await Promise.all([
      wasmgrad("train", XOR, "--steps", "0"),
      wasmgrad("train", XOR, "--steps", "abc"),
      wasmgrad("train", XOR),
      wasmgrad("train", XOR, "--steps", "5", "--seed", "1", "--weights", weights),
      wasmgrad("train", forwardWasm, "--steps", "5"),
      wasmgrad("train", XOR, "--steps", "5", "--save-weights", join(xFile, "w.bin")),
      wasmgrad("train", XOR, "--steps", "5", "--save-weights", dir),
    ]);
    expect(expectOneLineError(zero, 2)).toContain("--steps must be a positive integer, got '0'");
    expect(expectOneLineError(abc, 2)).toContain("--steps must be a positive integer, got 'abc'");
    expect(expectOneLineError(none, 2)).toContain("required option '--steps <n>' not specified");
    expect(expectOneLineError(both, 2)).toContain(
      "give --seed (initialize the params) or --weights (load them), not both",
    );
    expect(expectOneLineError(wasm, 2)).toMatch(
      /xor-forward\.wasm' is a compiled module; train takes a model file/,
    );
    expect(expectOneLineError(underFile, 2)).toBe(
      `wasmgrad: cannot write --save-weights '${join(xFile, "w.bin")}': '${xFile}' is not a directory`,
    );
    expect(expectOneLineError(isDir, 2)).toBe(
      `wasmgrad: cannot write --save-weights '${dir}': it is a directory; give the path of a file`,
    );
  }, 300_000);

  // /dev/full passes the check made before training (it is writable) and fails every write
  it.skipIf(!existsSync("/dev/full"))(
    "weights that cannot be written after training: the summary is printed, then one error line",
    async () => {
      const r = await wasmgrad("train", XOR, "--input", xy, "--steps", "3", "--save-weights", "/dev/full");
      expect(r.code).toBe(2);
      summaryLosses(r.stdout);
      expect(r.stdout).not.toMatch(/wrote/);
      expect(r.stderr.trimEnd().split("\n").slice(-1)).toEqual([
        "wasmgrad: cannot write --save-weights '/dev/full': ENOSPC: no space left on device, write; " +
          "the results were printed, the file was not written",
      ]);
    },
    300_000,
  );

  it("a model without a loss, and a model with inputs but no values for them", async () => {
    const noLoss = join(scratch, "no-loss.model.mts");
    writeFileSync(
      noLoss,
      `import { model } from ${compilerIndex};\n` +
        `export default model("embed", (m) => { m.output("y", m.input("x", [2]).mul(m.param("w", [2]))); });\n`,
    );
    const noInputs = join(scratch, "no-inputs.mts");
    writeFileSync(
      noInputs,
      `import { model } from ${compilerIndex};\n` +
        `export default model("lin", (m) => { m.loss(m.input("x", [2]).mul(m.param("w", [2])).sum()); });\n`,
    );
    const [loss, inputs] = await Promise.all([
      wasmgrad("train", noLoss, "--steps", "5", "--input", `x=${yFile}`),
      wasmgrad("train", noInputs, "--steps", "5"),
    ]);
    expect(expectOneLineError(loss, 2)).toMatch(
      /^wasmgrad: model 'embed' has no loss, so it cannot be trained: train needs m\.loss\(\.\.\.\) in .*no-loss\.model\.mts$/,
    );
    expect(expectOneLineError(inputs, 2)).toMatch(
      /^wasmgrad: model 'lin' has inputs \(x\) but no values for them: pass --input file\.json .*or export `inputs` from /,
    );
  }, 300_000);

  it("missing, unknown, malformed and unreadable inputs; a loss that diverges", async () => {
    const badJson = join(scratch, "bad.json");
    writeFileSync(badJson, "{ not json");
    const [missing, unknown, wrongShape, unparsable, absent, diverged] = await Promise.all([
      wasmgrad("train", XOR, "--steps", "5", "--input", `x=${xFile}`),
      wasmgrad("train", XOR, "--steps", "5", "--input", xy, "--input", `z=${xFile}`),
      wasmgrad("train", XOR, "--steps", "5", "--input", `x=${yFile}`, "--input", `y=${yFile}`),
      wasmgrad("train", XOR, "--steps", "5", "--input", badJson),
      wasmgrad("train", XOR, "--steps", "5", "--input", join(scratch, "nope.json")),
      wasmgrad(
        "train",
        XOR,
        "--steps",
        "5",
        "--every",
        "100",
        "--optimizer",
        "sgd",
        "--lr",
        "1e30",
        "--seed",
        "3",
      ),
    ]);
    expect(expectOneLineError(missing, 2)).toBe(
      "wasmgrad: train reads the inputs x, y: missing --input y=file.json",
    );
    expect(expectOneLineError(unknown, 2)).toBe(
      "wasmgrad: model 'xor' has no input named 'z'; its inputs: x, y",
    );
    expect(expectOneLineError(wrongShape, 2)).toBe(
      'wasmgrad: model "xor": input "x": expected 8 values (shape [4, 2], f32), got 4',
    );
    expect(expectOneLineError(unparsable, 2)).toMatch(/^wasmgrad: cannot parse inputs file '.*bad\.json': /);
    expect(expectOneLineError(absent, 2)).toMatch(/^wasmgrad: cannot find inputs file '.*nope\.json'/);
    expect(expectOneLineError(diverged, 2)).toBe(
      "wasmgrad: the loss became NaN at step 2 (diverged: try a smaller --lr, or --clip-norm); weights not saved",
    );
  }, 300_000);
});
