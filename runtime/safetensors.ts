/**
 * safetensors, the Hugging Face weights format (https://huggingface.co/docs/safetensors), beside
 * the native one (weights.ts), to exchange weights with PyTorch, JAX and the Hub:
 *
 *   offset  size  field
 *   0       8     N: byte length of the header, u64 little-endian
 *   8       N     header: UTF-8 JSON, may be padded with spaces (this writer pads N to a multiple of 8)
 *   8 + N   ...   data: the tensors' bytes, little-endian, row-major, back to back, in any order
 *
 *   { "W1": { "dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16] },   // offsets in the data
 *     "optim.W1.m": { ... },
 *     "__metadata__": { "producer": "wasmgrad", "model": "xor" } }          // optional, strings
 *
 * decodeSafetensors checks every rule of the format: the header lies in the file, is at most
 * MAX_HEADER_BYTES, is a JSON object repeating no key; each tensor has a dtype this runtime reads
 * (F32, I32, and F16 / BF16, widened exactly to f32), a shape of non-negative integers and
 * data_offsets spanning exactly prod(shape) × the dtype's size; the tensors cover the data exactly,
 * without gaps or overlaps. Its typed arrays assume a little-endian host, as the net's views do.
 *
 * loadSafetensors matches tensors by name, shape and dtype (an f32 tensor reads F32, F16 or BF16;
 * an i32 tensor reads I32), not by the metadata, which is informational: the file must hold every
 * param. With `states` (the default), every other tensor must be one of the net's states, and the
 * file holds all of them or none (a params-only file leaves the states alone). With
 * `states: false`, the net's states and any optimizer slot (a name starting `optim.`, as another
 * compile's optimizer may have other ones) are skipped; any other tensor is an error. It checks
 * everything (NaN and ±Infinity are rejected unless `allowNonFinite`) before writing anything.
 */
import { WasmgradRuntimeError } from "./errors.js";
import type { TensorInfo } from "./manifest.js";
import type { Net } from "./types.js";
import { showShape } from "./values.js";

/** The largest header read (as in the reference implementation): a larger one means a corrupt file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The dtypes read: F16 and BF16 become f32 exactly. */
export type SafetensorsDType = "F32" | "I32" | "F16" | "BF16";

export interface SafetensorsTensor {
  /** The dtype in the file. */
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** The values, row-major (F16 and BF16 widened to f32). */
  readonly data: Float32Array | Int32Array;
}

export interface Safetensors {
  /** The header's `__metadata__` (empty without one). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every tensor by name, in header order. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
}

export interface LoadSafetensorsOptions {
  /** Restore the net's states the file holds (the default); false skips them and any `optim.*`. */
  readonly states?: boolean;
  /** Accept NaN and ±Infinity in f32 tensors (rejected by default, naming the element). */
  readonly allowNonFinite?: boolean;
}

/** The part of a Net read and written here (any `Net<T>` is one). */
export type NetTensors = Pick<Net, "manifest" | "params" | "states">;

type View = Float32Array | Int32Array;
type Fail = (detail: string, tensor?: string, role?: string) => never;

const SIZES: Readonly<Record<string, number>> = { F32: 4, I32: 4, F16: 2, BF16: 2 };
const METADATA = "__metadata__";

const failer =
  (call: string, model?: string): Fail =>
  (detail, tensor, role) => {
    throw new WasmgradRuntimeError(`${call}: ${detail}`, { model, role, tensor });
  };

/** The net's params, and its states (the main entry's, as saveWeights) when `states`, with their views. */
function stored(net: NetTensors, states: boolean): { info: TensorInfo; view: View }[] {
  return net.manifest.tensors.flatMap((info) => {
    const views = info.role === "param" ? net.params : states && info.role === "state" ? net.states : {};
    const view = info.entry === undefined ? views[info.name] : undefined;
    return view ? [{ info, view }] : [];
  });
}

/**
 * The net's params (and with `states: true` its states) as a safetensors file: F32 or I32 as each
 * tensor is, the metadata `{ producer: "wasmgrad", model }`, the header padded to a multiple of 8.
 */
export function encodeSafetensors(net: NetTensors, options: { readonly states?: boolean } = {}): Uint8Array {
  const list = stored(net, options.states === true);
  const header: Record<string, unknown> = Object.create(null);
  header[METADATA] = { producer: "wasmgrad", model: net.manifest.model };
  let end = 0;
  for (const { info, view } of list) {
    if (info.name in header)
      failer("encodeSafetensors", net.manifest.model)(`"${METADATA}" is the format's own key`, info.name);
    header[info.name] = {
      dtype: info.dtype.toUpperCase(),
      shape: info.shape,
      data_offsets: [end, (end += view.byteLength)],
    };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + end).fill(0x20, 8, 8 + n);
  new DataView(out.buffer).setUint32(0, n, true); // the high half stays 0
  out.set(json, 8);
  let at = 8 + n;
  for (const { view } of list) {
    out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), at);
    at += view.byteLength;
  }
  return out;
}

/** Parses and validates a safetensors file (see the top of this file); throws WasmgradRuntimeError. */
export function decodeSafetensors(file: Uint8Array | ArrayBuffer): Safetensors {
  return decode(file, failer("decodeSafetensors"));
}

function decode(file: Uint8Array | ArrayBuffer, fail: Fail): Safetensors {
  const bytes = file instanceof ArrayBuffer ? new Uint8Array(file) : file;
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array or an ArrayBuffer`);
  if (bytes.length < 8) fail(`truncated file: ${bytes.length} bytes, less than the 8-byte header size`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const n = dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER_BYTES) fail(`header size ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (8 + n > bytes.length) fail(`header size ${n} is beyond the file (${bytes.length} bytes)`);
  let text = "";
  let header: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail(`the header is not a JSON object`);
  const twice = repeatedKey(text);
  if (twice) fail(`the header lists ${twice[1] ? "tensor" : "key"} "${twice[0]}" twice`);

  const data = bytes.subarray(8 + n);
  const { [METADATA]: metadata = {}, ...rest } = header;
  if (!isObject(metadata) || Object.values(metadata).some((v) => typeof v !== "string"))
    fail(`${METADATA} must map names to strings`);
  const entries = Object.entries(rest).map(([name, e]) => checkEntry(name, e, data.length, fail));
  // in data order, each tensor begins where the one before ends, and the last ends the file
  let [end, last] = [0, ""];
  for (const { name, begin, end: e } of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    const span = `data_offsets [${begin}, ${e}]`;
    if (begin < end) fail(`${span} overlap those of tensor "${last}", which end at ${end}`, name);
    if (begin > end)
      fail(`${span} leave a gap: bytes [${end}, ${begin}) of the data belong to no tensor`, name);
    [end, last] = [e, name];
  }
  if (end < data.length) fail(`the data has ${data.length - end} bytes after the last tensor`);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, dtype, shape, begin, end } of entries)
    tensors.set(name, { dtype, shape, data: values(data.subarray(begin, end), dtype) });
  return { metadata: metadata as Record<string, string>, tensors };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isSizes = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);

interface Entry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** One tensor's header entry, checked against itself and the data's length. */
function checkEntry(name: string, entry: unknown, dataBytes: number, fail: Fail): Entry {
  const { dtype, shape, data_offsets: at } = isObject(entry) ? entry : {};
  if (typeof dtype !== "string" || !isSizes(shape) || !isSizes(at) || at.length !== 2 || at[0]! > at[1]!)
    fail(`expected { dtype, shape, data_offsets: [begin, end] }, got ${JSON.stringify(entry)}`, name);
  if (!Object.hasOwn(SIZES, dtype))
    fail(`dtype ${JSON.stringify(dtype)} is not supported (supported: F32, I32, F16, BF16)`, name);
  const [begin, end] = at as [number, number];
  const span = `data_offsets [${begin}, ${end}]`;
  const bytes = shape.reduce((a, b) => a * b, SIZES[dtype]!);
  if (bytes !== end - begin)
    fail(`shape ${showShape(shape)} ${dtype} takes ${bytes} bytes, but ${span} span ${end - begin}`, name);
  if (end > dataBytes) fail(`${span} end beyond the data (${dataBytes} bytes)`, name);
  return { name, dtype: dtype as SafetensorsDType, shape, begin, end };
}

/**
 * The first key repeated within one object of `json` (valid JSON), and whether it is at the top
 * level (a tensor's name): JSON.parse silently keeps the last.
 */
function repeatedKey(json: string): [string, boolean] | undefined {
  const open: Set<string>[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === "{") open.push(new Set());
    else if (c === "}") open.pop();
    else if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      let k = j + 1;
      while (/\s/.test(json[k]!)) k++;
      if (json[k] === ":") {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        const keys = open[open.length - 1]!;
        if (keys.has(key)) return [key, open.length === 1];
        keys.add(key);
      }
      i = j;
    }
  }
  return undefined;
}

/** A tensor's bytes as values (copied, so aligned); F16 and BF16 widened exactly to f32. */
function values(bytes: Uint8Array, dtype: SafetensorsDType): View {
  if (dtype === "I32") return new Int32Array(bytes.slice().buffer);
  if (dtype === "F32") return new Float32Array(bytes.slice().buffer);
  const out = new Float32Array(bytes.length / 2);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) {
    const h = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    const [e, m] = [(h >> 10) & 31, h & 1023];
    if (dtype === "BF16")
      bits[i] = h << 16; // bf16 is the high half of an f32
    else
      out[i] =
        (h >> 15 ? -1 : 1) *
        (e === 31 ? (m ? NaN : Infinity) : e ? (1024 + m) * 2 ** (e - 25) : m * 2 ** -24);
  }
  return out;
}

/**
 * Restores the net's params (and states) from a safetensors file, matching tensors by name (see
 * the top of this file); on any error nothing is written.
 */
export function loadSafetensors(
  net: NetTensors,
  file: Uint8Array | ArrayBuffer,
  options: LoadSafetensorsOptions = {},
): void {
  const fail: Fail = failer("loadSafetensors", net.manifest.model);
  const { tensors } = decode(file, fail);
  const states = options.states !== false;
  const targets = stored(net, true);
  const byName = new Map(targets.map((t) => [t.info.name, t]));
  const copies: [View, View][] = [];
  let held = 0;
  for (const [name, t] of tensors) {
    const target = byName.get(name);
    const role = target?.info.role;
    const slot = name.startsWith("optim.");
    if (!states && (role === "state" || (!target && slot))) continue;
    if (!target)
      fail(
        `the file holds tensor "${name}", which the model does not have (it has ${[...byName.keys()].join(", ")})` +
          (slot ? `; load with { states: false } to skip the optimizer's states` : ""),
      );
    const { dtype, shape } = target.info;
    if (showShape(t.shape) !== showShape(shape) || (dtype === "i32") !== (t.dtype === "I32"))
      fail(
        `the file holds shape ${showShape(t.shape)} ${t.dtype}, the model has shape ${showShape(shape)} ${dtype}`,
        name,
        role,
      );
    const bad =
      dtype === "f32" && !options.allowNonFinite ? t.data.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0)
      fail(
        `holds ${t.data[bad]} at element ${bad}; non-finite weights are rejected (load with { allowNonFinite: true } to accept them)`,
        name,
        role,
      );
    if (role === "state") held++;
    copies.push([target.view, t.data]);
  }
  const lacking = (r: string) =>
    targets.filter((t) => t.info.role === r && !tensors.has(t.info.name)).map((t) => t.info.name);
  const params = lacking("param");
  if (params.length) fail(`the file lacks param${params.length > 1 ? "s" : ""} ${params.join(", ")}`);
  const absent = lacking("state");
  if (held && absent.length)
    fail(`the file holds some states but lacks ${absent.join(", ")} (a file holds all states or none)`);
  for (const [to, from] of copies) to.set(from);
}
