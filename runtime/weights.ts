/**
 * The weights file: what `net.saveWeights()` writes and `net.loadWeights(bytes)` reads.
 *
 * Format version 1. All integers are unsigned 32-bit little-endian.
 *
 *   offset  size  field
 *   0       4     magic: the ASCII bytes "WGWT" (0x57 0x47 0x57 0x54)
 *   4       4     format version: 1
 *   8       4     H: byte length of the header
 *   12      H     header: UTF-8 JSON (below), padded with spaces (0x20) so 12 + H is a multiple of 16
 *   12 + H  ...   data: each tensor's raw little-endian bytes (f32 or i32, row-major), in header
 *                 order, back to back; the file ends right after the last tensor
 *
 * The header:
 *
 *   {
 *     "model": "xor",                     // the manifest's model name
 *     "tensors": [                        // every param, then (optionally) every state
 *       { "name": "W1", "role": "param", "shape": [2, 8], "dtype": "f32", "byteLength": 64 },
 *       { "name": "optim.W1.m", "role": "state", "shape": [2, 8], "dtype": "f32", "byteLength": 64 }
 *     ]
 *   }
 *
 * A reader rejects a file whose magic differs, whose version it does not know, whose length is not
 * exactly 12 + H + the sum of the byte lengths, or whose header does not match the model (name,
 * set of params, each shape and dtype). States are optional: a file either holds none or all of
 * the model's states. WebAssembly memory is little-endian, so the data is copied byte for byte.
 *
 * Unknown header keys are ignored, so later writers may add informational fields within version 1.
 */
import { WasmgradRuntimeError } from "./errors.js";
import type { DType, TensorRole } from "./manifest.js";
import { showShape } from "./values.js";

export const WEIGHTS_MAGIC = "WGWT";
export const WEIGHTS_FORMAT_VERSION = 1;

/** One tensor of a weights file's header. */
export interface WeightsTensor {
  readonly name: string;
  readonly role: "param" | "state";
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly byteLength: number;
}

/** A weights file's JSON header. */
export interface WeightsHeader {
  readonly model: string;
  readonly tensors: readonly WeightsTensor[];
}

/** A tensor the model holds: where its bytes live in memory. */
export interface StoredTensor {
  readonly name: string;
  readonly role: TensorRole;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The tensor's bytes in the module's memory. */
  readonly bytes: Uint8Array;
}

const PREFIX = 12;

/** Serializes `tensors` (params and states, bytes read from memory now) into a weights file. */
export function encodeWeights(model: string, tensors: readonly StoredTensor[]): Uint8Array {
  const header: WeightsHeader = {
    model,
    tensors: tensors.map((t) => ({
      name: t.name,
      role: t.role === "state" ? "state" : "param",
      shape: t.shape,
      dtype: t.dtype,
      byteLength: t.bytes.byteLength,
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((PREFIX + json.length) / 16) * 16 - PREFIX;
  let dataBytes = 0;
  for (const t of tensors) dataBytes += t.bytes.byteLength;
  const out = new Uint8Array(PREFIX + padded + dataBytes);
  for (let i = 0; i < 4; i++) out[i] = WEIGHTS_MAGIC.charCodeAt(i);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, WEIGHTS_FORMAT_VERSION, true);
  dv.setUint32(8, padded, true);
  out.fill(0x20, PREFIX, PREFIX + padded);
  out.set(json, PREFIX);
  let at = PREFIX + padded;
  for (const t of tensors) {
    out.set(t.bytes, at);
    at += t.bytes.byteLength;
  }
  return out;
}

/** Throws a WasmgradRuntimeError `loadWeights: <detail>` naming the model (and the tensor, if given). */
type Fail = (detail: string, role?: string, tensor?: string) => never;

/** A copy to perform: bytes of the file -> the tensor's bytes in memory. */
/** Bytes of the file, where they go, and the tensor they belong to. */
type Copy = [from: Uint8Array, to: Uint8Array, tensor: StoredTensor];

/**
 * Parses and fully validates a weights file against the model's params and states; returns the
 * copies to perform (source bytes -> destination bytes in memory) without performing any, so a
 * rejected file leaves the loaded weights untouched.
 */
export function decodeWeights(
  file: Uint8Array | ArrayBuffer,
  model: string,
  params: readonly StoredTensor[],
  states: readonly StoredTensor[],
  loadStates: boolean,
  allowNonFinite = false,
): Copy[] {
  const fail: Fail = (detail, role, tensor) => {
    throw new WasmgradRuntimeError(`loadWeights: ${detail}`, { model, role, tensor });
  };
  const bytes = asBytes(file, fail);
  const { header, dataStart } = readHeader(bytes, model, fail);
  const copies = planCopies(bytes, header.tensors, dataStart, params, states, loadStates, fail);
  if (!allowNonFinite) for (const c of copies) checkFinite(c, fail);
  return copies;
}

/**
 * Rejects a tensor holding NaN or ±Infinity (the next training step would make every param NaN),
 * naming the first such element; `load(..., { allowNonFinite: true })` accepts them.
 */
function checkFinite([from, , target]: Copy, fail: Fail): void {
  if (target.dtype !== "f32") return;
  const view = new DataView(from.buffer, from.byteOffset, from.byteLength);
  for (let i = 0; i < from.byteLength / 4; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v))
      fail(
        `${target.role} "${target.name}" holds ${v} at element ${i}; non-finite weights are rejected (load with { allowNonFinite: true } to accept them)`,
        target.role,
        target.name,
      );
  }
}

function asBytes(file: Uint8Array | ArrayBuffer, fail: Fail): Uint8Array {
  if (file instanceof Uint8Array) return file;
  if (file instanceof ArrayBuffer) return new Uint8Array(file);
  return fail(`expected a Uint8Array or an ArrayBuffer, got ${typeof file}`);
}

/** Checks the prefix (magic, version, header length) and the header's shape and model name. */
function readHeader(
  bytes: Uint8Array,
  model: string,
  fail: Fail,
): { header: WeightsHeader; dataStart: number } {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < PREFIX || magic !== WEIGHTS_MAGIC) {
    fail(
      WEIGHTS_MAGIC.startsWith(magic)
        ? `truncated file: ${bytes.length} bytes, a weights file has at least ${PREFIX}`
        : `not a wasmgrad weights file (expected the magic bytes "${WEIGHTS_MAGIC}", got ${JSON.stringify(magic)})`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== WEIGHTS_FORMAT_VERSION) {
    fail(
      `unsupported weights format version ${version} (this runtime reads version ${WEIGHTS_FORMAT_VERSION})`,
    );
  }
  const headerBytes = dv.getUint32(8, true);
  if (PREFIX + headerBytes > bytes.length) {
    fail(`truncated file: the header needs ${PREFIX + headerBytes} bytes, the file has ${bytes.length}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerBytes)),
    );
  } catch (e) {
    fail(`corrupt header (not UTF-8 JSON): ${e instanceof Error ? e.message : String(e)}`);
  }
  const h = header as Partial<WeightsHeader> | null;
  if (typeof h !== "object" || h === null || typeof h.model !== "string" || !Array.isArray(h.tensors)) {
    return fail(`corrupt header: expected { model, tensors }`);
  }
  if (h.model !== model) fail(`the file holds weights for model "${h.model}", not "${model}"`);
  return { header: h as WeightsHeader, dataStart: PREFIX + headerBytes };
}

/**
 * Matches the header's tensors, whose data starts at `at`, with the model's: each once, of the
 * model's shape and dtype, inside the file; then checks the file ends with the last and holds
 * every param and all states or none (states are skipped unless `loadStates`).
 */
function planCopies(
  bytes: Uint8Array,
  entries: readonly unknown[],
  at: number,
  params: readonly StoredTensor[],
  states: readonly StoredTensor[],
  loadStates: boolean,
  fail: Fail,
): Copy[] {
  const byName = new Map<string, StoredTensor>();
  for (const t of params) byName.set(`param ${t.name}`, t);
  for (const t of states) byName.set(`state ${t.name}`, t);
  const copies: Copy[] = [];
  const seen = new Set<string>();
  let stateCount = 0;
  for (const entry of entries) {
    const e = checkEntry(entry, fail);
    const key = `${e.role} ${e.name}`;
    if (seen.has(key)) fail(`the file lists ${e.role} "${e.name}" twice`);
    seen.add(key);
    if (e.role === "state" && !loadStates) {
      at += e.byteLength; // skipped: the model need not have these states at all
      continue;
    }
    const target = checkTarget(e, byName.get(key), e.role === "param" ? params : states, fail);
    if (at + e.byteLength > bytes.length) {
      fail(
        `truncated file: ${e.role} "${e.name}" needs bytes up to ${at + e.byteLength}, the file has ${bytes.length}`,
      );
    }
    if (e.role === "state") stateCount++;
    copies.push([bytes.subarray(at, at + e.byteLength), target.bytes, target]);
    at += e.byteLength;
  }
  if (at > bytes.length) fail(`truncated file: the tensors need ${at} bytes, the file has ${bytes.length}`);
  if (at < bytes.length) fail(`${bytes.length - at} unexpected bytes after the last tensor (corrupt file)`);
  const missing = params.filter((t) => !seen.has(`param ${t.name}`)).map((t) => t.name);
  if (missing.length) fail(`the file lacks param${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  if (stateCount > 0 && stateCount !== states.length) {
    const lacking = states.filter((t) => !seen.has(`state ${t.name}`)).map((t) => t.name);
    fail(`the file holds some states but lacks ${lacking.join(", ")} (a file holds all states or none)`);
  }
  return copies;
}

/** One header entry's fields (its dtype is checked against the model's in checkTarget). */
function checkEntry(entry: unknown, fail: Fail): WeightsTensor {
  const e = entry as Partial<WeightsTensor> | null;
  if (
    typeof e !== "object" ||
    e === null ||
    typeof e.name !== "string" ||
    (e.role !== "param" && e.role !== "state") ||
    !Array.isArray(e.shape) ||
    typeof e.byteLength !== "number" ||
    !Number.isInteger(e.byteLength) ||
    e.byteLength < 0
  ) {
    return fail(`corrupt header: bad tensor entry ${JSON.stringify(entry)}`);
  }
  return e as WeightsTensor;
}

/** The model's tensor for entry `e`, which must exist (among `candidates`) and match its shape. */
function checkTarget(
  e: WeightsTensor,
  target: StoredTensor | undefined,
  candidates: readonly StoredTensor[],
  fail: Fail,
): StoredTensor {
  if (target === undefined) {
    const valid = candidates.map((t) => t.name);
    return fail(
      `the file holds ${e.role} "${e.name}", which this model does not have ` +
        `(its ${e.role}s: ${valid.length ? valid.join(", ") : "none"})`,
    );
  }
  if (showShape(e.shape) !== showShape(target.shape) || e.dtype !== target.dtype) {
    fail(
      `the file holds shape ${showShape(e.shape)} ${String(e.dtype)}, ` +
        `the model has shape ${showShape(target.shape)} ${target.dtype}`,
      e.role,
      e.name,
    );
  }
  if (e.byteLength !== target.bytes.byteLength) {
    fail(`the file gives ${e.byteLength} bytes, the model holds ${target.bytes.byteLength}`, e.role, e.name);
  }
  return target;
}
