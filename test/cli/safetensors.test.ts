// `--save-weights` / `--weights` with a `*.safetensors` file name, through the CLI (child processes
// from the TypeScript sources, as test/cli/train.test.ts runs them), on the XOR example: train
// writes safetensors that run and train read back; run --entry train keeps the states and training
// continues exactly; the Python-written fixtures load; mistakes are one line with exit status 2.
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatLoss } from "../../compiler/cli/commands/train.js";
import { compile, optim } from "../../compiler/index.js";
import xor, { X, Y } from "../../examples/xor/model.js";
import { load, type Net } from "../../runtime/index.js";
import { decodeSafetensors, encodeSafetensors, loadSafetensors } from "../../runtime/safetensors.js";
import {
  expectOneLineError,
  repoRoot,
  wasmgrad,
  type CliResult,
  expectOk,
  summaryLosses,
} from "../support/cli.js";

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-safetensors-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const XOR = "examples/xor/model.ts";
const [STEPS, SEED, LR] = [200, 3, 0.05];
const xy = join(scratch, "xy.json");
const xFile = join(scratch, "x.json");
const trainedFile = join(scratch, "out/xor.safetensors"); // its directory does not exist yet
const forwardWasm = join(scratch, "xor-forward.wasm");
const adamWasmFile = join(scratch, "xor-adam.wasm");
const fixture = (name: string) => join(repoRoot, "test/fixtures/safetensors", name);

let trained: CliResult;
let compiled: CliResult[];
let adamWasm: Uint8Array<ArrayBuffer>;
/** The same training run in this process. */
let trainedNet: Net;
let losses: number[];

beforeAll(async () => {
  writeFileSync(xy, JSON.stringify({ x: X, y: Y }));
  writeFileSync(xFile, JSON.stringify(X));
  [trained, ...compiled] = await Promise.all([
    wasmgrad(
      "train",
      XOR,
      "--input",
      xy,
      "--steps",
      String(STEPS),
      "--lr",
      String(LR),
      "--seed",
      String(SEED),
      "--save-weights",
      trainedFile,
    ),
    wasmgrad("compile", XOR, "-o", forwardWasm),
    wasmgrad("compile", XOR, "--optimizer", "adam", "--lr", String(LR), "-o", adamWasmFile),
  ]);
  adamWasm = (await compile(xor, { optimizer: optim.adam(LR) })).wasm;
  trainedNet = await load(adamWasm);
  trainedNet.init(SEED);
  losses = Array.from({ length: STEPS }, () => trainedNet.train({ x: X, y: Y }).loss);
}, 300_000);

const outputsOf = (r: CliResult) =>
  (JSON.parse(expectOk(r).stdout) as { outputs: Record<string, number[]> }).outputs;
const lossesOf = (r: CliResult) => (JSON.parse(expectOk(r).stdout) as { losses: number[] }).losses;

describe("train --save-weights out.safetensors", () => {
  it("writes the trained params as safetensors: the bytes encodeSafetensors gives in this process", () => {
    const r = expectOk(trained);
    expect(r.stdout).toMatch(new RegExp(`^ {2}wrote +${trainedFile.replaceAll(".", "\\.")}$`, "m"));
    expect(summaryLosses(r.stdout)).toEqual([formatLoss(losses[0]!), formatLoss(losses[STEPS - 1]!)]);
    const file = new Uint8Array(readFileSync(trainedFile));
    expect(file).toEqual(encodeSafetensors(trainedNet));
    const { metadata, tensors } = decodeSafetensors(file);
    expect(metadata).toEqual({ producer: "wasmgrad", model: "xor" });
    expect([...tensors.keys()]).toEqual(["W1", "b1", "W2", "b2"]); // params only
    expect(tensors.get("W1")!.data).toEqual(trainedNet.params["W1"]);
  });

  it("run --weights x.safetensors gives the trained outputs; so does the Python-written fixture", async () => {
    for (const r of compiled) expectOk(r);
    const [fromTrained, fromFixture] = await Promise.all([
      wasmgrad("run", forwardWasm, "--input", `x=${xFile}`, "--weights", trainedFile),
      wasmgrad("run", forwardWasm, "--input", `x=${xFile}`, "--weights", fixture("xor.safetensors")),
    ]);
    const outputs = outputsOf(fromTrained);
    expect(outputs["p"]).toEqual([...trainedNet.run({ x: X })["p"]!]);
    expect(outputs["p"]!.map((p) => (p > 0.5 ? 1 : 0))).toEqual(Y); // trained, not initialized
    const net = await load(new Uint8Array(readFileSync(forwardWasm)));
    loadSafetensors(net, new Uint8Array(readFileSync(fixture("xor.safetensors"))));
    expect(outputsOf(fromFixture)["logit"]).toEqual([...net.run({ x: X })["logit"]!]);
  });

  it("train --weights x.safetensors starts from the saved params", async () => {
    const r = expectOk(
      await wasmgrad(
        "train",
        XOR,
        "--input",
        xy,
        "--steps",
        "3",
        "--lr",
        String(LR),
        "--weights",
        trainedFile,
      ),
    );
    const resumed = await load(adamWasm);
    loadSafetensors(resumed, new Uint8Array(readFileSync(trainedFile)));
    const more = [0, 1, 2].map(() => resumed.train({ x: X, y: Y }).loss);
    expect(r.stdout).toMatch(new RegExp(`^ {2}init +weights ${trainedFile.replaceAll(".", "\\.")}$`, "m"));
    expect(summaryLosses(r.stdout)).toEqual([formatLoss(more[0]!), formatLoss(more[2]!)]);
    expect(r.stdout).not.toContain("wrote");
  });
});

describe("run --entry train --save-weights ckpt.safetensors", () => {
  it("keeps Adam's states: training from the checkpoint continues the same run", async () => {
    for (const r of compiled) expectOk(r);
    const ckpt = join(scratch, "ckpt.safetensors");
    const native = join(scratch, "ckpt.weights");
    const inputs = ["--input", xy, "--entry", "train", "--steps", "2"];
    const [first, nativeRun] = await Promise.all([
      wasmgrad("run", adamWasmFile, ...inputs, "--weights", trainedFile, "--save-weights", ckpt),
      wasmgrad("run", adamWasmFile, ...inputs, "--weights", trainedFile, "--save-weights", native),
    ]);
    const net = await load(new Uint8Array(readFileSync(adamWasmFile)));
    loadSafetensors(net, new Uint8Array(readFileSync(trainedFile)));
    const step = () => net.train({ x: X, y: Y }).loss;
    expect(lossesOf(first)).toEqual([step(), step()]);
    expect(lossesOf(nativeRun)).toEqual(lossesOf(first));
    // any other name keeps the native format
    expect(String.fromCharCode(...readFileSync(native).subarray(0, 4))).toBe("WGWT");
    const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(ckpt)));
    expect(tensors.size).toBe(13);
    expect(tensors.get("optim.step")!.data).toEqual(new Float32Array([2]));
    expect(new Uint8Array(readFileSync(ckpt))).toEqual(encodeSafetensors(net, { states: true }));

    const more = await wasmgrad("run", adamWasmFile, ...inputs, "--weights", ckpt);
    expect(lossesOf(more)).toEqual([step(), step()]);
  });

  it("the padded Python fixture with Adam's states trains as the same values loaded in this process", async () => {
    expectOk(compiled[1]!);
    const file = fixture("xor-adam-padded.safetensors");
    const r = await wasmgrad(
      "run",
      adamWasmFile,
      "--input",
      xy,
      "--entry",
      "train",
      "--steps",
      "2",
      "--weights",
      file,
    );
    const net = await load(new Uint8Array(readFileSync(adamWasmFile)));
    loadSafetensors(net, new Uint8Array(readFileSync(file)));
    expect(net.states["optim.step"]).toEqual(new Float32Array([7]));
    expect(lossesOf(r)).toEqual([net.train({ x: X, y: Y }).loss, net.train({ x: X, y: Y }).loss]);
  });
});

describe("safetensors mistakes are one line with exit status 2", () => {
  it("a corrupt file, a wrong model, a native file named .safetensors, a safetensors file named otherwise", async () => {
    for (const r of compiled) expectOk(r);
    const good = new Uint8Array(readFileSync(trainedFile));
    const truncated = join(scratch, "truncated.safetensors");
    writeFileSync(truncated, good.subarray(0, 40));
    const nativeNamed = join(scratch, "native.safetensors");
    writeFileSync(nativeNamed, trainedNet.saveWeights());
    const misnamed = join(scratch, "misnamed.bin");
    writeFileSync(misnamed, good);
    const n = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
    const x = ["--input", `x=${xFile}`];
    const [cut, affine, asNative, asSafetensors, ckptIntoForward] = await Promise.all([
      wasmgrad("run", forwardWasm, ...x, "--weights", truncated),
      wasmgrad("run", forwardWasm, ...x, "--weights", fixture("affine-i32.safetensors")),
      wasmgrad("run", forwardWasm, ...x, "--weights", nativeNamed),
      wasmgrad("run", forwardWasm, ...x, "--weights", misnamed),
      wasmgrad("run", forwardWasm, ...x, "--weights", fixture("xor-adam-padded.safetensors")),
    ]);
    expect(expectOneLineError(cut, 2)).toBe(
      `wasmgrad: model "xor": loadSafetensors: header size ${n} is beyond the file (40 bytes)`,
    );
    expect(expectOneLineError(affine, 2)).toBe(
      `wasmgrad: model "xor": loadSafetensors: the file holds tensor "s", which the model does not have (it has W1, b1, W2, b2)`,
    );
    expect(expectOneLineError(asNative, 2)).toBe(
      `wasmgrad: '${nativeNamed}' is a wasmgrad weights file (it starts with "WGWT"), not safetensors: ` +
        `rename it without .safetensors to load it`,
    );
    expect(expectOneLineError(asSafetensors, 2)).toBe(
      `wasmgrad: '${misnamed}' looks like a safetensors file, not a wasmgrad weights file: ` +
        `name it *.safetensors to load it as one`,
    );
    // as with the native format, a module without an optimizer has none of its states
    expect(expectOneLineError(ckptIntoForward, 2)).toMatch(
      /^wasmgrad: model "xor": loadSafetensors: the file holds tensor "optim\.\S+", which the model does not have/,
    );
  }, 300_000);
});
