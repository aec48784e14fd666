// safetensors (runtime/safetensors.ts): the layout it writes, round trips (training resumes
// bit for bit), files written by another implementation (test/fixtures/safetensors, made by
// make-fixtures.py with struct + json + numpy), and every malformed file rejected with a clear
// error and the net's params and states untouched.
import { readFileSync } from "node:fs";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compile, optim } from "../../compiler/index.js";
import xor, { X as XOR_X, Y as XOR_Y } from "../../examples/xor/model.js";
import { load, type Net } from "../../runtime/index.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  MAX_HEADER_BYTES,
  type NetTensors,
} from "../../runtime/safetensors.js";
import { fakeModule } from "./fake-module.js";
import { expectRuntimeError, X, Y } from "./support.js";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/safetensors/${name}`, import.meta.url)));

const fake = fakeModule();
let xorAdam: Uint8Array<ArrayBuffer>;
let xorPlain: Uint8Array<ArrayBuffer>;
let net: Net; // the fake module ("affine"): s [], b [3], optim.step i32 [], optim.s.m [], optim.b.m [3]

beforeAll(async () => {
  xorAdam = (await compile(xor, { optimizer: optim.adam(0.05) })).wasm;
  xorPlain = (await compile(xor)).wasm; // no optimizer: no states
}, 120_000);

beforeEach(async () => {
  net = await load(fake);
  net.init(4);
  net.train({ x: X, y: Y }); // non-zero states
});

/** The header's size, JSON text and data of a safetensors file. */
function split(file: Uint8Array): { n: number; text: string; data: Uint8Array } {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { n, text: new TextDecoder().decode(file.subarray(8, 8 + n)), data: file.subarray(8 + n) };
}

/** A file from a header (an object, or raw JSON text) and data; `size` overrides the header size. */
function makeFile(header: unknown, data: ArrayLike<number> = [], size?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, size ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...v: number[]) => [...new Uint8Array(new Float32Array(v).buffer)];
const i32 = (...v: number[]) => [...new Uint8Array(new Int32Array(v).buffer)];
const entry = (dtype: string, shape: number[], begin: number, end: number) => ({
  dtype,
  shape,
  data_offsets: [begin, end],
});
/** The fake module's params, valid: s [0, 4], b [4, 16]. */
const PARAMS = { s: entry("F32", [], 0, 4), b: entry("F32", [3], 4, 16) };
const PARAM_DATA = f32(7, 1, 2, 3);

/** Every param and state of a net, as bytes: what a rejected file must leave as it was. */
function snapshot(n: NetTensors): number[] {
  return [n.params, n.states].flatMap((views) =>
    Object.values(views).flatMap((v) => [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]),
  );
}

/** loadSafetensors rejects `file` with exactly `message` (after `model "affine": `), writing nothing. */
function rejects(file: unknown, message: string, options?: Parameters<typeof loadSafetensors>[2]): void {
  const before = snapshot(net);
  const memory = new Uint8Array(net.memory.buffer.slice(0, 512));
  expectRuntimeError(
    () => loadSafetensors(net, file as Uint8Array, options),
    `model "affine": ${message.replace("LOAD: ", "loadSafetensors: ")}`,
  );
  expect(snapshot(net)).toEqual(before);
  expect(new Uint8Array(net.memory.buffer.slice(0, 512))).toEqual(memory);
}

describe("encodeSafetensors", () => {
  it("writes a u64 header size, a space-padded JSON header and the tensors' raw bytes", () => {
    const file = encodeSafetensors(net, { states: true });
    const { n, text, data } = split(file);
    expect(n % 8).toBe(0);
    expect(text).toMatch(/^\{.*\} *$/);
    expect(text.length - text.trimEnd().length).toBeLessThan(8);
    expect(JSON.parse(text)).toEqual({
      __metadata__: { producer: "wasmgrad", model: "affine" },
      s: entry("F32", [], 0, 4),
      b: entry("F32", [3], 4, 16),
      "optim.step": entry("I32", [], 16, 20),
      "optim.s.m": entry("F32", [], 20, 24),
      "optim.b.m": entry("F32", [3], 24, 36),
    });
    const views = [net.params["s"], net.params["b"], ...Object.values(net.states)];
    expect([...data]).toEqual(
      views.flatMap((v) => [...new Uint8Array(v!.buffer, v!.byteOffset, v!.byteLength)]),
    );
    expect(new Int32Array(data.slice(16, 20).buffer)[0]).toBe(1);
  });

  it("holds the params only by default, and copies them out of memory", () => {
    const file = encodeSafetensors(net);
    expect(Object.keys(JSON.parse(split(file).text) as object)).toEqual(["__metadata__", "s", "b"]);
    expect(file.buffer).not.toBe(net.memory.buffer);
    expect(file.length).toBe(8 + split(file).n + 16);
  });

  it("refuses a tensor named __metadata__ (the format's own key)", () => {
    const odd: NetTensors = {
      manifest: {
        ...net.manifest,
        tensors: [{ name: "__metadata__", role: "param", shape: [1], dtype: "f32", offset: 0 }],
      },
      params: { __metadata__: new Float32Array(1) },
      states: {},
    };
    expectRuntimeError(
      () => encodeSafetensors(odd),
      `model "affine": tensor "__metadata__": encodeSafetensors: "__metadata__" is the format's own key`,
    );
  });
});

describe("round trips", () => {
  it("XOR with Adam: params and states come back bit for bit, and training continues identically", async () => {
    const a = await load(xorAdam);
    a.init(3);
    for (let i = 0; i < 5; i++) a.train({ x: XOR_X, y: XOR_Y });
    const file = encodeSafetensors(a, { states: true });
    const decoded = decodeSafetensors(file);
    expect(decoded.metadata).toEqual({ producer: "wasmgrad", model: "xor" });
    expect([...decoded.tensors.keys()]).toEqual([...Object.keys(a.params), ...Object.keys(a.states)]);
    for (const [name, t] of decoded.tensors) {
      expect(t.dtype).toBe("F32");
      expect(t.data).toEqual(a.params[name] ?? a.states[name]);
    }
    const b = await load(xorAdam);
    b.init(99);
    loadSafetensors(b, file);
    expect(snapshot(b)).toEqual(snapshot(a));
    for (let i = 0; i < 10; i++) {
      expect(b.train({ x: XOR_X, y: XOR_Y }).loss).toBe(a.train({ x: XOR_X, y: XOR_Y }).loss);
    }
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it("the fake module: i32 states too; an ArrayBuffer and an unaligned view load the same", async () => {
    const file = encodeSafetensors(net, { states: true });
    const unaligned = new Uint8Array(file.length + 3);
    unaligned.set(file, 3);
    for (const input of [file, file.slice().buffer, unaligned.subarray(3)]) {
      const other = await load(fake);
      other.init(0);
      loadSafetensors(other, input);
      expect(snapshot(other)).toEqual(snapshot(net));
      expect(other.states["optim.step"]).toEqual(new Int32Array([1]));
      expect(other.train({ x: X, y: Y }).loss).toBe(net.train({ x: X, y: Y }).loss);
      net = await load(fake);
      loadSafetensors(net, file);
    }
  });

  it("a params-only file leaves the states alone; { states: false } skips the file's states", async () => {
    const other = await load(fake);
    other.init(0);
    loadSafetensors(other, encodeSafetensors(net));
    expect([...other.params["b"]!]).toEqual([...net.params["b"]!]);
    expect([...other.states["optim.step"]!]).toEqual([0]);
    loadSafetensors(other, encodeSafetensors(net, { states: true }), { states: false });
    expect([...other.states["optim.step"]!]).toEqual([0]);
    expect([...other.states["optim.b.m"]!]).toEqual([0, 0, 0]);
  });

  it("a checkpoint with Adam's states loads into a module without an optimizer with { states: false }", async () => {
    const a = await load(xorAdam);
    a.init(3);
    a.train({ x: XOR_X, y: XOR_Y });
    const file = encodeSafetensors(a, { states: true });
    const plain = await load(xorPlain);
    plain.init(0);
    expectRuntimeError(
      () => loadSafetensors(plain, file),
      `model "xor": loadSafetensors: the file holds tensor "optim.step", which the model does not have ` +
        `(it has W1, b1, W2, b2); load with { states: false } to skip the optimizer's states`,
    );
    loadSafetensors(plain, file, { states: false });
    expect(snapshot(plain)).toEqual(snapshot({ ...a, states: {} }));
    expect(plain.run({ x: XOR_X })).toEqual(a.run({ x: XOR_X }));
  });
});

/** The closed form of make-fixtures.py: the t-th param at row i, column j, rounded to f32. */
const closedForm = (t: number, rows: number, cols: number) =>
  Array.from({ length: rows * cols }, (_, k) =>
    Math.fround(0.1 * Math.floor(k / cols) - 0.05 * (k % cols) + 0.01 * t),
  );
/** An optimizer slot of make-fixtures.py: scale * (k + 1) + offset * t, rounded to f32. */
const slot = (t: number, n: number, scale: number, offset: number) =>
  Array.from({ length: n }, (_, k) => Math.fround(scale * (k + 1) + offset * t));
const XOR_PARAMS = [
  ["W1", 2, 2],
  ["b1", 2, 1],
  ["W2", 2, 1],
  ["b2", 1, 1],
] as const;

describe("fixtures written by another implementation (Python: struct + json + numpy)", () => {
  it("xor.safetensors: a compact header, no metadata; the XOR params", async () => {
    const file = fixture("xor.safetensors");
    expect(split(file).n % 8).not.toBe(0); // not padded: the data starts unaligned
    expect(decodeSafetensors(file).metadata).toEqual({});
    const n = await load(xorPlain);
    n.init(5);
    loadSafetensors(n, file);
    XOR_PARAMS.forEach(([name, rows, cols], t) => {
      expect([...n.params[name]!]).toEqual(closedForm(t, rows, cols));
    });
    expect(n.params["W1"]![1]).toBe(Math.fround(-0.05));
  });

  it("xor-adam-padded.safetensors: padded, keys out of order, Adam's states; training resumes from them", async () => {
    const file = fixture("xor-adam-padded.safetensors");
    const { n, text } = split(file);
    expect(n % 8).toBe(0);
    expect(text.endsWith(" ")).toBe(true);
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).not.toEqual([...keys].sort());
    const { metadata, tensors } = decodeSafetensors(file);
    expect(metadata).toEqual({ format: "np", written_by: "make-fixtures.py" });
    expect(tensors.size).toBe(13);

    const loaded = await load(xorAdam);
    loaded.init(1);
    loadSafetensors(loaded, file);
    // the same values written through the views
    const byHand = await load(xorAdam);
    byHand.init(2);
    XOR_PARAMS.forEach(([name, rows, cols], t) => {
      byHand.params[name]!.set(closedForm(t, rows, cols));
      byHand.states[`optim.${name}.m`]!.set(slot(t, rows * cols, 0.001, 0.01));
      byHand.states[`optim.${name}.v`]!.set(slot(t, rows * cols, 0.0002, 0.001));
    });
    byHand.states["optim.step"]!.set([7]);
    expect(snapshot(loaded)).toEqual(snapshot(byHand));
    expect(loaded.states["optim.W1.v"]![3]).toBe(Math.fround(0.0008));
    for (let i = 0; i < 3; i++) {
      expect(loaded.train({ x: XOR_X, y: XOR_Y }).loss).toBe(byHand.train({ x: XOR_X, y: XOR_Y }).loss);
    }
    expect(snapshot(loaded)).toEqual(snapshot(byHand));
  });

  it("affine-i32.safetensors: an I32 step counter and 0-d tensors", () => {
    loadSafetensors(net, fixture("affine-i32.safetensors"));
    expect([...net.params["s"]!]).toEqual(closedForm(0, 1, 1));
    expect([...net.params["b"]!]).toEqual(closedForm(1, 3, 1));
    expect(net.states["optim.step"]).toEqual(new Int32Array([5]));
    expect([...net.states["optim.s.m"]!]).toEqual(slot(0, 1, 0.001, 0.01));
    expect([...net.states["optim.b.m"]!]).toEqual(slot(1, 3, 0.001, 0.01));
  });

  it("xor-half.safetensors: F16 and BF16 widen exactly to f32 (subnormals, -0, the extremes)", async () => {
    const file = fixture("xor-half.safetensors");
    const { tensors } = decodeSafetensors(file);
    expect([...tensors.values()].map((t) => t.dtype)).toEqual(["F16", "BF16", "F16", "BF16"]);
    const n = await load(xorPlain);
    loadSafetensors(n, file);
    expect([...n.params["W1"]!]).toEqual([0.5, -1.25, 2 ** -20, -0]);
    expect(Object.is(n.params["W1"]![3], -0)).toBe(true);
    expect([...n.params["b1"]!]).toEqual([2 ** 100, -0.15625]);
    expect([...n.params["W2"]!]).toEqual([65504, -3.140625]);
    expect([...n.params["b2"]!]).toEqual([2 ** -130]);
  });
});

describe("F16 and BF16 by hand", () => {
  const half = (dtype: string, bits: number[]) =>
    decodeSafetensors(
      makeFile(
        { t: entry(dtype, [bits.length], 0, 2 * bits.length) },
        bits.flatMap((b) => [b & 0xff, b >> 8]),
      ),
    ).tensors.get("t")!.data;

  it("F16: normals, subnormals, ±0, ±Infinity, NaN", () => {
    const v = half("F16", [0x3c00, 0xc000, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8000, 0x7c00, 0xfc00, 0x7e00]);
    expect([...v]).toEqual([1, -2, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, -0, Infinity, -Infinity, NaN]);
    expect(Object.is(v[6], -0)).toBe(true);
  });

  it("BF16: the high half of an f32, NaN payloads kept", () => {
    const v = half("BF16", [0x3f80, 0xc0a0, 0x0001, 0x7f80, 0x7fc1]);
    expect([...v.subarray(0, 4)]).toEqual([1, -5, 2 ** -133, Infinity]);
    expect(new Uint32Array(v.buffer)[4]).toBe(0x7fc10000);
  });

  it("an i32 tensor does not take F16 or BF16", () => {
    rejects(
      makeFile({ ...PARAMS, "optim.step": entry("F16", [], 16, 18) }, [...PARAM_DATA, 1, 0]),
      `state "optim.step": LOAD: the file holds shape [] F16, the model has shape [] i32`,
    );
  });
});

describe("malformed files: a clear error, and nothing written", () => {
  it("the valid file these cases break loads", async () => {
    loadSafetensors(net, makeFile(PARAMS, PARAM_DATA));
    expect([...net.params["s"]!, ...net.params["b"]!]).toEqual([7, 1, 2, 3]);
  });

  it("not bytes, a truncated length prefix, a header size beyond the file or the limit", () => {
    rejects("abc", "LOAD: expected a Uint8Array or an ArrayBuffer");
    rejects(new Uint8Array(5), "LOAD: truncated file: 5 bytes, less than the 8-byte header size");
    rejects(new Uint8Array(0), "LOAD: truncated file: 0 bytes, less than the 8-byte header size");
    rejects(
      makeFile(PARAMS, PARAM_DATA, 1000n),
      `LOAD: header size 1000 is beyond the file (${8 + 16 + JSON.stringify(PARAMS).length} bytes)`,
    );
    rejects(
      makeFile(PARAMS, PARAM_DATA, 2n ** 40n),
      `LOAD: header size ${2 ** 40} exceeds the limit of ${MAX_HEADER_BYTES} bytes`,
    );
    // a native weights file: "WGWT" and its version read as a u64
    const native = new Uint8Array([0x57, 0x47, 0x57, 0x54, 1, 0, 0, 0, 0x20, 0, 0, 0]);
    rejects(native, `LOAD: header size ${2 ** 32 + 0x54574757} exceeds the limit of 100000000 bytes`);
  });

  it("a header that is not UTF-8 JSON, or not an object", () => {
    const bad = (text: string) => {
      const thrown = expectRuntimeError(
        () => loadSafetensors(net, makeFile(text)),
        /the header is not UTF-8 JSON \(/,
      );
      expect(thrown.message).toMatch(
        /^model "affine": loadSafetensors: the header is not UTF-8 JSON \(.+\)$/,
      );
    };
    bad("{not json}");
    bad('{"s": ');
    bad("");
    const before = snapshot(net);
    const latin1 = makeFile("{}");
    const file = new Uint8Array([...latin1.subarray(0, 8), 0xff, 0x7d]); // 0xff is not UTF-8
    new DataView(file.buffer).setBigUint64(0, 2n, true);
    expectRuntimeError(() => loadSafetensors(net, file), /the header is not UTF-8 JSON \(.*\)/);
    expect(snapshot(net)).toEqual(before);
    rejects(makeFile("[1, 2]"), "LOAD: the header is not a JSON object");
    rejects(makeFile("null"), "LOAD: the header is not a JSON object");
    rejects(makeFile('"s"'), "LOAD: the header is not a JSON object");
  });

  it("accepts trailing spaces after the JSON (the padding)", () => {
    loadSafetensors(net, makeFile(JSON.stringify(PARAMS) + "     ", PARAM_DATA));
    expect([...net.params["b"]!]).toEqual([1, 2, 3]);
  });

  it("duplicate names (JSON.parse would keep the last) and repeated keys", () => {
    const header = JSON.stringify(PARAMS);
    rejects(
      makeFile(`${header.slice(0, -1)},"s":${JSON.stringify(PARAMS.s)}}`, PARAM_DATA),
      `LOAD: the header lists tensor "s" twice`,
    );
    rejects(
      makeFile(header.replace('"dtype":"F32"', '"dtype":"I32","dtype":"F32"'), PARAM_DATA),
      `LOAD: the header lists key "dtype" twice`,
    );
    // names holding quotes, braces, colons and escapes are no duplicates of one another
    const names = ['a"b', "a\\b", "{x}:", "a\u00e9", 'a"b ', "s"];
    const tricky = Object.fromEntries(names.map((n, i) => [n, entry("F32", [], 4 * i, 4 * i + 4)]));
    const decoded = decodeSafetensors(makeFile(tricky, f32(0, 1, 2, 3, 4, 5)));
    expect([...decoded.tensors.keys()]).toEqual(names);
    expect(decoded.tensors.get("{x}:")!.data).toEqual(new Float32Array([2]));
  });

  it("offsets that overlap, leave a gap, exceed the data, or leave bytes after the last tensor", () => {
    rejects(
      makeFile({ s: entry("F32", [], 0, 4), b: entry("F32", [3], 2, 14) }, f32(0, 0, 0, 0).slice(0, 14)),
      `tensor "b": LOAD: data_offsets [2, 14] overlap those of tensor "s", which end at 4`,
    );
    rejects(
      makeFile({ s: entry("F32", [], 0, 4), b: entry("F32", [3], 0, 12) }, f32(0, 0, 0)),
      `tensor "b": LOAD: data_offsets [0, 12] overlap those of tensor "s", which end at 4`,
    );
    rejects(
      makeFile({ s: entry("F32", [], 0, 4), b: entry("F32", [3], 8, 20) }, f32(0, 0, 0, 0, 0)),
      `tensor "b": LOAD: data_offsets [8, 20] leave a gap: bytes [4, 8) of the data belong to no tensor`,
    );
    rejects(
      makeFile({ s: entry("F32", [], 4, 8), b: entry("F32", [3], 8, 20) }, f32(0, 0, 0, 0, 0)),
      `tensor "s": LOAD: data_offsets [4, 8] leave a gap: bytes [0, 4) of the data belong to no tensor`,
    );
    rejects(
      makeFile({ s: entry("F32", [], 0, 4), b: entry("F32", [3], 4, 16) }, f32(0, 0, 0)),
      `tensor "b": LOAD: data_offsets [4, 16] end beyond the data (12 bytes)`,
    );
    rejects(
      makeFile(PARAMS, [...PARAM_DATA, 0, 0, 0, 0]),
      `LOAD: the data has 4 bytes after the last tensor`,
    );
  });

  it("a size that does not match shape × dtype size; a malformed entry", () => {
    rejects(
      makeFile({ s: entry("F32", [], 0, 4), b: entry("F32", [3], 4, 12) }, f32(0, 0, 0)),
      `tensor "b": LOAD: shape [3] F32 takes 12 bytes, but data_offsets [4, 12] span 8`,
    );
    rejects(
      makeFile({ ...PARAMS, "optim.step": entry("I32", [2], 16, 20) }, [...PARAM_DATA, ...i32(1)]),
      `tensor "optim.step": LOAD: shape [2] I32 takes 8 bytes, but data_offsets [16, 20] span 4`,
    );
    const malformed = (e: unknown) =>
      rejects(
        makeFile({ ...PARAMS, b: e }, PARAM_DATA),
        `tensor "b": LOAD: expected { dtype, shape, data_offsets: [begin, end] }, got ${JSON.stringify(e)}`,
      );
    malformed({ dtype: "F32", shape: [3] });
    malformed({ dtype: "F32", shape: [-3], data_offsets: [4, 16] });
    malformed({ dtype: "F32", shape: [1.5], data_offsets: [4, 16] });
    malformed({ dtype: "F32", shape: [3], data_offsets: [16, 4] });
    malformed({ dtype: "F32", shape: [3], data_offsets: [4, 16, 20] });
    malformed({ dtype: 4, shape: [3], data_offsets: [4, 16] });
    malformed([1, 2]);
    malformed("F32");
    rejects(
      makeFile({ ...PARAMS, __metadata__: { n: 1 } }, PARAM_DATA),
      `LOAD: __metadata__ must map names to strings`,
    );
    rejects(
      makeFile({ ...PARAMS, __metadata__: ["x"] }, PARAM_DATA),
      `LOAD: __metadata__ must map names to strings`,
    );
  });

  it("an unknown or unsupported dtype, named with the supported ones", () => {
    for (const dtype of ["F64", "I64", "U8", "BOOL", "f32", "constructor"]) {
      const size = dtype === "F64" || dtype === "I64" ? 8 : 1;
      rejects(
        makeFile({ ...PARAMS, extra: entry(dtype, [1], 16, 16 + size) }, [
          ...PARAM_DATA,
          ...new Array<number>(size).fill(0),
        ]),
        `tensor "extra": LOAD: dtype "${dtype}" is not supported (supported: F32, I32, F16, BF16)`,
      );
    }
  });

  it("a missing param, a wrong shape or dtype, an unknown tensor", () => {
    rejects(makeFile({ s: PARAMS.s }, f32(7)), "LOAD: the file lacks param b");
    rejects(makeFile({}), "LOAD: the file lacks params s, b");
    rejects(
      makeFile({ s: PARAMS.s, b: entry("F32", [4], 4, 20) }, f32(7, 1, 2, 3, 4)),
      `param "b": LOAD: the file holds shape [4] F32, the model has shape [3] f32`,
    );
    rejects(
      makeFile({ s: entry("F32", [1], 0, 4), b: PARAMS.b }, PARAM_DATA),
      `param "s": LOAD: the file holds shape [1] F32, the model has shape [] f32`,
    );
    rejects(
      makeFile({ s: entry("I32", [], 0, 4), b: PARAMS.b }, PARAM_DATA),
      `param "s": LOAD: the file holds shape [] I32, the model has shape [] f32`,
    );
    const unknown = (name: string) =>
      makeFile({ ...PARAMS, [name]: entry("F32", [], 16, 20) }, [...PARAM_DATA, ...f32(0)]);
    const has = "(it has s, b, optim.step, optim.s.m, optim.b.m)";
    rejects(unknown("c"), `LOAD: the file holds tensor "c", which the model does not have ${has}`);
    rejects(unknown("c"), `LOAD: the file holds tensor "c", which the model does not have ${has}`, {
      states: false,
    });
    rejects(
      unknown("optim.c.v"),
      `LOAD: the file holds tensor "optim.c.v", which the model does not have ${has}; ` +
        `load with { states: false } to skip the optimizer's states`,
    );
    loadSafetensors(net, unknown("optim.c.v"), { states: false });
    expect([...net.params["s"]!]).toEqual([7]);
  });

  it("some states but not all", () => {
    rejects(
      makeFile({ ...PARAMS, "optim.step": entry("I32", [], 16, 20) }, [...PARAM_DATA, ...i32(3)]),
      "LOAD: the file holds some states but lacks optim.s.m, optim.b.m (a file holds all states or none)",
    );
  });

  it("NaN and ±Infinity, unless allowNonFinite", () => {
    rejects(
      makeFile(PARAMS, f32(7, 1, NaN, 3)),
      `param "b": LOAD: holds NaN at element 1; non-finite weights are rejected (load with { allowNonFinite: true } to accept them)`,
    );
    const states = {
      ...PARAMS,
      "optim.step": entry("I32", [], 16, 20),
      "optim.s.m": entry("F32", [], 20, 24),
      "optim.b.m": entry("F32", [3], 24, 36),
    };
    const file = makeFile(states, [...PARAM_DATA, ...i32(-1), ...f32(-Infinity, 0, 0, 0)]);
    rejects(
      file,
      `state "optim.s.m": LOAD: holds -Infinity at element 0; non-finite weights are rejected (load with { allowNonFinite: true } to accept them)`,
    );
    loadSafetensors(net, file, { allowNonFinite: true });
    expect([...net.states["optim.s.m"]!]).toEqual([-Infinity]);
    expect([...net.states["optim.step"]!]).toEqual([-1]); // any i32
    loadSafetensors(net, makeFile(PARAMS, f32(7, 1, NaN, 3)), { allowNonFinite: true });
    expect(Number.isNaN(net.params["b"]![1])).toBe(true);
  });

  it("decodeSafetensors gives the same errors without a model", () => {
    expectRuntimeError(
      () => decodeSafetensors(new Uint8Array(3)),
      "decodeSafetensors: truncated file: 3 bytes, less than the 8-byte header size",
    );
    expectRuntimeError(
      () => decodeSafetensors(makeFile({ w: entry("F64", [1], 0, 8) }, new Array<number>(8).fill(0))),
      `tensor "w": decodeSafetensors: dtype "F64" is not supported (supported: F32, I32, F16, BF16)`,
    );
  });
});
