/**
 * The Net: the handle `load` returns around an instantiated module whose manifest has been checked
 * (read-manifest.ts). Its calls are synchronous: a call checks and writes the inputs, calls one
 * exported function and copies the results out.
 *
 * Views (`net.params.W1`, `net.inputs.x`, ...) are typed arrays over the module's memory, made
 * once: the contract (manifest.ts) says memory never grows, so they never detach.
 */
import { WasmgradRuntimeError } from "./errors.js";
import type { EntryInfo, Manifest, TensorInfo, TensorRole } from "./manifest.js";
import type { LoadOptions, Net } from "./types.js";
import { check, countValues, showShape, sizeOf } from "./values.js";
import { guardCalls } from "./traps.js";
import { decodeWeights, encodeWeights } from "./weights.js";
import type { StoredTensor } from "./weights.js";

type View = Float32Array | Int32Array;
/** Tensors (or values) by name. */
type ByName<V> = Record<string, V>;
/** Throws a WasmgradRuntimeError naming the model. */
type Fail = (detail: string) => never;

/** One tensor in memory. */
interface Slot {
  readonly info: TensorInfo;
  readonly size: number;
  readonly view: View;
  readonly bytes: Uint8Array;
}

/** Every tensor by role, then name, in manifest order. */
type Slots = Record<TensorRole, Map<string, Slot>>;

/** The module's exports the Net calls. */
interface Exports {
  readonly memory: WebAssembly.Memory;
  readonly init: (seed: number) => void;
  readonly resetState: () => void;
  readonly forward: () => void;
  /** The forward entries at other dims, by export. */
  readonly forwardAt: ReadonlyMap<string, () => void>;
  /** Throws (noLoss) when the module has no backward. */
  readonly backward: () => void;
  /** Throws (noTrain) when the module has no train_step. */
  readonly trainStep: () => void;
}

/** Wraps an instance of a module whose manifest readManifest accepted. */
export function createNet(manifest: Manifest, instance: WebAssembly.Instance, options: LoadOptions): Net {
  const model = manifest.model;
  const allowNonFinite = options.allowNonFinite === true;
  const fail: Fail = (detail) => {
    throw new WasmgradRuntimeError(detail, { model });
  };
  const { forward: fwdEntry, backward: bwdEntry, train: trainEntry } = manifest.entries;
  const exports = bindExports(instance.exports, manifest, fail);
  const { memory, init, resetState } = exports;
  const tensorsOf = (entry?: string) => manifest.tensors.filter((t) => t.entry === entry);
  const slots = mapTensors(tensorsOf(undefined), memory.buffer, fail);
  // after mapTensors, which checks that every tensor lies inside memory
  const guard = guardCalls(manifest, instance.exports, memory.buffer);
  const forward = guard.bare(exports.forward, fwdEntry.export);
  const backward = bwdEntry ? guard.bare(exports.backward, bwdEntry.export) : exports.backward;
  const trainStep = trainEntry ? guard.bare(exports.trainStep, trainEntry.export) : exports.trainStep;
  const lossView = slots.output.get("loss")?.view;
  const write = (inputs: unknown, entry: EntryInfo, call: string, to = slots.input): void =>
    writeInputs(inputs, entry, call, to, allowNonFinite, model, fail);

  // every forward entry, the main one first, each over its own inputs, outputs and states
  const forwards: ForwardEntry[] = [
    { info: fwdEntry, slots, raw: exports.forward, call: forward },
    ...(manifest.entries.forwardAt ?? []).map((info) => {
      const raw = exports.forwardAt.get(info.export)!;
      const slots = mapTensors(tensorsOf(info.export), memory.buffer, fail);
      return { info, slots, raw, call: guard.bare(raw, info.export) };
    }),
  ];
  const runAt = (entry: ForwardEntry, inputs: unknown): ByName<View> => {
    guard.checked(() => (write(inputs, entry.info, "run", entry.slots.input), entry.raw()), "run");
    return copyOutputs(entry.slots.output, entry.info);
  };
  const handles = forwards.map((entry) => ({
    dims: entry.info.dims,
    export: entry.info.export,
    inputs: viewsOf(entry.slots.input),
    outputs: viewsOf(entry.slots.output),
    states: viewsOf(entry.slots.state),
    run: (inputs: unknown) => runAt(entry, inputs),
    forward: entry.call,
    resetState: () => {
      for (const name of entry.info.states ?? []) entry.slots.state.get(name)?.view.fill(0);
    },
  }));
  const at = (size: unknown) => handles[forwards.indexOf(findForward(forwards, size, fail))]!;

  return {
    manifest,
    memory,
    hasLoss: bwdEntry !== undefined,
    canTrain: trainEntry !== undefined,
    params: viewsOf(slots.param),
    grads: viewsOf(slots.grad) as ByName<Float32Array>,
    inputs: viewsOf(slots.input),
    outputs: viewsOf(slots.output),
    states: viewsOf(slots.state),
    init(seed = 0) {
      init(seedToI32(seed, fail));
    },
    dims: fwdEntry.dims,
    forwards: handles,
    at,
    resetState(size?: unknown) {
      if (size === undefined) resetState();
      else at(size).resetState();
    },
    run(inputs) {
      return runAt(forwards.length > 1 ? pickForward(forwards, inputs, fail) : forwards[0]!, inputs);
    },
    grad(inputs) {
      if (!bwdEntry) return noLoss(fail);
      guard.checked(() => (write(inputs, bwdEntry, "grad"), exports.backward()), "grad");
      // backward writes the loss and the grads only (GradResult), so only those are returned
      const grads = copyAll(slots.grad) as ByName<Float32Array>;
      return { loss: (lossView as View)[0] as number, grads };
    },
    train(inputs) {
      if (!trainEntry) return noTrain(fail);
      guard.checked(() => (write(inputs, trainEntry, "train"), exports.trainStep()), "train");
      return { loss: (lossView as View)[0] as number };
    },
    forward,
    backward,
    trainStep,
    saveWeights(opts = {}) {
      return weightsFile(model, slots, Boolean(opts.states));
    },
    loadWeights(bytes, opts = {}) {
      restoreWeights(bytes, model, slots, opts.states !== false, allowNonFinite);
    },
  };
}

/** A forward entry: the main one or one at other dims, with the tensors it owns. */
interface ForwardEntry {
  readonly info: EntryInfo;
  /** Its inputs, outputs and states (the main entry's: every tensor but those of the others). */
  readonly slots: Slots;
  /** Its export, as `run` calls it inside guard.checked, and guarded for bare calls (traps.ts). */
  readonly raw: () => void;
  readonly call: () => void;
}

type Dims = Readonly<Record<string, number>>;

/** `{ batch: 1 }` for messages. */
const showDims = (dims: Dims | undefined): string =>
  dims
    ? `{ ${Object.entries(dims)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ")} }`
    : "{}";

/** The forward entry at `size`: a batch size, or dims that match exactly one entry's. */
function findForward(forwards: readonly ForwardEntry[], size: unknown, fail: Fail): ForwardEntry {
  const wanted = typeof size === "number" ? { batch: size } : size;
  const matches =
    typeof wanted === "object" && wanted !== null
      ? forwards.filter((f) => Object.entries(wanted).every(([k, v]) => f.info.dims?.[k] === v))
      : [];
  return matches.length === 1
    ? matches[0]!
    : fail(
        `at(${typeof size === "object" && size ? showDims(size as Dims) : String(size)}): ` +
          `${matches.length ? "more than one" : "no"} forward entry runs at that size ` +
          `(the module's forward entries: ${forwards.map((f) => showDims(f.info.dims)).join(", ")})`,
      );
}

/**
 * The forward entry whose inputs have the sizes of the given values (the main one when it fits,
 * else the first that does); when none does, an error listing what each entry takes.
 */
function pickForward(forwards: readonly ForwardEntry[], inputs: unknown, fail: Fail): ForwardEntry {
  if (typeof inputs !== "object" || inputs === null) return forwards[0]!; // writeInputs says why
  const given = inputs as ByName<unknown>;
  // values that are no tensor's (unknown names, non-arrays) are left to writeInputs to report
  const sized = Object.keys(given).flatMap((name) => {
    const count = countValues(given[name]);
    return count === undefined || !forwards[0]!.slots.input.has(name) ? [] : [{ name, count }];
  });
  const fits = (f: ForwardEntry) => sized.every(({ name, count }) => f.slots.input.get(name)?.size === count);
  const found = forwards.find(fits);
  if (found) return found;
  const takes = forwards.map(
    (f) =>
      `${showDims(f.info.dims)}: ` +
      sized
        .map(({ name }) => {
          const slot = f.slots.input.get(name);
          return `${name} ${slot ? showShape(slot.info.shape) : "(not read)"}`;
        })
        .join(", "),
  );
  return fail(
    `run(): no forward entry takes inputs of these sizes (${sized.map((v) => `${v.name}: ${v.count} values`).join(", ")}); ` +
      `the module's forward entries take ${takes.join("; ")}`,
  );
}

const noLoss = (fail: Fail): never =>
  fail(`the model has no loss, so its module has no backward(); grad() needs one`);

const noTrain = (fail: Fail): never =>
  fail(
    `the module was compiled without an optimizer, so it has no train_step(); ` +
      `compile with an optimizer to train, or use grad()`,
  );

/** Finds the memory and every function the manifest's entries name (or the contract requires). */
function bindExports(exports: WebAssembly.Exports, manifest: Manifest, fail: Fail): Exports {
  const memory = exports["memory"];
  if (!(memory instanceof WebAssembly.Memory))
    return fail(`load: the module exports no memory named "memory"`);
  const fn = (name: string): (() => void) => {
    const f = exports[name];
    return typeof f === "function"
      ? (f as () => void)
      : fail(`load: the module lacks the exported function "${name}"`);
  };
  const { forward, backward, train, forwardAt } = manifest.entries;
  return {
    memory,
    forwardAt: new Map((forwardAt ?? []).map((e) => [e.export, fn(e.export)])),
    init: fn("init") as unknown as (seed: number) => void,
    resetState: fn("reset_state"),
    forward: fn(forward.export),
    backward: backward ? fn(backward.export) : () => noLoss(fail),
    trainStep: train ? fn(train.export) : () => noTrain(fail),
  };
}

/** Makes every tensor's views, checking that it lies inside memory. */
function mapTensors(tensors: readonly TensorInfo[], buffer: ArrayBuffer, fail: Fail): Slots {
  const slots: Slots = {
    input: new Map(),
    param: new Map(),
    grad: new Map(),
    output: new Map(),
    state: new Map(),
  };
  for (const t of tensors) {
    const size = sizeOf(t.shape);
    if (t.offset + size * 4 > buffer.byteLength) {
      fail(
        `load: ${t.role} "${t.name}" lies outside memory (${t.offset} + ${size * 4} > ${buffer.byteLength} bytes)`,
      );
    }
    const view =
      t.dtype === "i32" ? new Int32Array(buffer, t.offset, size) : new Float32Array(buffer, t.offset, size);
    slots[t.role].set(t.name, { info: t, size, view, bytes: new Uint8Array(buffer, t.offset, size * 4) });
  }
  return slots;
}

/** The views of one role, as a frozen object without a prototype: its only keys are tensor names. */
function viewsOf(slots: Map<string, Slot>): ByName<View> {
  const views: ByName<View> = Object.create(null);
  for (const [name, s] of slots) views[name] = s.view;
  return Object.freeze(views);
}

/** Checks every given input, then (only when all pass) writes them; checks `entry`'s are all given. */
function writeInputs(
  values: unknown,
  entry: EntryInfo,
  call: string,
  inputs: Map<string, Slot>,
  allowNonFinite: boolean,
  model: string,
  fail: Fail,
): void {
  if (typeof values !== "object" || values === null || Array.isArray(values) || ArrayBuffer.isView(values)) {
    fail(`${call}() expects an object of inputs keyed by name (${entry.inputs.join(", ") || "none needed"})`);
  }
  const given = values as ByName<unknown>;
  const writes: [View, ArrayLike<number>][] = [];
  for (const name in given) {
    if (!Object.hasOwn(given, name) || given[name] === undefined) continue;
    const slot = inputs.get(name);
    if (slot === undefined) {
      const known = [...inputs.keys()].join(", ") || "none";
      fail(`${call}(): unknown input "${name}" (the model's inputs: ${known})`);
    } else writes.push([slot.view, check(given[name], slot.info, slot.size, allowNonFinite, model, "input")]);
  }
  const missing = entry.inputs.filter((n) => given[n] === undefined || !Object.hasOwn(given, n));
  if (missing.length) {
    fail(
      `${call}() is missing input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")} ` +
        `(${entry.export} reads ${entry.inputs.join(", ")})`,
    );
  }
  for (const [view, src] of writes) view.set(src);
}

/** The tensors of a role as the weights file sees them: their bytes in memory. */
function stored(slots: Slots, role: "param" | "state"): StoredTensor[] {
  return [...slots[role].values()].map((s) => ({ ...s.info, bytes: s.bytes }));
}

/** The params, and the states when `states`, as a weights file. */
function weightsFile(model: string, slots: Slots, states: boolean): Uint8Array {
  return encodeWeights(
    model,
    states ? [...stored(slots, "param"), ...stored(slots, "state")] : stored(slots, "param"),
  );
}

/** Writes nothing unless the whole file is valid (decodeWeights checks all before any copy). */
function restoreWeights(
  bytes: Uint8Array | ArrayBuffer,
  model: string,
  slots: Slots,
  states: boolean,
  allowNonFinite: boolean,
): void {
  const copies = decodeWeights(
    bytes,
    model,
    stored(slots, "param"),
    stored(slots, "state"),
    states,
    allowNonFinite,
  );
  for (const [from, to] of copies) to.set(from);
}

/** A seed as the i32 `init` takes: any integer of 32 bits, signed or not. */
function seedToI32(seed: number, fail: Fail): number {
  if (!Number.isInteger(seed) || seed < -0x80000000 || seed > 0xffffffff) {
    fail(`init(seed): expected an integer seed (32 bits), got ${String(seed)}`);
  }
  return seed | 0;
}

/** Copies of every tensor of a role (the grads). */
function copyAll(slots: Map<string, Slot>): ByName<View> {
  const out: ByName<View> = {};
  for (const [name, s] of slots) out[name] = s.view.slice();
  return out;
}

/** Copies of the outputs `entry` writes, except `loss` (which calls return as a number). */
function copyOutputs(outputs: Map<string, Slot>, entry: EntryInfo): ByName<View> {
  const out: ByName<View> = {};
  for (const name of entry.outputs) if (name !== "loss") out[name] = (outputs.get(name) as Slot).view.slice();
  return out;
}
