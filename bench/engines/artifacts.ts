/**
 * The files every engine measures: the four models compiled once, with the default "wasmgrad"
 * row's options (bench/impl/wasmgrad.ts) plus `relaxedSimd: "auto"`, so that each .wasm is the
 * baseline SIMD module carrying its relaxed variant; the bench's seeded params
 * (bench/lib/data.ts) as a weights file made by the runtime's saveWeights(); the inputs as raw
 * little-endian files; and cases.json (types.ts) listing them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { VARIANTS, w1Spec, w2Spec, w3Spec, w4Spec, type CompilerApi, type Spec } from "../impl/wasmgrad.js";
import { makeW1Data, makeW2Data, makeW3Data, makeW4Data } from "../lib/data.js";
import type { Params } from "../lib/types.js";
import type { CaseList, HostCase, HostPlan, InputFile } from "./types.js";

type Compiler = typeof import("../../compiler/index.js");
type Runtime = typeof import("../../runtime/index.js");

/** The default row's configuration: -O2, SIMD (see VARIANTS in bench/impl/wasmgrad.ts). */
const DEFAULT = VARIANTS.find((v) => v.id === "wasmgrad")!;

function writeArray(dir: string, file: string, a: Float32Array | Int32Array): InputFile {
  writeFileSync(join(dir, file), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return { file, dtype: a instanceof Int32Array ? "i32" : "f32" };
}

async function compileAuto(compiler: Compiler, spec: Spec): Promise<Uint8Array> {
  const { model, optimizer } = spec.build(compiler as unknown as CompilerApi);
  const compiled = await compiler.compile(model, {
    ...(optimizer ? { optimizer } : {}),
    simd: true,
    optLevel: DEFAULT.level,
    relaxedSimd: "auto",
  });
  return compiled.wasm;
}

/** The module's params set to the bench's initial ones, saved as a weights file. */
async function weightsFor(runtime: Runtime, wasm: Uint8Array, params: Params): Promise<Uint8Array> {
  const net = await runtime.load(wasm, { relaxedSimd: false });
  net.init(0);
  for (const [name, values] of Object.entries(params)) {
    const view = net.params[name];
    if (!view || view.length !== values.length) throw new Error(`weights: the module has no param ${name}`);
    view.set(values);
  }
  return net.saveWeights();
}

/** Compiles and writes everything into `dir`; returns the case list (also written as cases.json). */
export async function writeArtifacts(dir: string, plan: HostPlan): Promise<CaseList> {
  // imported here, so that a bench run without this section does not load the compiler
  const compiler = (await import("../../compiler/index.js")) as Compiler;
  const runtime = (await import("../../runtime/index.js")) as Runtime;
  const w1 = makeW1Data();
  const w2 = makeW2Data();
  const w3 = makeW3Data();
  const w4 = makeW4Data(256);

  const module = async (id: HostCase["id"], spec: Spec, params?: Params) => {
    const wasm = await compileAuto(compiler, spec);
    writeFileSync(join(dir, `${id}.wasm`), wasm);
    if (!params) return { wasm: `${id}.wasm` };
    writeFileSync(join(dir, `${id}.weights`), await weightsFor(runtime, wasm, params));
    return { wasm: `${id}.wasm`, weights: `${id}.weights` };
  };
  const rows = new Float32Array(w3.inputs.length * w3.inDim);
  w3.inputs.forEach((x, i) => rows.set(x, i * w3.inDim));

  const cases: HostCase[] = [
    {
      id: "W1",
      kind: "train",
      ...(await module("W1", w1Spec(w1), w1.params)),
      inputs: { x: writeArray(dir, "W1.x", w1.x), y: writeArray(dir, "W1.y", w1.y) },
      output: "loss",
    },
    {
      id: "W2",
      kind: "train",
      ...(await module("W2", w2Spec(w2), w2.params)),
      inputs: { x: writeArray(dir, "W2.x", w2.x), y: writeArray(dir, "W2.y", w2.y) },
      output: "loss",
    },
    {
      id: "W3",
      kind: "infer",
      ...(await module("W3", w3Spec(w3), w3.params)),
      inputs: { x: writeArray(dir, "W3.x", rows) },
      rows: w3.inputs.length,
      output: "probs",
    },
    {
      id: "W4-256",
      kind: "forward",
      ...(await module("W4-256", w4Spec(w4.n))),
      inputs: { a: writeArray(dir, "W4-256.a", w4.a), b: writeArray(dir, "W4-256.b", w4.b) },
      output: "c",
    },
  ];
  const list: CaseList = { plan, cases };
  writeFileSync(join(dir, "cases.json"), JSON.stringify(list));
  return list;
}
