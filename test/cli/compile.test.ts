// `wasmgrad compile`, `wasmgrad inspect model.wasm` and `wasmgrad run`, run as child processes
// from the TypeScript sources. Two modules are compiled once, up front: the XOR example with Adam
// and every --emit file, and the classifier fixture (an i32 input) without an optimizer, with the
// default output path, scalar code and binaryen's optimizer off.
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dtsTypeName, emitDts } from "../../compiler/wasm/dts.js";
import { load } from "../../runtime/index.js";
import type { Manifest } from "../../runtime/index.js";
import { inputs } from "../fixtures/classifier.model.js";
import { wasmgrad, type CliResult, expectOneLineError } from "../support/cli.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-compile-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");

function expectOk(r: CliResult): CliResult {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r;
}

const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const Y = [0, 1, 1, 0];
const compilerIndex = JSON.stringify(join(repoRoot, "compiler/index.ts"));

const xorWasm = join(scratch, "out/xor.wasm");
/** The classifier fixture, copied so that its default output lands in the scratch directory. */
const classifierModel = join(scratch, "classifier.model.mts");
const classifierWasm = join(scratch, "classifier.wasm");
let xorCompile: CliResult;
let classifierCompile: CliResult;
let relaxedCompile: CliResult;

beforeAll(async () => {
  writeFileSync(
    classifierModel,
    readFileSync(join(repoRoot, "test/fixtures/classifier.model.ts"), "utf8").replace(
      `"../../compiler/index.js"`,
      compilerIndex,
    ),
  );
  writeFileSync(join(scratch, "x.json"), JSON.stringify(X));
  writeFileSync(join(scratch, "y.json"), JSON.stringify(Y));
  writeFileSync(join(scratch, "xy.json"), JSON.stringify({ x: X, y: Y }));
  [xorCompile, classifierCompile, relaxedCompile] = await Promise.all([
    wasmgrad(
      "compile",
      "examples/xor/model.ts",
      "-o",
      xorWasm,
      "--optimizer",
      "adam",
      "--lr",
      "0.05",
      "--emit",
      "wat,dot",
      "--emit",
      "dts,ir",
    ),
    wasmgrad("compile", classifierModel, "--no-simd", "--no-optimize", "--emit", "dts"),
    wasmgrad(
      "compile",
      "examples/xor/model.ts",
      "-o",
      join(scratch, "xor-relaxed.wasm"),
      "--relaxed-simd",
      "--optimize",
    ),
  ]);
}, 300_000);

describe.concurrent("wasmgrad compile", () => {
  it("writes the module and every --emit file, and prints a summary", () => {
    const r = expectOk(xorCompile);
    const size = statSync(xorWasm).size;
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^compiled model 'xor' \(examples\/xor\/model\.ts\) in \d+\.\d\d s$/);
    expect(r.stdout).toMatch(
      new RegExp(`^ {2}module +${size} bytes \\(simd \\+ a relaxed-simd variant picked at load\\)$`, "m"),
    );
    expect(r.stdout).toMatch(
      /^ {2}train +adam\(lr=0\.05, beta1=0\.9, beta2=0\.999, eps=1e-8, biasCorrection=true\)$/m,
    );
    expect(r.stdout).toMatch(
      /^ {2}exports +forward, backward, train_step, init, reset_state, trap_site, trap_value, memory$/m,
    );
    expect(r.stdout).toMatch(/^ {2}memory +65536 bytes$/m);
    expect(r.stdout).toMatch(
      /^ {2}tensors +\d+ \(2 inputs, 4 params, 9 states, \d outputs, 4 grads; \d+ bytes\)$/m,
    );
    expect(r.stdout).toMatch(/^ {2}wrote +\S*out\/xor\.wasm, xor\.wat, xor\.dot, xor\.d\.ts, xor\.ir\.txt$/m);
    expect(size).toBeGreaterThan(1000);
    expect([...readFileSync(xorWasm).subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d]);

    const wat = readFileSync(join(scratch, "out/xor.wat"), "utf8");
    expect(wat).toMatch(/^\(module\n/);
    expect(wat).toContain(`(export "train_step"`);

    const dot = readFileSync(join(scratch, "out/xor.dot"), "utf8");
    expect(dot.match(/^digraph /gm)).toHaveLength(2);
    expect(dot).toMatch(/^digraph "xor forward" \{$/m);
    expect(dot).toMatch(/^digraph "xor gradient" \{$/m);
    expect(dot).toContain('"grad:W1" [label="d loss / d W1"');

    const ir = readFileSync(join(scratch, "out/xor.ir.txt"), "utf8");
    expect(ir.match(/^# (forward|backward|train):/gm)).toEqual(["# forward:", "# backward:", "# train:"]);
    expect(ir.match(/^graph xor$/gm)).toHaveLength(3);
    expect(ir).toMatch(/^updates\n {2}W1 +-> %\d+$/m);
    expect(ir).toMatch(/= state optim\.W1\.m : f32\[2,2\]/);

    const dts = readFileSync(join(scratch, "out/xor.d.ts"), "utf8");
    expect(dts).toContain(`import type { ModelTypes, Net } from "wasmgrad/runtime";`);
    expect(dts).toContain("export interface Xor extends ModelTypes {");
    expect(dts).toMatch(/^ {2}forwardInputs: "x";$/m);
    expect(dts).toMatch(/^ {2}lossInputs: "x" \| "y";$/m);
    expect(dts).toMatch(/^ {2}i32: never;$/m);
  });

  it("--relaxed-simd: a module that says so, with relaxed_madd in its matmuls (and --optimize runs binaryen -O3)", () => {
    const r = expectOk(relaxedCompile);
    expect(r.stdout).toMatch(/^ {2}module +\d+ bytes \(simd \+ relaxed simd, binaryen -O3\)$/m);
    const bytes = readFileSync(join(scratch, "xor-relaxed.wasm"));
    // a manifest that records it (the runtime's load error relies on this exact text)
    expect(Buffer.from(bytes).includes('"relaxedSimd":true')).toBe(true);
    // the exports line: the names where this engine compiles it, otherwise a note saying why not
    expect(r.stdout).toMatch(
      /^ {2}exports +(forward, backward, init, reset_state, trap_site, trap_value, memory|\(this engine cannot compile the module: it lacks relaxed SIMD\))$/m,
    );
  });

  it("writes <model name>.wasm next to the model file by default; --no-simd and --no-optimize", () => {
    const r = expectOk(classifierCompile);
    expect(r.stdout).toMatch(/^compiled model 'classifier' \(.*classifier\.model\.mts\) in /);
    expect(r.stdout).toMatch(/^ {2}module +\d+ bytes \(no simd\)$/m);
    expect(r.stdout).toMatch(/^ {2}train +no optimizer: forward and backward/m);
    expect(r.stdout).toMatch(
      /^ {2}exports +forward, backward, init, reset_state, trap_site, trap_value, memory$/m,
    );
    expect(r.stdout).toMatch(/^ {2}wrote +\S*classifier\.wasm, classifier\.d\.ts$/m);
    expect(existsSync(classifierWasm)).toBe(true);
    const dts = readFileSync(join(scratch, "classifier.d.ts"), "utf8");
    expect(dts).toContain("export interface Classifier extends ModelTypes {");
    expect(dts).toMatch(/^ {2}i32: "label";$/m);
    expect(dts).toMatch(/^ {2}states: never;$/m);
  });

  it("the generated .d.ts types load<...>: tsc accepts a consumer and rejects wrong names and dtypes", async () => {
    expectOk(xorCompile);
    expectOk(classifierCompile);
    const dir = join(scratch, "out");
    const consumer = `import { load } from "wasmgrad/runtime";
import type { Classifier } from "../classifier.js";
import type { Xor, XorNet } from "./xor.js";

declare const bytes: Uint8Array;
const net: XorNet = await load<Xor>(bytes);
const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const p: Float32Array = net.run({ x }).p;
export const loss: number = net.train({ x, y: [0, 1, 1, 0] }).loss;
export const W1: Float32Array = net.params.W1;
export const gradW1: Float32Array = net.grad({ x, y: [0, 1, 1, 0] }).grads.W1;
export const moment: Float32Array = net.states["optim.W1.m"];
const classifier = await load<Classifier>(bytes);
export const label: Int32Array = classifier.inputs.label;
export const probs: Float32Array = classifier.run({ x: new Float32Array(24) }).probs;
`;
    const wrong = `import { load } from "wasmgrad/runtime";
import type { Classifier } from "../classifier.js";
import type { Xor } from "./xor.js";

declare const bytes: Uint8Array;
const net = await load<Xor>(bytes);
net.run({ z: [[0, 0]] }); // @unknown-input
net.train({ x: [[0, 0]] }); // @missing-input
export const w: Int32Array = net.params.W1; // @wrong-dtype
const classifier = await load<Classifier>(bytes);
export const label: Float32Array = classifier.inputs.label; // @wrong-dtype-i32
`;
    writeFileSync(join(dir, "consumer.ts"), consumer);
    writeFileSync(join(dir, "wrong.ts"), wrong);
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ private: true, type: "module" }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          types: [],
          strict: true,
          verbatimModuleSyntax: true,
          noEmit: true,
          skipLibCheck: false,
          // the runtime's sources stand in for the installed package's declarations
          paths: { "wasmgrad/runtime": [join(repoRoot, "runtime/index.ts")] },
        },
        files: ["consumer.ts", "wrong.ts"],
      }),
    );
    const r = await new Promise<CliResult>((resolve) => {
      execFile(
        process.execPath,
        [tsc, "-p", dir],
        { cwd: dir, encoding: "utf8", timeout: 60_000 },
        (e, o, s) =>
          resolve({ code: e ? (typeof e.code === "number" ? e.code : -1) : 0, stdout: o, stderr: s }),
      );
    });
    const errors = r.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
    const lineOf = (marker: string) => wrong.split("\n").findIndex((l) => l.includes(marker)) + 1;
    // the consumer type-checks; each marked line of wrong.ts is an error, and nothing else is
    expect(
      errors.filter((l) => !l.startsWith("wrong.ts(")),
      r.stdout + r.stderr,
    ).toEqual([]);
    expect(errors.map((l) => Number(/^wrong\.ts\((\d+),/.exec(l)?.[1]))).toEqual(
      ["@unknown-input", "@missing-input", "@wrong-dtype", "@wrong-dtype-i32"].map(lineOf),
    );
    expect(errors[0]).toContain("'z'");
    expect(errors[1]).toContain(`InputValues<Xor, "x" | "y">`);
    expect(r.stdout).toContain("Property 'y' is missing");
    expect(errors[2]).toMatch(/Float32Array.*Int32Array/);
    expect(errors[3]).toMatch(/Int32Array.*Float32Array/);
    expect(r.code).not.toBe(0);
  });
});

describe.concurrent("wasmgrad inspect model.wasm", () => {
  it("prints the model, compiler, options, exports, memory and a table of tensors", async () => {
    expectOk(xorCompile);
    const r = expectOk(await wasmgrad("inspect", xorWasm));
    const size = statSync(xorWasm).size;
    expect(r.stdout).toMatch(new RegExp(`^module +\\S*out/xor\\.wasm \\(${size} bytes\\)$`, "m"));
    expect(r.stdout).toMatch(/^model +xor$/m);
    expect(r.stdout).toMatch(/^compiler +wasmgrad \d+\.\d+\.\d+ \(manifest format 1\)$/m);
    expect(r.stdout).toMatch(
      /^options +simd \+ a relaxed-simd variant picked at load, optimizer adam\(lr=0\.05, .*\), clip-norm none$/m,
    );
    expect(r.stdout).toMatch(
      /^exports +forward, backward, train_step, init, reset_state, trap_site \(global\), trap_value \(global\), memory \(memory\)$/m,
    );
    expect(r.stdout).toMatch(/^entries +forward\(x\) -> .*p/m);
    expect(r.stdout).toMatch(/^ +train_step\(x, y\) -> loss$/m);
    expect(r.stdout).toMatch(/^memory +65536 bytes \(1 × 64 KiB\)$/m);
    expect(r.stdout).toMatch(/^role +name +dtype +shape +offset +bytes$/m);
    expect(r.stdout).toMatch(/^input +x +f32 +\[4,2\] +0 +32$/m);
    expect(r.stdout).toMatch(/^param +W1 +f32 +\[2,2\] +\d+ +16$/m);
    expect(r.stdout).toMatch(/^state +optim\.step +f32 +\[\] +\d+ +4$/m);
    expect(r.stdout).toMatch(/^output +loss +f32 +\[\] +\d+ +4$/m);
    expect(r.stdout).toMatch(/^grad +b2 +f32 +\[1\] +\d+ +4$/m);
    expect(r.stdout).toMatch(/^tensors: \d+ \(2 inputs, 4 params, 9 states, /m);
  });

  it("shows no simd, no optimizer and the i32 input of the classifier", async () => {
    expectOk(classifierCompile);
    const r = expectOk(await wasmgrad("inspect", classifierWasm));
    expect(r.stdout).toMatch(/^options +no simd, optimizer none, clip-norm none$/m);
    expect(r.stdout).toMatch(/^input +label +i32 +\[6\] +\d+ +24$/m);
  });
});

describe.concurrent("wasmgrad run", () => {
  it("forward prints the outputs as JSON", async () => {
    expectOk(xorCompile);
    const r = expectOk(
      await wasmgrad("run", xorWasm, "--input", `x=${join(scratch, "x.json")}`, "--seed", "1"),
    );
    const out = JSON.parse(r.stdout) as { model: string; entry: string; outputs: { p: number[] } };
    expect(out).toMatchObject({ model: "xor", entry: "forward" });
    expect(out.outputs.p).toHaveLength(4);
    for (const v of out.outputs.p) expect(v > 0 && v < 1).toBe(true);
    const net = await load(new Uint8Array(readFileSync(xorWasm)));
    net.init(1);
    expect(out.outputs.p).toEqual([...net.run({ x: X })["p"]!]);
  });

  it("train --steps prints every loss; --save-weights and --weights carry the trained state", async () => {
    expectOk(xorCompile);
    const weights = join(scratch, "xor.weights");
    const inputs = ["--input", `x=${join(scratch, "x.json")}`, "--input", `y=${join(scratch, "y.json")}`];
    const r = expectOk(
      await wasmgrad(
        "run",
        xorWasm,
        ...inputs,
        "--entry",
        "train",
        "--steps",
        "20",
        "--seed",
        "2",
        "--save-weights",
        weights,
      ),
    );
    const trained = JSON.parse(r.stdout) as {
      steps: number;
      losses: number[];
      loss: number;
      outputs: { p: number[] };
    };
    expect(trained.steps).toBe(20);
    expect(trained.losses).toHaveLength(20);
    expect(trained.loss).toBe(trained.losses[19]);
    expect(trained.losses[19]!).toBeLessThan(trained.losses[0]!);
    // the same steps with the runtime in this process
    const net = await load(new Uint8Array(readFileSync(xorWasm)));
    net.init(2);
    expect(trained.losses).toEqual(Array.from({ length: 20 }, () => net.train({ x: X, y: Y }).loss));

    // forward from the saved weights gives the outputs printed after training
    const forward = expectOk(
      await wasmgrad("run", xorWasm, "--input", `x=${join(scratch, "x.json")}`, "--weights", weights),
    );
    expect((JSON.parse(forward.stdout) as { outputs: unknown }).outputs).toEqual(trained.outputs);
    // and training on from them (states included) continues the same run
    const more = expectOk(
      await wasmgrad("run", xorWasm, ...inputs, "--entry", "train", "--steps", "2", "--weights", weights),
    );
    expect((JSON.parse(more.stdout) as { losses: number[] }).losses).toEqual([
      net.train({ x: X, y: Y }).loss,
      net.train({ x: X, y: Y }).loss,
    ]);
  });

  it("backward prints the loss and every grad, shaped like its param; --input takes a file of all inputs", async () => {
    expectOk(classifierCompile);
    const inputsFile = join(scratch, "classifier.inputs.json");
    writeFileSync(inputsFile, JSON.stringify(inputs));
    const r = expectOk(
      await wasmgrad("run", classifierWasm, "--input", inputsFile, "--entry", "backward", "--seed", "5"),
    );
    const out = JSON.parse(r.stdout) as { loss: number; grads: Record<string, number[][] | number[]> };
    expect(Object.keys(out.grads)).toEqual(["W1", "b1", "W2", "b2"]);
    expect(out.grads["W1"]).toHaveLength(4);
    expect(out.grads["W1"]![0]).toHaveLength(8);
    expect(out.grads["b2"]).toHaveLength(3);
    const net = await load(new Uint8Array(readFileSync(classifierWasm)));
    net.init(5);
    const g = net.grad(inputs);
    expect(out.loss).toBe(g.loss);
    expect((out.grads["W2"] as number[][]).flat()).toEqual([...g.grads["W2"]!]);
  });
});

describe.concurrent("errors are one line with exit status 2", () => {
  it("compile: a missing model file", async () => {
    expect(expectOneLineError(await wasmgrad("compile", "test/fixtures/no-such.model.ts"), 2)).toMatch(
      /^wasmgrad: cannot find model file 'test\/fixtures\/no-such\.model\.ts'/,
    );
  });

  it("compile: an unknown optimizer, a learning rate that is not a number, an unknown --emit kind", async () => {
    const xor = "examples/xor/model.ts";
    expect(expectOneLineError(await wasmgrad("compile", xor, "--optimizer", "lbfgs"), 2)).toMatch(
      /argument 'lbfgs' is invalid\. Allowed choices are sgd, momentum, adagrad, rmsprop, adam/,
    );
    expect(
      expectOneLineError(await wasmgrad("compile", xor, "--optimizer", "sgd", "--lr", "fast"), 2),
    ).toContain("--lr must be a positive number, got 'fast'");
    expect(expectOneLineError(await wasmgrad("compile", xor, "--emit", "wat,pdf"), 2)).toContain(
      "--emit takes a comma-separated list of wat, dot, dts, ir, plan; got 'pdf'",
    );
    expect(expectOneLineError(await wasmgrad("compile", xor, "--lr", "0.1"), 2)).toContain("add --optimizer");
  });

  it("compile: a model without a loss cannot take an optimizer", async () => {
    const noLoss = join(scratch, "no-loss.model.mts");
    writeFileSync(
      noLoss,
      `import { model } from ${compilerIndex};\n` +
        `export default model("embed", (m) => { m.output("y", m.input("x", [2]).mul(m.param("w", [2]))); });\n`,
    );
    expect(expectOneLineError(await wasmgrad("compile", noLoss, "--optimizer", "adam"), 2)).toMatch(
      /^wasmgrad: model 'embed' has no loss \(call m\.loss\(\.\.\.\)\), so it cannot be compiled with --optimizer adam/,
    );
  });

  it("compile --batch --forward-batches: one module with a forward entry per size; inspect lists them", async () => {
    const sized = join(scratch, "sized.model.mts");
    writeFileSync(
      sized,
      `import { model } from ${compilerIndex};\n` +
        `export default model("sized", (m, { batch }) => {\n` +
        `  m.output("y", m.input("x", [batch, 2]).matmul(m.param("w", [2, 3])));\n` +
        `}, { batch: 16 });\n`,
    );
    const out = join(scratch, "sized.wasm");
    expectOk(await wasmgrad("compile", sized, "-o", out, "--batch", "4", "--forward-batches", "1,2"));
    const net = await load(readFileSync(out));
    expect(net.forwards.map((f) => [f.export, f.dims])).toEqual([
      ["forward", { batch: 4 }],
      ["forward_batch_1", { batch: 1 }],
      ["forward_batch_2", { batch: 2 }],
    ]);
    const report = expectOk(await wasmgrad("inspect", out)).stdout;
    expect(report).toContain("forward_batch_2(x) -> y at batch 2");
    expect(report).toMatch(/input\s+x \(forward_batch_1\)\s+f32\s+\[1,2\]/);
    // a model defined without dims has one size, and says how to define it over them
    expect(
      expectOneLineError(await wasmgrad("compile", "examples/xor/model.ts", "--forward-batches", "1"), 2),
    ).toMatch(/^wasmgrad: compile: model 'xor': it is not defined over dims, so it has one size only/);
    expect(expectOneLineError(await wasmgrad("compile", sized, "--forward-batches", "1,x"), 2)).toMatch(
      /--forward-batches/,
    );
  });

  it("inspect and run: a .wasm that wasmgrad did not compile, and a file that is not WebAssembly", async () => {
    const foreign = join(scratch, "foreign.wasm");
    writeFileSync(foreign, new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const noManifest =
      /^wasmgrad: \S*foreign\.wasm has no wasmgrad manifest \(custom section "wasmgrad\.manifest"\)/;
    expect(expectOneLineError(await wasmgrad("inspect", foreign), 2)).toMatch(noManifest);
    expect(expectOneLineError(await wasmgrad("run", foreign), 2)).toMatch(noManifest);
    const garbage = join(scratch, "garbage.wasm");
    writeFileSync(garbage, "not a module");
    expect(expectOneLineError(await wasmgrad("inspect", garbage), 2)).toMatch(
      /garbage\.wasm is not a WebAssembly module \(it does not start with \\0asm\)$/,
    );
    expect(expectOneLineError(await wasmgrad("run", join(scratch, "missing.wasm")), 2)).toMatch(
      /^wasmgrad: cannot find module file /,
    );
    expect(expectOneLineError(await wasmgrad("run", "examples/xor/model.ts"), 2)).toContain(
      "compile the model first: wasmgrad compile examples/xor/model.ts",
    );
  });

  it("inspect --grad / --dot of a .wasm", async () => {
    expectOk(xorCompile);
    expect(expectOneLineError(await wasmgrad("inspect", "--dot", xorWasm), 2)).toContain(
      "--dot prints a model file's graph",
    );
  });

  it("run: missing and unknown inputs, bad values, an entry the module lacks, misplaced options", async () => {
    expectOk(xorCompile);
    expectOk(classifierCompile);
    const x = `x=${join(scratch, "x.json")}`;
    expect(expectOneLineError(await wasmgrad("run", xorWasm), 2)).toBe(
      "wasmgrad: forward reads the input x: missing --input x=file.json",
    );
    expect(expectOneLineError(await wasmgrad("run", xorWasm, "--input", x, "--entry", "train"), 2)).toBe(
      "wasmgrad: train reads the inputs x, y: missing --input y=file.json",
    );
    expect(
      expectOneLineError(await wasmgrad("run", xorWasm, "--input", `z=${join(scratch, "x.json")}`), 2),
    ).toBe("wasmgrad: model 'xor' has no input named 'z'; its inputs: x, y");
    expect(
      expectOneLineError(await wasmgrad("run", xorWasm, "--input", `x=${join(scratch, "y.json")}`), 2),
    ).toBe('wasmgrad: model "xor": input "x": expected 8 values (shape [4, 2], f32), got 4');
    expect(
      expectOneLineError(await wasmgrad("run", xorWasm, "--input", `x=${join(scratch, "nope.json")}`), 2),
    ).toMatch(/^wasmgrad: cannot find inputs file /);
    expect(
      expectOneLineError(await wasmgrad("run", classifierWasm, "--input", x, "--entry", "train"), 2),
    ).toMatch(/classifier\.wasm was compiled without an optimizer, so it has no train entry/);
    expect(expectOneLineError(await wasmgrad("run", xorWasm, "--input", x, "--steps", "3"), 2)).toContain(
      "--steps counts training steps: use it with --entry train",
    );
    expect(
      expectOneLineError(
        await wasmgrad("run", xorWasm, "--input", x, "--seed", "1", "--weights", "w.bin"),
        2,
      ),
    ).toContain("give --seed (initialize the params) or --weights (load them), not both");
    expect(
      expectOneLineError(
        await wasmgrad("run", xorWasm, "--input", x, "--weights", join(scratch, "x.json")),
        2,
      ),
    ).toContain("not a wasmgrad weights file");
  });

  it("run --save-weights: a path that cannot be written fails before anything runs", async () => {
    expectOk(xorCompile);
    const underFile = join(scratch, "x.json", "w.bin");
    // checked before the module is read and before the inputs (none are given)
    expect(expectOneLineError(await wasmgrad("run", xorWasm, "--save-weights", underFile), 2)).toBe(
      `wasmgrad: cannot write --save-weights '${underFile}': '${join(scratch, "x.json")}' is not a directory`,
    );
  });

  // /dev/full accepts the check (it is writable) and fails every write with ENOSPC
  it.skipIf(!existsSync("/dev/full"))(
    "run --save-weights: a write that fails after the run prints the JSON, then one error line",
    async () => {
      expectOk(xorCompile);
      const r = await wasmgrad(
        "run",
        xorWasm,
        "--input",
        `x=${join(scratch, "x.json")}`,
        "--save-weights",
        "/dev/full",
      );
      expect(r.code).toBe(2);
      expect((JSON.parse(r.stdout) as { outputs: { p: number[] } }).outputs.p).toHaveLength(4);
      expect(r.stderr).toBe(
        "wasmgrad: cannot write --save-weights '/dev/full': ENOSPC: no space left on device, write; " +
          "the results were printed, the file was not written\n",
      );
    },
  );
});

describe("emitDts", () => {
  const manifest = (overrides: Partial<Manifest>): Manifest => ({
    format: "wasmgrad",
    formatVersion: 1,
    compilerVersion: "0.1.0",
    model: "m",
    options: { simd: true, optimizer: null, clipNorm: null },
    memoryBytes: 65536,
    tensors: [],
    entries: { forward: { export: "forward", inputs: [], outputs: [] } },
    ...overrides,
  });

  it("names the type after the model, as an identifier", () => {
    expect(dtsTypeName("xor")).toBe("Xor");
    expect(dtsTypeName("char-rnn 2")).toBe("CharRnn2");
    expect(dtsTypeName("2layer")).toBe("Model2layer");
    expect(dtsTypeName("")).toBe("Model");
    expect(() => emitDts(manifest({}), { typeName: "not valid" })).toThrow(/not a TypeScript identifier/);
  });

  it("a forward-only model: `never` for empty name sets, no lossInputs; names are quoted", () => {
    const dts = emitDts(
      manifest({
        model: 'odd "*/" name',
        tensors: [
          { name: 'y"*/', role: "output", shape: [2], dtype: "i32", offset: 0 },
          { name: "w", role: "param", shape: [2], dtype: "f32", offset: 16 },
        ],
        entries: { forward: { export: "forward", inputs: [], outputs: ['y"*/'] } },
      }),
      { runtime: "./runtime/index.js" },
    );
    expect(dts).toContain(`import type { ModelTypes, Net } from "./runtime/index.js";`);
    expect(dts).toContain("export interface OddName extends ModelTypes {");
    expect(dts).toMatch(/^ {2}inputs: never;$/m);
    expect(dts).toMatch(/^ {2}forwardInputs: never;$/m);
    expect(dts).not.toContain("lossInputs");
    expect(dts).toMatch(/^ {2}outputs: "y\\"\*\/";$/m);
    expect(dts).toMatch(/^ {2}i32: "y\\"\*\/";$/m);
    // a `*/` in a name cannot end the doc comment early
    const comment = dts.slice(dts.indexOf("/**"), dts.indexOf("export interface"));
    expect(comment.indexOf("*/")).toBe(comment.length - "*/\n".length);
    expect(dts).toContain("export type OddNameNet = Net<OddName>;");
  });
});
