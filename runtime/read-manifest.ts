/**
 * Reading a module's manifest (the contract in manifest.ts) and checking every field the runtime
 * relies on, so that creating the Net can trust it: tensors well formed and uniquely named, each
 * grad matching a param, entries naming known tensors and writing a scalar `loss` where needed.
 */
import { WasmgradRuntimeError } from "./errors.js";
import { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, MANIFEST_SECTION } from "./manifest.js";
import type { DType, EntryInfo, Manifest, TensorInfo, TensorRole, TrapSite } from "./manifest.js";
import { showShape, sizeOf } from "./values.js";

const ROLES: readonly TensorRole[] = ["input", "param", "grad", "output", "state"];
const DTYPES: readonly DType[] = ["f32", "i32"];

/** Throws `load: bad manifest: <detail>` unless `ok`. */
type Need = (ok: unknown, detail: string) => asserts ok;

/** The manifest's tensors by `"<role> <name>"`. */
type TensorsByKey = Map<string, TensorInfo>;

/** Reads and checks the manifest section, so every later step can trust it. */
export function readManifest(module: WebAssembly.Module): Manifest {
  const m = parseSection(module);
  const model = typeof m?.["model"] === "string" ? m["model"] : undefined;
  const need: Need = (ok, detail) => {
    if (!ok) throw new WasmgradRuntimeError(`load: bad manifest: ${detail}`, { model });
  };
  checkFormat(m, model, need);
  const tensors = checkTensors(m["tensors"], need);
  checkEntries(m["entries"], tensors, need);
  checkTraps(m, need);
  return m as unknown as Manifest;
}

/** The one manifest section, parsed as JSON (any JSON value: checkFormat checks it is an object). */
function parseSection(module: WebAssembly.Module): Record<string, unknown> {
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
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(section)) as Record<string, unknown>;
  } catch (e) {
    throw new WasmgradRuntimeError(`load: the manifest is not UTF-8 JSON: ${String(e)}`, { cause: e });
  }
}

/** An object of this runtime's format and version, naming its model. */
function checkFormat(m: Record<string, unknown>, model: string | undefined, need: Need): void {
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
}

/** Checks each tensor, that no two of a role share a name, and that every grad has its param. */
function checkTensors(tensors: unknown, need: Need): TensorsByKey {
  need(Array.isArray(tensors), "tensors is not an array");
  const seen: TensorsByKey = new Map();
  for (const t of tensors as Partial<TensorInfo>[]) {
    checkTensor(t, need);
    // Results are plain objects keyed by name, where "__proto__" would set the prototype instead.
    need(t.name !== "__proto__", `a tensor is named "__proto__"`);
    const key = tensorKey(t.role!, t.name!, t.entry);
    need(!seen.has(key), `two ${t.role}s ${t.entry ? `of ${t.entry} ` : ""}are named "${t.name}"`);
    seen.set(key, t as TensorInfo);
  }
  for (const t of seen.values()) {
    if (t.role !== "grad") continue;
    const p = seen.get(`param ${t.name}`);
    need(p && showShape(p.shape) === showShape(t.shape), `grad "${t.name}" has no param of its shape`);
  }
  return seen;
}

/** A tensor's key in TensorsByKey: `"<role> <name>"`, then ` @<entry>` for a forward entry's own. */
const tensorKey = (role: string, name: string, entry?: string): string =>
  entry === undefined ? `${role} ${name}` : `${role} ${name} @${entry}`;

/** One tensor's fields: name, role, dtype, shape, offset, idRows, idIgnore, idUse, entry. */
function checkTensor(t: Partial<TensorInfo>, need: Need): void {
  const what = `tensor ${JSON.stringify(t)}`;
  need(typeof t === "object" && t !== null && typeof t.name === "string", `${what} has no name`);
  need(ROLES.includes(t.role as TensorRole), `${what} has an unknown role`);
  need(DTYPES.includes(t.dtype as DType), `${what} has an unknown dtype`);
  const { shape, offset, idRows, idIgnore, idUse, entry } = t;
  const fields: [string, boolean][] = [
    ["shape", Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0)],
    // The contract promises 16-byte alignment; typed-array views need 4.
    ["offset", Number.isInteger(offset) && offset! >= 0 && offset! % 4 === 0],
    [
      "idRows",
      idRows === undefined ||
        (t.role === "input" && t.dtype === "i32" && Number.isInteger(idRows) && idRows >= 0),
    ],
    ["idIgnore", idIgnore === undefined || (idRows !== undefined && Number.isInteger(idIgnore))],
    ["idUse", idUse === undefined || (idRows !== undefined && idUse === "classes")],
    // only a forward entry's own inputs, outputs and states belong to it (params are shared)
    [
      "entry",
      entry === undefined || (typeof entry === "string" && ["input", "output", "state"].includes(t.role!)),
    ],
  ];
  for (const [field, ok] of fields) need(ok, `${what} has a bad ${field}`);
}

/** The ids checks: `computedIds` a boolean, each trap site an op with a range (both optional). */
function checkTraps(m: Record<string, unknown>, need: Need): void {
  need(
    m["computedIds"] === undefined || typeof m["computedIds"] === "boolean",
    "computedIds is not a boolean",
  );
  const traps = m["traps"];
  if (traps === undefined) return;
  need(Array.isArray(traps), "traps is not an array");
  for (const t of traps as Partial<TrapSite>[]) {
    need(
      typeof t === "object" &&
        t !== null &&
        typeof t.op === "string" &&
        (t.where === undefined || typeof t.where === "string") &&
        Number.isInteger(t.rows) &&
        (t.ignore === undefined || Number.isInteger(t.ignore)) &&
        (t.use === "table" || t.use === "classes"),
      `trap site ${JSON.stringify(t)} is malformed`,
    );
  }
}

/** `forward` is required, `backward` and `train` optional; each must list known tensors. */
function checkEntries(entries: unknown, seen: TensorsByKey, need: Need): void {
  const byKey = entries as Record<string, Partial<EntryInfo> | undefined> | undefined;
  need(typeof byKey === "object" && byKey !== null && byKey["forward"], "entries.forward is missing");
  for (const key of ["forward", "backward", "train"]) {
    const e = byKey[key];
    if (e !== undefined) checkEntry(key, e, seen, need);
  }
  const forwardAt = byKey["forwardAt"] as unknown;
  const exports = new Set(["forward", "backward", "train"].map((k) => byKey[k]?.export));
  if (forwardAt !== undefined) {
    need(Array.isArray(forwardAt), "entries.forwardAt is not an array");
    (forwardAt as Partial<EntryInfo>[]).forEach((e, k) => {
      checkEntry(`forwardAt[${k}]`, e, seen, need, e?.export);
      need(!exports.has(e.export), `entries.forwardAt[${k}] exports "${e.export}" twice`);
      exports.add(e.export);
    });
  }
  for (const t of seen.values())
    need(
      t.entry === undefined || exports.has(t.entry),
      `tensor "${t.name}" belongs to no entry "${t.entry}"`,
    );
}

/**
 * One entry: its export's name, the inputs, outputs and states it lists (`own`: the export of a
 * forward entry at other dims, whose own tensors these are), its dims, and (but forward) its loss.
 */
function checkEntry(key: string, e: Partial<EntryInfo>, seen: TensorsByKey, need: Need, own?: string): void {
  need(
    typeof e === "object" && e !== null && typeof e.export === "string",
    `entries.${key}.export is not a string`,
  );
  for (const [list, role, field] of [
    [e.inputs, "input", "inputs"],
    [e.outputs, "output", "outputs"],
    [e.states ?? [], "state", "states"],
    [e.rowSparse ?? [], "param", "rowSparse"],
  ] as const) {
    need(Array.isArray(list), `entries.${key}.${field} is not an array`);
    for (const name of list)
      need(seen.has(tensorKey(role, name, own)), `entries.${key} lists unknown ${role} "${name}"`);
  }
  need(
    e.dims === undefined ||
      (typeof e.dims === "object" &&
        e.dims !== null &&
        Object.values(e.dims).every((v) => Number.isInteger(v) && v > 0)),
    `entries.${key}.dims is not an object of sizes`,
  );
  if (key === "forward" || own !== undefined) return;
  const loss = seen.get("output loss");
  need(
    e.outputs?.includes("loss") && loss && loss.dtype === "f32" && sizeOf(loss.shape) === 1,
    `entries.${key} must write a one-element f32 output "loss"`,
  );
}
