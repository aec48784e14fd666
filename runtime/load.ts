/**
 * `load(bytes)`: compile a wasmgrad module, read its manifest, instantiate it and wrap it in a
 * handle whose calls are synchronous. Loading is the one asynchronous step; after it, a call is a
 * few typed-array copies around one exported WebAssembly function.
 *
 * Views (`net.params.W1`, `net.inputs.x`, ...) are typed arrays over the module's memory, made
 * once: the contract (manifest.ts) says memory never grows, so they never detach.
 */
import { WasmgradRuntimeError } from "./errors.js";
import { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, MANIFEST_SECTION } from "./manifest.js";
import type { DType, EntryInfo, Manifest, TensorInfo, TensorRole } from "./manifest.js";
import { check, sizeOf, showShape } from "./values.js";
import type { InputValue } from "./values.js";
import { decodeWeights, encodeWeights } from "./weights.js";
import type { StoredTensor } from "./weights.js";

/**
 * The names (and i32 dtypes) of one compiled model, so a handle can be typed per model:
 * `load<Xor>(bytes)` where the compiler's generated `.d.ts` declares
 *
 *   interface Xor extends ModelTypes {
 *     inputs: "x" | "y"; forwardInputs: "x"; lossInputs: "x" | "y";
 *     outputs: "probs" | "loss"; params: "W1" | "b1"; states: "optim.step"; i32: "y" | "optim.step";
 *   }
 *
 * Without a type argument every name is a string and every array `Float32Array | Int32Array`.
 */
export interface ModelTypes {
  /** Every input's name. */
  inputs: string;
  /** The inputs `run()` requires (forward's inputs); when omitted, every input is optional. */
  forwardInputs?: string;
  /** The inputs `grad()` and `train()` require; when omitted, every input is optional. */
  lossInputs?: string;
  /** Every output's name, `loss` included when the model has one. */
  outputs: string;
  params: string;
  states?: string;
  /** The tensors whose dtype is i32 (typed `Int32Array`); all others are f32 (`Float32Array`). */
  i32?: string;
}

/** The default: nothing known about the model. */
export interface AnyModel {
  inputs: string;
  outputs: string;
  params: string;
  states: string;
  i32: string;
}

type Named<T, K extends string> = T extends { [P in K]: infer N extends string } ? N : never;

/** The typed array holding tensor `K` of model `T`. */
export type ArrayFor<T extends ModelTypes, K extends string> =
  string extends Named<T, "i32">
    ? Float32Array | Int32Array
    : K extends Named<T, "i32">
      ? Int32Array
      : Float32Array;

/** Tensors by name: live views into memory, or copies in call results. */
export type Tensors<T extends ModelTypes, N extends string> = { readonly [K in N]: ArrayFor<T, K> };

/** The argument of run / grad / train: `Required` inputs must be given, others may be. */
export type InputValues<T extends ModelTypes, Required extends string> = {
  readonly [K in Required]: InputValue;
} & { readonly [K in Exclude<T["inputs"], Required>]?: InputValue };

/** What `run()` returns: a copy of each output forward writes (not `loss`). */
export type Outputs<T extends ModelTypes> = Tensors<T, Exclude<T["outputs"], "loss">>;

export interface GradResult<T extends ModelTypes> {
  readonly loss: number;
  /** d loss / d param for every param (copies). */
  readonly grads: { readonly [K in T["params"]]: Float32Array };
  /** The outputs backward writes besides `loss` (copies). */
  readonly outputs: Outputs<T>;
}

export interface LoadOptions {
  /** Accept NaN and ±Infinity in f32 inputs (rejected by default, naming the element). */
  readonly allowNonFinite?: boolean;
}

export interface SaveWeightsOptions {
  /** Also save the states (optimizer moments, step counter, recurrent state). Default false. */
  readonly states?: boolean;
}

export interface LoadWeightsOptions {
  /** Restore the states the file holds (the default); false skips them. */
  readonly states?: boolean;
}

/** What `load` accepts; a `fetch()` response is compiled while it downloads. */
export type WasmSource =
  | Uint8Array
  | ArrayBuffer
  | WebAssembly.Module
  | ResponseLike
  | PromiseLike<ResponseLike | Uint8Array | ArrayBuffer>;

/** The part of a fetch `Response` the runtime uses. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A loaded model. Every call is synchronous. */
export interface Net<T extends ModelTypes = AnyModel> {
  readonly manifest: Manifest;
  /** The module's memory (never grown, so views stay valid). */
  readonly memory: WebAssembly.Memory;
  /** True when the module has `backward` (the model has a loss): `grad` works. */
  readonly hasLoss: boolean;
  /** True when the module has `train_step` (compiled with an optimizer): `train` works. */
  readonly canTrain: boolean;

  /** Live views of the params: read or write the weights in place. */
  readonly params: Tensors<T, T["params"]>;
  /** Live views of the grads, written by `backward` / `train_step`. */
  readonly grads: { readonly [K in T["params"]]: Float32Array };
  /** Live views of the inputs: write them, then call `forward()` / `backward()` / `trainStep()`. */
  readonly inputs: Tensors<T, T["inputs"]>;
  /** Live views of the outputs (`loss` included). */
  readonly outputs: Tensors<T, T["outputs"]>;
  /** Live views of the states. */
  readonly states: Tensors<T, Named<T, "states">>;

  /** Fills every param from its initializer with `seed` (an integer) and zeros every state. */
  init(seed?: number): void;
  /**
   * Zeros the model's own states (m.state: the recurrent hidden state), e.g. at a document
   * boundary; params, optimizer moments and the step counter are left alone (init zeros those).
   */
  resetState(): void;
  /** Checks and writes `inputs`, calls `forward`, returns copies of its outputs. */
  run(inputs: InputValues<T, Named<T, "forwardInputs">>): Outputs<T>;
  /** Checks and writes `inputs`, calls `backward`, returns the loss and copies of every grad. */
  grad(inputs: InputValues<T, Named<T, "lossInputs">>): GradResult<T>;
  /** Checks and writes `inputs`, calls `train_step` (one optimizer step), returns the loss. */
  train(inputs: InputValues<T, Named<T, "lossInputs">>): { readonly loss: number };
  /** Calls `forward` on whatever the input views hold. */
  forward(): void;
  /** Calls `backward` on whatever the input views hold. */
  backward(): void;
  /** Calls `train_step` on whatever the input views hold. */
  trainStep(): void;

  /** The params (and, with `{ states: true }`, the states) as a weights file (see weights.ts). */
  saveWeights(options?: SaveWeightsOptions): Uint8Array;
  /** Restores a weights file; on any error nothing is written. */
  loadWeights(bytes: Uint8Array | ArrayBuffer, options?: LoadWeightsOptions): void;
}

/**
 * Compiles and instantiates a wasmgrad module. Accepts the bytes, a compiled
 * `WebAssembly.Module`, or a `fetch()` response (or its promise), which is compiled while it
 * downloads when served as `application/wasm`.
 */
export async function load<T extends ModelTypes = AnyModel>(
  source: WasmSource,
  options: LoadOptions = {},
): Promise<Net<T>> {
  const module = await compile(await source);
  const manifest = readManifest(module);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length) {
    const names = imports.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new WasmgradRuntimeError(`load: the module imports ${names}; a wasmgrad module imports nothing`, {
      model: manifest.model,
    });
  }
  const instance = await WebAssembly.instantiate(module, {});
  return createNet(manifest, instance, options) as unknown as Net<T>;
}

async function compile(source: unknown): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  let bytes: BufferSource;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    bytes = source as BufferSource;
  } else if (isResponse(source)) {
    if (!source.ok) throw new WasmgradRuntimeError(`load: the response has HTTP status ${source.status}`);
    const type = source.headers.get("content-type") ?? "";
    if (typeof WebAssembly.compileStreaming === "function" && /^application\/wasm\b/i.test(type)) {
      return wrapCompileError(WebAssembly.compileStreaming(source as unknown as Response), undefined);
    }
    bytes = await source.arrayBuffer();
  } else {
    throw new WasmgradRuntimeError(
      `load: expected a Uint8Array, an ArrayBuffer, a WebAssembly.Module or a Response, got ${describe(source)}`,
    );
  }
  return wrapCompileError(WebAssembly.compile(bytes), bytes);
}

function isResponse(x: unknown): x is ResponseLike {
  const r = x as ResponseLike | null;
  return (
    typeof r === "object" && r !== null && typeof r.ok === "boolean" && typeof r.arrayBuffer === "function"
  );
}

function describe(x: unknown): string {
  return x === null ? "null" : typeof x === "object" ? (x.constructor?.name ?? "an object") : typeof x;
}

async function wrapCompileError(
  p: Promise<WebAssembly.Module>,
  bytes: BufferSource | undefined,
): Promise<WebAssembly.Module> {
  try {
    return await p;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const advice =
      `use Chrome 114+ or Node 21+ (Node 20: node --experimental-wasm-relaxed-simd), or compile the ` +
      `model without relaxedSimd`;
    if (!supportsRelaxedSimd() && bytes !== undefined && mentionsRelaxedSimd(bytes)) {
      throw new WasmgradRuntimeError(
        `load: this engine cannot compile the module (${why}). It has no relaxed SIMD, which a module ` +
          `compiled with relaxedSimd (--relaxed-simd) needs: ${advice}`,
        { cause: e },
      );
    }
    // streamed: the bytes are gone, so only a hint
    const hint =
      bytes === undefined && !supportsRelaxedSimd()
        ? ` (if it was compiled with relaxedSimd: this engine has no relaxed SIMD; ${advice})`
        : "";
    throw new WasmgradRuntimeError(`load: not a valid WebAssembly module: ${why}${hint}`, { cause: e });
  }
}

/** A module whose one function computes f32x4.relaxed_madd: it validates where relaxed SIMD exists. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 61, 1, 59, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 133, 2, 11,
]);

/** Whether this engine runs relaxed SIMD (modules compiled with `relaxedSimd`). */
export function supportsRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** Whether the bytes hold a manifest with `"relaxedSimd":true` (the compiler writes compact JSON). */
function mentionsRelaxedSimd(bytes: BufferSource): boolean {
  const view =
    bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const needle = Array.from('"relaxedSimd":true', (ch) => ch.charCodeAt(0));
  outer: for (let i = 0; i + needle.length <= view.length; i++) {
    for (let k = 0; k < needle.length; k++) if (view[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

const ROLES: readonly TensorRole[] = ["input", "param", "grad", "output", "state"];
const DTYPES: readonly DType[] = ["f32", "i32"];

/** Reads and checks the manifest section, so every later step can trust it. */
export function readManifest(module: WebAssembly.Module): Manifest {
  const sections = WebAssembly.Module.customSections(module, MANIFEST_SECTION);
  const section = sections[0];
  if (section === undefined) {
    throw new WasmgradRuntimeError(
      `load: the module has no "${MANIFEST_SECTION}" custom section: it was not compiled by wasmgrad, ` +
        `or a tool stripped its custom sections`,
    );
  }
  if (sections.length > 1) {
    throw new WasmgradRuntimeError(`load: the module has ${sections.length} "${MANIFEST_SECTION}" sections`);
  }
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(section)) as Record<string, unknown>;
  } catch (e) {
    throw new WasmgradRuntimeError(`load: the manifest is not UTF-8 JSON: ${String(e)}`, { cause: e });
  }
  const model = typeof m?.["model"] === "string" ? m["model"] : undefined;
  const need: (ok: unknown, detail: string) => asserts ok = (ok, detail) => {
    if (!ok) throw new WasmgradRuntimeError(`load: bad manifest: ${detail}`, { model });
  };
  need(typeof m === "object" && m !== null, "not a JSON object");
  need(
    m["format"] === MANIFEST_FORMAT,
    `format is ${JSON.stringify(m["format"])}, expected "${MANIFEST_FORMAT}"`,
  );
  if (m["formatVersion"] !== MANIFEST_FORMAT_VERSION) {
    throw new WasmgradRuntimeError(
      `load: unsupported manifest format version ${JSON.stringify(m["formatVersion"])} ` +
        `(this runtime reads version ${MANIFEST_FORMAT_VERSION}); use the wasmgrad runtime that matches ` +
        `the compiler (${JSON.stringify(m["compilerVersion"])}) or recompile the model`,
      { model },
    );
  }
  need(model !== undefined, "model is not a string");
  const tensors = m["tensors"];
  need(Array.isArray(tensors), "tensors is not an array");
  const seen = new Map<string, TensorInfo>();
  for (const t of tensors as Partial<TensorInfo>[]) {
    const what = `tensor ${JSON.stringify(t)}`;
    need(typeof t === "object" && t !== null && typeof t.name === "string", `${what} has no name`);
    need(ROLES.includes(t.role as TensorRole), `${what} has an unknown role`);
    need(DTYPES.includes(t.dtype as DType), `${what} has an unknown dtype`);
    need(
      Array.isArray(t.shape) && t.shape.every((d) => Number.isInteger(d) && d >= 0),
      `${what} has a bad shape`,
    );
    // The contract promises 16-byte alignment; typed-array views need 4.
    need(
      Number.isInteger(t.offset) && (t.offset as number) >= 0 && (t.offset as number) % 4 === 0,
      `${what} has a bad offset`,
    );
    need(
      t.idRows === undefined ||
        (t.role === "input" && t.dtype === "i32" && Number.isInteger(t.idRows) && t.idRows >= 0),
      `${what} has a bad idRows`,
    );
    // Results are plain objects keyed by name, where "__proto__" would set the prototype instead.
    need(t.name !== "__proto__", `a tensor is named "__proto__"`);
    need(!seen.has(`${t.role} ${t.name}`), `two ${t.role}s are named "${t.name}"`);
    seen.set(`${t.role} ${t.name}`, t as TensorInfo);
  }
  for (const t of seen.values()) {
    if (t.role !== "grad") continue;
    const p = seen.get(`param ${t.name}`);
    need(p && showShape(p.shape) === showShape(t.shape), `grad "${t.name}" has no param of its shape`);
  }
  const entries = m["entries"] as Record<string, Partial<EntryInfo> | undefined> | undefined;
  need(typeof entries === "object" && entries !== null && entries["forward"], "entries.forward is missing");
  for (const key of ["forward", "backward", "train"]) {
    const e = entries[key];
    if (e === undefined) continue;
    need(
      typeof e === "object" && e !== null && typeof e.export === "string",
      `entries.${key}.export is not a string`,
    );
    for (const [list, role] of [
      [e.inputs, "input"],
      [e.outputs, "output"],
    ] as const) {
      need(Array.isArray(list), `entries.${key}.${role}s is not an array`);
      for (const name of list)
        need(seen.has(`${role} ${name}`), `entries.${key} lists unknown ${role} "${name}"`);
    }
    if (key !== "forward") {
      const loss = seen.get("output loss");
      need(
        e.outputs?.includes("loss") && loss && loss.dtype === "f32" && sizeOf(loss.shape) === 1,
        `entries.${key} must write a one-element f32 output "loss"`,
      );
    }
  }
  return m as unknown as Manifest;
}

type View = Float32Array | Int32Array;
/** Tensors (or values) by name. */
type ByName<V> = Record<string, V>;

interface Slot {
  readonly info: TensorInfo;
  readonly size: number;
  readonly view: View;
  readonly bytes: Uint8Array;
}

function createNet(manifest: Manifest, instance: WebAssembly.Instance, options: LoadOptions): Net {
  const model = manifest.model;
  const allowNonFinite = options.allowNonFinite === true;
  const fail = (detail: string): never => {
    throw new WasmgradRuntimeError(detail, { model });
  };
  const exports = instance.exports;
  const memory = exports["memory"];
  if (!(memory instanceof WebAssembly.Memory))
    return fail(`load: the module exports no memory named "memory"`);
  const fn = (name: string): (() => void) => {
    const f = exports[name];
    return typeof f === "function"
      ? (f as () => void)
      : fail(`load: the module lacks the exported function "${name}"`);
  };
  const { forward: fwdEntry, backward: bwdEntry, train: trainEntry } = manifest.entries;
  const init = fn("init") as unknown as (seed: number) => void;
  const resetState = fn("reset_state");
  const forward = fn(fwdEntry.export);
  const noLoss = (): never =>
    fail(`the model has no loss, so its module has no backward(); grad() needs one`);
  const noTrain = (): never =>
    fail(
      `the module was compiled without an optimizer, so it has no train_step(); ` +
        `compile with an optimizer to train, or use grad()`,
    );
  const backward = bwdEntry ? fn(bwdEntry.export) : noLoss;
  const trainStep = trainEntry ? fn(trainEntry.export) : noTrain;

  const buffer = memory.buffer;
  const slots: Record<TensorRole, Map<string, Slot>> = {
    input: new Map(),
    param: new Map(),
    grad: new Map(),
    output: new Map(),
    state: new Map(),
  };
  const views: Record<TensorRole, ByName<View>> = {
    input: Object.create(null),
    param: Object.create(null),
    grad: Object.create(null),
    output: Object.create(null),
    state: Object.create(null),
  };
  for (const t of manifest.tensors) {
    const size = sizeOf(t.shape);
    if (t.offset + size * 4 > buffer.byteLength) {
      fail(
        `load: ${t.role} "${t.name}" lies outside memory (${t.offset} + ${size * 4} > ${buffer.byteLength} bytes)`,
      );
    }
    const view =
      t.dtype === "i32" ? new Int32Array(buffer, t.offset, size) : new Float32Array(buffer, t.offset, size);
    slots[t.role].set(t.name, { info: t, size, view, bytes: new Uint8Array(buffer, t.offset, size * 4) });
    views[t.role][t.name] = view;
  }
  for (const v of Object.values(views)) Object.freeze(v);
  const lossView = slots.output.get("loss")?.view;
  const names = (role: TensorRole): string => [...slots[role].keys()].join(", ") || "none";

  /** Checks every given input, then (only when all pass) writes them; checks `entry`'s are all given. */
  const writeInputs = (values: unknown, entry: EntryInfo, call: string): void => {
    if (
      typeof values !== "object" ||
      values === null ||
      Array.isArray(values) ||
      ArrayBuffer.isView(values)
    ) {
      fail(
        `${call}() expects an object of inputs keyed by name (${entry.inputs.join(", ") || "none needed"})`,
      );
    }
    const given = values as ByName<unknown>;
    const writes: [View, ArrayLike<number>][] = [];
    for (const name in given) {
      if (!Object.hasOwn(given, name) || given[name] === undefined) continue;
      const slot = slots.input.get(name);
      if (slot === undefined)
        fail(`${call}(): unknown input "${name}" (the model's inputs: ${names("input")})`);
      else writes.push([slot.view, check(given[name], slot.info, slot.size, allowNonFinite, model, "input")]);
    }
    const missing = entry.inputs.filter((n) => given[n] === undefined || !Object.hasOwn(given, n));
    if (missing.length) {
      fail(
        `${call}() is missing input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")} ` +
          `(${entry.export} reads ${entry.inputs.join(", ")})`,
      );
    }
    for (const [view, src] of writes) view.set(src);
  };
  const copyOutputs = (entry: EntryInfo): ByName<View> => {
    const out: ByName<View> = {};
    for (const name of entry.outputs)
      if (name !== "loss") out[name] = (slots.output.get(name) as Slot).view.slice();
    return out;
  };
  const stored = (role: "param" | "state"): StoredTensor[] =>
    [...slots[role].values()].map((s) => ({ ...s.info, bytes: s.bytes }));

  const net: Net = {
    manifest,
    memory,
    hasLoss: bwdEntry !== undefined,
    canTrain: trainEntry !== undefined,
    params: views.param,
    grads: views.grad as ByName<Float32Array>,
    inputs: views.input,
    outputs: views.output,
    states: views.state,
    init(seed = 0) {
      if (!Number.isInteger(seed) || seed < -0x80000000 || seed > 0xffffffff) {
        fail(`init(seed): expected an integer seed (32 bits), got ${String(seed)}`);
      }
      init(seed | 0);
    },
    resetState,
    run(inputs) {
      writeInputs(inputs, fwdEntry, "run");
      forward();
      return copyOutputs(fwdEntry);
    },
    grad(inputs) {
      if (!bwdEntry) return noLoss();
      writeInputs(inputs, bwdEntry, "grad");
      backward();
      const grads: ByName<Float32Array> = {};
      for (const [name, s] of slots.grad) grads[name] = s.view.slice() as Float32Array;
      return { loss: (lossView as View)[0] as number, grads, outputs: copyOutputs(bwdEntry) };
    },
    train(inputs) {
      if (!trainEntry) return noTrain();
      writeInputs(inputs, trainEntry, "train");
      trainStep();
      return { loss: (lossView as View)[0] as number };
    },
    forward,
    backward,
    trainStep,
    saveWeights(opts = {}) {
      return encodeWeights(model, opts.states ? [...stored("param"), ...stored("state")] : stored("param"));
    },
    loadWeights(bytes, opts = {}) {
      const copies = decodeWeights(bytes, model, stored("param"), stored("state"), opts.states !== false);
      for (const [from, to] of copies) to.set(from);
    },
  };
  return net;
}
