/**
 * The CLI commands about compiled modules:
 *
 *   wasmgrad compile model.ts [-o out.wasm] [--optimizer adam --lr 0.01] [--emit wat,dot,dts,ir,plan]
 *   wasmgrad inspect model.ts --memory [-o plan.svg]   each entry's memory plan (table; SVG with -o)
 *   wasmgrad inspect model.wasm                  the manifest: options, exports, memory, tensors
 *   wasmgrad run model.wasm --input x=x.json     forward / backward / train steps, as JSON
 *
 * `run` and `inspect` use the runtime (`wasmgrad/runtime`), exactly as an application would.
 * Every mistake is a CliError (or a runtime error) with a one-line message.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { LOSS } from "../autodiff/grad.js";
import { graphToDot } from "../inspect/dot.js";
import { printGraph, relativePath } from "../inspect/text.js";
import type { Graph } from "../ir/graph.js";
import { optim, type Optimizer } from "../optim/optimizers.js";
import { describePlan, planToSvg, type NamedPlan } from "../plan/report.js";
import type { CompiledModel } from "../wasm/compile.js";
import { emitDts } from "../wasm/dts.js";
import { load, MANIFEST_SECTION, readManifest } from "../../runtime/index.js";
import type { Manifest, Net, TensorInfo } from "../../runtime/index.js";
import { CliError, loadModel } from "./load-model.js";
import { textTable as table } from "../inspect/table.js";

// ---- compile ---------------------------------------------------------------------------------

export const OPTIMIZERS = ["sgd", "momentum", "adagrad", "rmsprop", "adam"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export const EMIT_KINDS = ["wat", "dot", "dts", "ir", "plan"] as const;
export type EmitKind = (typeof EMIT_KINDS)[number];

/** The learning rate when --lr is not given: the library's default for adam, 0.1 otherwise. */
export function defaultLearningRate(name: OptimizerName): number {
  return name === "adam" ? 0.001 : 0.1;
}

function makeOptimizer(name: OptimizerName, lr: number): Optimizer {
  return optim[name](lr);
}

export interface CompileCliOptions {
  readonly output?: string;
  readonly optimizer?: OptimizerName;
  readonly lr?: number;
  readonly clipNorm?: number;
  readonly simd: boolean;
  readonly relaxedSimd?: boolean;
  readonly optimize: boolean;
  /** The side files to write (none when undefined). */
  readonly emit?: readonly EmitKind[];
}

/** `--emit wat,dot --emit ir` → ["wat", "dot", "ir"]; unknown kinds are a usage error. */
export function parseEmitList(text: string, previous: readonly EmitKind[] = []): EmitKind[] {
  const kinds = text
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(EMIT_KINDS as readonly string[]).includes(k));
  if (unknown.length || kinds.length === 0) {
    throw new CliError(
      `--emit takes a comma-separated list of ${EMIT_KINDS.join(", ")}; got '${unknown.join(",") || text}'`,
    );
  }
  return [...new Set([...previous, ...(kinds as EmitKind[])])];
}

/** A model name as a file name: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
function fileNameFor(modelName: string): string {
  const name = modelName.replaceAll(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return name || "model";
}

function writeOut(path: string, data: string | Uint8Array): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
  } catch (e) {
    throw new CliError(`cannot write '${path}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A graph under another name (for a second digraph in one DOT file). */
function renamed(g: Graph, name: string): Graph {
  return { ...g, name };
}

/** The optimizer that --optimizer and --lr describe, after checking them against the model. */
function optimizerFor(
  model: { readonly name: string; readonly graph: Graph },
  opts: { readonly optimizer?: OptimizerName; readonly lr?: number },
  action: string,
): Optimizer | undefined {
  if (opts.optimizer !== undefined && !model.graph.outputs.has(LOSS)) {
    throw new CliError(
      `model '${model.name}' has no loss (call m.loss(...)), so it cannot be ${action} with ` +
        `--optimizer ${opts.optimizer}; drop --optimizer to compile its forward pass only`,
    );
  }
  return opts.optimizer === undefined
    ? undefined
    : makeOptimizer(opts.optimizer, opts.lr ?? defaultLearningRate(opts.optimizer));
}

/** Each entry's memory plan under the name of its exported function, then each scan step's. */
export function namedPlans(compiled: CompiledModel): NamedPlan[] {
  const { forward, backward, train, steps } = compiled.plans;
  return [forward, backward, train, ...steps].flatMap((p) => (p ? [{ name: p.export, plan: p }] : []));
}

/** Compiles a model file and writes the module and the requested side files; returns the summary. */
export async function compileCommand(file: string, opts: CompileCliOptions): Promise<string> {
  if (opts.optimizer === undefined) {
    if (opts.lr !== undefined) throw new CliError("--lr sets the optimizer's learning rate: add --optimizer");
    if (opts.clipNorm !== undefined) {
      throw new CliError("--clip-norm clips the gradients of a training step: add --optimizer");
    }
  }
  const loaded = await loadModel(file);
  const { model } = loaded;
  const optimizer = optimizerFor(model, opts, "compiled");
  const cwd = process.cwd();
  const out = resolve(cwd, opts.output ?? join(dirname(loaded.path), `${fileNameFor(model.name)}.wasm`));
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new CliError(`-o '${opts.output ?? out}' is a directory; give the path of the .wasm file to write`);
  }
  const emit = new Set(opts.emit ?? []);

  // imported here so that the other commands do not load binaryen and the kernels
  const { compile } = await import("../wasm/compile.js");
  const started = performance.now();
  const compiled = await compile(model, {
    ...(optimizer && { optimizer }),
    ...(opts.clipNorm !== undefined && { clipNorm: opts.clipNorm }),
    simd: opts.simd,
    ...(opts.relaxedSimd && { relaxedSimd: true }),
    optimize: opts.optimize,
    wat: emit.has("wat"),
  });
  const seconds = (performance.now() - started) / 1000;

  const written: string[] = [];
  const write = (path: string, data: string | Uint8Array) => {
    writeOut(path, data);
    // the module relative to the working directory, the side files by name (they sit beside it)
    written.push(written.length === 0 ? relativePath(path, cwd) : basename(path));
  };
  write(out, compiled.wasm);
  const base = extname(out) === ".wasm" ? out.slice(0, -".wasm".length) : out;
  const { forward, backward, train } = compiled.graphs;
  if (emit.has("wat")) write(`${base}.wat`, compiled.wat ?? "");
  if (emit.has("dot")) {
    const dot = [graphToDot(renamed(forward, `${model.name} forward`))];
    if (backward) dot.push(graphToDot(renamed(backward, `${model.name} gradient`)));
    write(`${base}.dot`, dot.join("\n"));
  }
  if (emit.has("dts")) write(`${base}.d.ts`, emitDts(compiled.manifest));
  if (emit.has("plan"))
    write(`${base}.plan.svg`, planToSvg(namedPlans(compiled), `memory plan of ${model.name}`));
  if (emit.has("ir")) {
    const sections: [string, Graph | undefined][] = [
      ["forward: the user outputs (export forward)", forward],
      ["backward: the loss and d loss / d each param (export backward)", backward],
      ["train: one optimizer step, the updates of params and states (export train_step)", train],
    ];
    write(
      `${base}.ir.txt`,
      sections
        .filter((s): s is [string, Graph] => s[1] !== undefined)
        .map(([title, g]) => `# ${title}\n${printGraph(g)}`)
        .join("\n"),
    );
  }

  const m = compiled.manifest;
  const exports = moduleExports(compiled.wasm);
  return [
    `compiled model '${model.name}' (${loaded.displayPath}) in ${seconds.toFixed(2)} s`,
    `  module   ${compiled.wasm.length} bytes (${[simdText(m), opts.optimize ? "optimized" : "not optimized"].join(", ")})`,
    `  train    ${describeTraining(m)}`,
    `  exports  ${exports.join(", ")}`,
    `  memory   ${m.memoryBytes} bytes`,
    `  tensors  ${describeTensorCounts(m.tensors)}`,
    `  wrote    ${written.join(", ")}`,
    ``,
  ].join("\n");
}

// ---- inspect model.ts --memory -------------------------------------------------------------------

export interface MemoryCliOptions {
  readonly optimizer?: OptimizerName;
  readonly lr?: number;
}

/**
 * `wasmgrad inspect model.ts --memory`: compiles the model (default options; with --optimizer,
 * train_step too) and returns each entry's memory plan as text, and as an SVG picture.
 */
export async function memoryCommand(
  file: string,
  opts: MemoryCliOptions,
): Promise<{ readonly text: string; readonly svg: string }> {
  if (opts.optimizer === undefined && opts.lr !== undefined) {
    throw new CliError("--lr sets the optimizer's learning rate: add --optimizer");
  }
  const loaded = await loadModel(file);
  const { model } = loaded;
  const optimizer = optimizerFor(model, opts, "planned");
  const { compile } = await import("../wasm/compile.js");
  const compiled = await compile(model, { ...(optimizer && { optimizer }) });
  const plans = namedPlans(compiled);
  const arenaStart = compiled.plans.forward.arenaStart;
  const rows = plans.map(({ name, plan }) => [
    name,
    String(plan.steps),
    String(plan.arenaBytes),
    String(plan.naiveBytes),
    String(plan.lowerBoundBytes),
    plan.lowerBoundBytes > 0 ? (plan.arenaBytes / plan.lowerBoundBytes).toFixed(2) : "-",
  ]);
  const text = [
    `memory plan of model '${model.name}' (${loaded.displayPath}), optimizer ${describePlain(optimizer ?? null)}`,
    `  memory ${compiled.manifest.memoryBytes} bytes: persistent tensors below byte ${arenaStart}, then ` +
      `the arena, shared by the entries (they run one at a time)`,
    `  naive: every intermediate its own bytes; lower bound: the most bytes live at one step`,
    ...(compiled.plans.steps.length
      ? [
          `  a scan step (<entry>_<id>_scan_step) has its own arena inside its scan kernel's scratch, ` +
            `after the step's carry, row and result buffers`,
        ]
      : []),
    ``,
    ...table(
      ["entry or scan step", "kernels", "arena", "naive", "lower bound", "arena/bound"],
      rows,
      new Set([1, 2, 3, 4, 5]),
    ).map((l) => `  ${l}`),
    ``,
    ...plans.map(describePlan),
  ].join("\n");
  return { text, svg: planToSvg(plans, `memory plan of ${model.name}`) };
}

// ---- formatting shared by compile and inspect ------------------------------------------------------

/** `adam(lr=0.05, beta1=0.9, ...)` for the compiler's plain-data descriptions; JSON otherwise. */
export function describePlain(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "none";
  if (typeof value === "object" && !Array.isArray(value)) {
    const { kind, ...rest } = value as Record<string, unknown>;
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${describePlain(v)}`);
    return typeof kind === "string" ? `${kind}(${fields.join(", ")})` : `{${fields.join(", ")}}`;
  }
  return JSON.stringify(value);
}

function simdText(m: Manifest): string {
  return m.options.relaxedSimd ? "simd + relaxed simd" : m.options.simd ? "simd" : "no simd";
}

/** The module's export names; "(this engine cannot compile it)" where it lacks a feature (relaxed SIMD). */
function moduleExports(wasm: Uint8Array<ArrayBuffer>): string[] {
  try {
    return WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name);
  } catch {
    return ["(this engine cannot compile the module: it lacks relaxed SIMD)"];
  }
}

function describeTraining(m: Manifest): string {
  if (!m.entries.backward) return "no loss: forward only";
  if (!m.entries.train) return "no optimizer: forward and backward (compile with --optimizer to train)";
  const clip = m.options.clipNorm === null ? "" : `, clip-norm ${m.options.clipNorm}`;
  return `${describePlain(m.options.optimizer)}${clip}`;
}

const tensorBytes = (t: TensorInfo) => t.shape.reduce((n, d) => n * d, 1) * 4;

/** `21 (2 inputs, 4 params, 10 states, 2 outputs, 4 grads; 1024 bytes)` */
function describeTensorCounts(tensors: readonly TensorInfo[]): string {
  const counts = new Map<string, number>();
  for (const t of tensors) counts.set(t.role, (counts.get(t.role) ?? 0) + 1);
  const parts = [...counts].map(([role, n]) => `${n} ${role}${n === 1 ? "" : "s"}`);
  const bytes = tensors.reduce((n, t) => n + tensorBytes(t), 0);
  return `${tensors.length} (${parts.join(", ")}; ${bytes} bytes)`;
}

// ---- reading a .wasm -------------------------------------------------------------------------------

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function startsWithMagic(bytes: Uint8Array): boolean {
  return WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/** True for a file to treat as a compiled module: a `.wasm` name or WebAssembly's magic bytes. */
export function looksLikeWasm(file: string, cwd: string = process.cwd()): boolean {
  const path = resolve(cwd, file);
  if (extname(path).toLowerCase() === ".wasm") return true;
  try {
    return statSync(path).isFile() && startsWithMagic(readFileSync(path).subarray(0, 4));
  } catch {
    return false;
  }
}

export interface ReadModule {
  readonly bytes: Uint8Array;
  readonly module: WebAssembly.Module;
  readonly manifest: Manifest;
  readonly path: string;
  readonly displayPath: string;
}

/** Reads, compiles and checks a wasmgrad module file; every failure is a one-line CliError. */
export async function readModuleFile(file: string, cwd: string = process.cwd()): Promise<ReadModule> {
  const path = resolve(cwd, file);
  const displayPath = relativePath(path, cwd);
  if (!existsSync(path)) throw new CliError(`cannot find module file '${file}' (no such file: ${path})`);
  if (statSync(path).isDirectory())
    throw new CliError(`'${file}' is a directory; give the path of a .wasm file`);
  const bytes = new Uint8Array(readFileSync(path));
  if (!startsWithMagic(bytes)) {
    const hint = /\.[cm]?[jt]s$/.test(path)
      ? `; compile the model first: wasmgrad compile ${displayPath}`
      : "";
    throw new CliError(`${displayPath} is not a WebAssembly module (it does not start with \\0asm)${hint}`);
  }
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    throw new CliError(
      `${displayPath} is not a valid WebAssembly module: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (WebAssembly.Module.customSections(module, MANIFEST_SECTION).length === 0) {
    throw new CliError(
      `${displayPath} has no wasmgrad manifest (custom section "${MANIFEST_SECTION}"): it was not ` +
        `compiled by wasmgrad, or a tool stripped its custom sections`,
    );
  }
  let manifest: Manifest;
  try {
    manifest = readManifest(module);
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^load: /, "") : String(e);
    throw new CliError(`${displayPath}: ${message}`);
  }
  return { bytes, module, manifest, path, displayPath };
}

// ---- inspect model.wasm ------------------------------------------------------------------------------

/** The report `wasmgrad inspect model.wasm` prints. */
export function describeModule(read: ReadModule): string {
  const m = read.manifest;
  const exports = WebAssembly.Module.exports(read.module).map((e) =>
    e.kind === "function" ? e.name : `${e.name} (${e.kind})`,
  );
  const entries = (["forward", "backward", "train"] as const).flatMap((key) => {
    const e = m.entries[key];
    return e ? [`${e.export}(${e.inputs.join(", ")}) -> ${e.outputs.join(", ") || "nothing"}`] : [];
  });
  const options = [
    simdText(m),
    `optimizer ${describePlain(m.options.optimizer)}`,
    `clip-norm ${m.options.clipNorm ?? "none"}`,
  ];
  const rows = m.tensors.map((t) => [
    t.role,
    t.name,
    t.dtype,
    `[${t.shape.join(",")}]`,
    String(t.offset),
    String(tensorBytes(t)),
  ]);
  return [
    `module    ${read.displayPath} (${read.bytes.length} bytes)`,
    `model     ${m.model}`,
    `compiler  wasmgrad ${m.compilerVersion} (manifest format ${m.formatVersion})`,
    `options   ${options.join(", ")}`,
    `exports   ${exports.join(", ")}`,
    `entries   ${entries.join("\n          ")}`,
    `memory    ${m.memoryBytes} bytes (${m.memoryBytes / 65536} × 64 KiB)`,
    ``,
    ...table(["role", "name", "dtype", "shape", "offset", "bytes"], rows, new Set([4, 5])),
    `tensors: ${describeTensorCounts(m.tensors)}`,
    ``,
  ].join("\n");
}

// ---- run model.wasm ----------------------------------------------------------------------------------

export type EntryName = "forward" | "backward" | "train";

export interface RunCliOptions {
  /** `name=file.json` or `file.json` specs (none when undefined). */
  readonly input?: readonly string[];
  readonly entry: EntryName;
  readonly seed?: number;
  readonly weights?: string;
  readonly saveWeights?: string;
  readonly steps?: number;
}

function readJson(file: string, what: string, cwd: string): unknown {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new CliError(`cannot find ${what} '${file}' (no such file: ${path})`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CliError(`cannot parse ${what} '${file}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `--input x=x.json` (one input's value) or `--input all.json` (an object of values by name). */
export function readInputSpecs(specs: readonly string[], cwd: string = process.cwd()): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const set = (name: string, value: unknown, from: string) => {
    if (values.has(name)) throw new CliError(`input '${name}' is given twice (again in --input ${from})`);
    values.set(name, value);
  };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq > 0) {
      const name = spec.slice(0, eq);
      const file = spec.slice(eq + 1);
      if (!file)
        throw new CliError(`--input ${spec}: give a JSON file after '=' (e.g. --input ${name}=${name}.json)`);
      set(name, readJson(file, `inputs file`, cwd), spec);
      continue;
    }
    const all = readJson(spec, "inputs file", cwd);
    if (typeof all !== "object" || all === null || Array.isArray(all)) {
      throw new CliError(
        `inputs file '${spec}' must hold a JSON object mapping input names to values ` +
          `(or pass one input as --input name=${spec})`,
      );
    }
    for (const [name, value] of Object.entries(all)) set(name, value, spec);
  }
  return values;
}

/** A flat typed array as nested arrays of `shape` (a number for a scalar). */
function nest(values: Float32Array | Int32Array, shape: readonly number[]): unknown {
  const num = (v: number) => (Number.isFinite(v) ? v : String(v));
  const build = (offset: number, axis: number): unknown => {
    if (axis === shape.length) return num(values[offset]!);
    const n = shape[axis]!;
    const stride = shape.slice(axis + 1).reduce((a, d) => a * d, 1);
    return Array.from({ length: n }, (_, i) => build(offset + i * stride, axis + 1));
  };
  return build(0, 0);
}

/** JSON with objects indented and arrays on one line. */
export function formatJson(value: unknown, indent = ""): string {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    const inner = indent + "  ";
    const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
    return `{\n${body.join(",\n")}\n${indent}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => formatJson(v, indent)).join(", ")}]`;
  return JSON.stringify(value);
}

/** Runs one entry of a compiled module (or `--steps` train steps) and returns the JSON to print. */
export async function runCommand(file: string, opts: RunCliOptions): Promise<string> {
  if (opts.steps !== undefined && opts.entry !== "train") {
    throw new CliError(`--steps counts training steps: use it with --entry train`);
  }
  if (opts.seed !== undefined && opts.weights !== undefined) {
    throw new CliError(`give --seed (initialize the params) or --weights (load them), not both`);
  }
  const cwd = process.cwd();
  const given = readInputSpecs(opts.input ?? [], cwd);
  const read = await readModuleFile(file, cwd);
  const m = read.manifest;
  const net: Net = await load(read.module);
  const entry = m.entries[opts.entry];
  if (!entry) {
    throw new CliError(
      opts.entry === "backward"
        ? `model '${m.model}' has no loss, so ${read.displayPath} has no backward entry; use --entry forward`
        : `${read.displayPath} was compiled without an optimizer, so it has no train entry; ` +
            `recompile with --optimizer, or use --entry backward`,
    );
  }
  const inputNames = m.tensors.filter((t) => t.role === "input").map((t) => t.name);
  for (const name of given.keys()) {
    if (!inputNames.includes(name)) {
      throw new CliError(
        `model '${m.model}' has no input named '${name}'; its inputs: ${inputNames.join(", ") || "none"}`,
      );
    }
  }
  const missing = entry.inputs.filter((n) => !given.has(n));
  if (missing.length) {
    throw new CliError(
      `${opts.entry} reads the input${entry.inputs.length === 1 ? "" : "s"} ${entry.inputs.join(", ")}: ` +
        `missing ${missing.map((n) => `--input ${n}=file.json`).join(", ")}`,
    );
  }
  const inputs = Object.fromEntries(given) as Record<string, never>;

  if (opts.weights !== undefined) {
    const path = resolve(cwd, opts.weights);
    if (!existsSync(path))
      throw new CliError(`cannot find weights file '${opts.weights}' (no such file: ${path})`);
    net.loadWeights(new Uint8Array(readFileSync(path)));
  } else {
    net.init(opts.seed ?? 0);
  }

  const info = (name: string) => m.tensors.find((t) => t.role === "output" && t.name === name)!;
  const shaped = (arrays: Readonly<Record<string, Float32Array | Int32Array>>, role: "output" | "grad") =>
    Object.fromEntries(
      Object.entries(arrays).map(([name, values]) => {
        const t =
          role === "output" ? info(name) : m.tensors.find((x) => x.role === "grad" && x.name === name)!;
        return [name, nest(values, t.shape)];
      }),
    );
  const forwardInputs = Object.fromEntries(m.entries.forward.inputs.map((n) => [n, inputs[n]]));

  let result: Record<string, unknown>;
  switch (opts.entry) {
    case "forward":
      result = { outputs: shaped(net.run(inputs), "output") };
      break;
    case "backward": {
      const g = net.grad(inputs);
      const outputs = shaped(g.outputs, "output");
      result = {
        loss: g.loss,
        ...(Object.keys(outputs).length && { outputs }),
        grads: shaped(g.grads, "grad"),
      };
      break;
    }
    case "train": {
      const steps = opts.steps ?? 1;
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) losses.push(net.train(inputs).loss);
      result = {
        steps,
        losses,
        loss: losses[losses.length - 1],
        outputs: shaped(net.run(forwardInputs as Record<string, never>), "output"),
      };
      break;
    }
  }
  if (opts.saveWeights !== undefined)
    writeOut(resolve(cwd, opts.saveWeights), net.saveWeights({ states: true }));
  return formatJson({ model: m.model, entry: opts.entry, ...result }) + "\n";
}
