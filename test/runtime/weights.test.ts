// saveWeights / loadWeights: the file layout, round trips, and every way a file is rejected with
// the loaded weights left untouched.
import { beforeEach, describe, expect, it } from "vitest";
import { load, WEIGHTS_FORMAT_VERSION, WEIGHTS_MAGIC } from "../../runtime/index.js";
import type { Net, WeightsHeader } from "../../runtime/index.js";
import { fakeModule } from "./fake-module.js";
import { expectRuntimeError, memorySnapshot, X, Y } from "./support.js";

const bytes = fakeModule();
let net: Net;

beforeEach(async () => {
  net = await load(bytes);
  net.init(4);
});

/** Splits a weights file into its parts. */
function parse(file: Uint8Array): {
  version: number;
  headerBytes: number;
  header: WeightsHeader;
  data: Uint8Array;
} {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerBytes = dv.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(file.subarray(12, 12 + headerBytes))) as WeightsHeader;
  return { version: dv.getUint32(4, true), headerBytes, header, data: file.subarray(12 + headerBytes) };
}

/** Builds a weights file by hand (the format is simple enough to write in a test). */
function makeFile(header: unknown, data: ArrayLike<number>, version = 1, magic = "WGWT"): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + json.length + data.length);
  out.set([...magic].map((c) => c.charCodeAt(0)));
  const dv = new DataView(out.buffer);
  dv.setUint32(4, version, true);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(data, 12 + json.length);
  return out;
}

const f32bytes = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);

const paramsOnly = (s: number[], b: number[]) =>
  makeFile(
    {
      model: "affine",
      tensors: [
        { name: "s", role: "param", shape: [], dtype: "f32", byteLength: 4 },
        { name: "b", role: "param", shape: [3], dtype: "f32", byteLength: 12 },
      ],
    },
    [...f32bytes(s), ...f32bytes(b)],
  );

describe("the weights file", () => {
  it("holds magic, version, a padded JSON header and the params' raw bytes", () => {
    const file = net.saveWeights();
    expect(String.fromCharCode(...file.subarray(0, 4))).toBe(WEIGHTS_MAGIC);
    const { version, headerBytes, header, data } = parse(file);
    expect(version).toBe(WEIGHTS_FORMAT_VERSION);
    expect((12 + headerBytes) % 16).toBe(0);
    expect(header).toEqual({
      model: "affine",
      tensors: [
        { name: "s", role: "param", shape: [], dtype: "f32", byteLength: 4 },
        { name: "b", role: "param", shape: [3], dtype: "f32", byteLength: 12 },
      ],
    });
    expect(data.length).toBe(16);
    expect([...new Float32Array(data.slice().buffer)]).toEqual([2, 4, 4.25, 4.5]);
  });

  it("holds the states too when asked, i32 ones included", () => {
    net.train({ x: X, y: Y });
    const { header, data } = parse(net.saveWeights({ states: true }));
    expect(header.tensors.map((t) => `${t.role} ${t.name} ${t.dtype}`)).toEqual([
      "param s f32",
      "param b f32",
      "state optim.step i32",
      "state optim.s.m f32",
      "state optim.b.m f32",
    ]);
    expect(new Int32Array(data.slice(16, 20).buffer)[0]).toBe(1);
    expect([...new Float32Array(data.slice(20).buffer)]).toEqual([
      ...net.states["optim.s.m"]!,
      ...net.states["optim.b.m"]!,
    ]);
  });

  it("saveWeights returns a copy, not a view of memory", () => {
    const file = net.saveWeights();
    expect(file.buffer).not.toBe(net.memory.buffer);
    net.params["b"]![0] = 100;
    expect(new Float32Array(parse(file).data.slice().buffer)[1]).toBe(4);
  });
});

describe("round trips", () => {
  it("restores params into another instance, which then computes the same outputs", async () => {
    for (let i = 0; i < 5; i++) net.train({ x: X, y: Y });
    const other = await load(bytes);
    other.init(0);
    other.loadWeights(net.saveWeights());
    expect([...other.params["s"]!, ...other.params["b"]!]).toEqual([
      ...net.params["s"]!,
      ...net.params["b"]!,
    ]);
    expect(other.run({ x: X, k: 0 })["out"]).toEqual(net.run({ x: X, k: 0 })["out"]);
    // a params-only file leaves the states alone
    expect([...other.states["optim.step"]!]).toEqual([0]);
  });

  it("restores states so training resumes exactly where it stopped", async () => {
    for (let i = 0; i < 3; i++) net.train({ x: X, y: Y });
    const checkpoint = net.saveWeights({ states: true });
    const resumed = await load(bytes);
    resumed.loadWeights(checkpoint.buffer.slice(0) as ArrayBuffer); // an ArrayBuffer works too
    expect([...resumed.states["optim.step"]!]).toEqual([3]);
    for (let i = 0; i < 3; i++)
      expect(resumed.train({ x: X, y: Y }).loss).toBe(net.train({ x: X, y: Y }).loss);
    expect(resumed.saveWeights({ states: true })).toEqual(net.saveWeights({ states: true }));
  });

  it("{ states: false } skips the file's states", async () => {
    net.train({ x: X, y: Y });
    const other = await load(bytes);
    other.loadWeights(net.saveWeights({ states: true }), { states: false });
    expect([...other.params["b"]!]).toEqual([...net.params["b"]!]);
    expect([...other.states["optim.step"]!]).toEqual([0]);
  });

  it("loads a training checkpoint into a module without an optimizer when states are skipped", async () => {
    const inference = await load(fakeModule({ optimizer: false }));
    inference.loadWeights(net.saveWeights()); // params only: fine
    expect([...inference.params["b"]!]).toEqual([4, 4.25, 4.5]);
    const checkpoint = net.saveWeights({ states: true });
    const before = memorySnapshot(inference);
    expectRuntimeError(
      () => inference.loadWeights(checkpoint),
      'model "affine": loadWeights: the file holds state "optim.step", which this model does not have (its states: none)',
    );
    expect(memorySnapshot(inference)).toEqual(before);
    inference.params["b"]!.fill(0);
    inference.loadWeights(checkpoint, { states: false });
    expect([...inference.params["b"]!]).toEqual([4, 4.25, 4.5]);
  });

  it("reads a file that sits inside a larger buffer", () => {
    const file = paramsOnly([3], [1, 2, 3]);
    const big = new Uint8Array(file.length + 7);
    big.set(file, 5);
    net.loadWeights(big.subarray(5, 5 + file.length));
    expect([...net.params["s"]!, ...net.params["b"]!]).toEqual([3, 1, 2, 3]);
  });
});

describe("rejected files leave the weights untouched", () => {
  const good = () => net.saveWeights({ states: true });
  const otherModel = async (edit: (m: Record<string, unknown>) => unknown) => {
    const other = await load(fakeModule({ manifest: edit }));
    other.init(9);
    return other.saveWeights({ states: true });
  };
  const tensorsOf = (m: Record<string, unknown>) => m["tensors"] as Array<Record<string, unknown>>;

  const cases: Array<[string, () => Promise<unknown> | unknown, string | RegExp]> = [
    [
      "an empty file",
      () => new Uint8Array(0),
      'model "affine": loadWeights: truncated file: 0 bytes, a weights file has at least 12',
    ],
    [
      "a foreign file (the .wasm itself)",
      () => bytes,
      'model "affine": loadWeights: not a wasmgrad weights file (expected the magic bytes "WGWT", got "\\u0000asm")',
    ],
    [
      "a file cut inside its prefix",
      () => good().subarray(0, 9),
      'model "affine": loadWeights: truncated file: 9 bytes, a weights file has at least 12',
    ],
    [
      "another format version",
      () => makeFile({ model: "affine", tensors: [] }, [], 2),
      'model "affine": loadWeights: unsupported weights format version 2 (this runtime reads version 1)',
    ],
    [
      "a file cut inside its header",
      () => good().subarray(0, 40),
      /^model "affine": loadWeights: truncated file: the header needs \d+ bytes, the file has 40$/,
    ],
    [
      "a file cut inside its data",
      () => good().subarray(0, good().length - 4),
      /^model "affine": loadWeights: truncated file: state "optim.b.m" needs bytes up to \d+, the file has \d+$/,
    ],
    [
      "trailing bytes",
      () => new Uint8Array([...good(), 0, 0, 0, 0]),
      'model "affine": loadWeights: 4 unexpected bytes after the last tensor (corrupt file)',
    ],
    [
      "a header that is not JSON",
      () => {
        const file = good();
        file[12] = 0x3c; // "<"
        return file;
      },
      /^model "affine": loadWeights: corrupt header \(not UTF-8 JSON\): /,
    ],
    [
      "a header without tensors",
      () => makeFile({ model: "affine" }, []),
      'model "affine": loadWeights: corrupt header: expected { model, tensors }',
    ],
    [
      "a malformed tensor entry",
      () =>
        makeFile(
          { model: "affine", tensors: [{ name: "s", role: "param", shape: [], dtype: "f32" }] },
          [0, 0, 0, 0],
        ),
      'model "affine": loadWeights: corrupt header: bad tensor entry {"name":"s","role":"param","shape":[],"dtype":"f32"}',
    ],
    [
      "weights of another model",
      () => otherModel((m) => ({ ...m, model: "mlp" })),
      'model "affine": loadWeights: the file holds weights for model "mlp", not "affine"',
    ],
    [
      "a param of another shape (after a param that matches)",
      () =>
        otherModel((m) => {
          const tensors = tensorsOf(m).map((t) =>
            t["name"] === "b" && t["role"] !== "state" ? { ...t, shape: [2] } : t,
          );
          return { ...m, tensors };
        }),
      'model "affine": param "b": loadWeights: the file holds shape [2] f32, the model has shape [3] f32',
    ],
    [
      "a param of another dtype",
      () =>
        makeFile(
          {
            model: "affine",
            tensors: [
              { name: "s", role: "param", shape: [], dtype: "i32", byteLength: 4 },
              { name: "b", role: "param", shape: [3], dtype: "f32", byteLength: 12 },
            ],
          },
          new Uint8Array(16),
        ),
      'model "affine": param "s": loadWeights: the file holds shape [] i32, the model has shape [] f32',
    ],
    [
      "a byte length that does not fit the shape",
      () =>
        makeFile(
          {
            model: "affine",
            tensors: [
              { name: "s", role: "param", shape: [], dtype: "f32", byteLength: 8 },
              { name: "b", role: "param", shape: [3], dtype: "f32", byteLength: 12 },
            ],
          },
          new Uint8Array(20),
        ),
      'model "affine": param "s": loadWeights: the file gives 8 bytes, the model holds 4',
    ],
    [
      "a param the model lacks",
      () =>
        otherModel((m) => {
          tensorsOf(m).push({ name: "c", role: "param", shape: [2], dtype: "f32", offset: 400 });
          return m;
        }),
      'model "affine": loadWeights: the file holds param "c", which this model does not have (its params: s, b)',
    ],
    [
      "a file that lacks a param",
      () =>
        makeFile(
          {
            model: "affine",
            tensors: [{ name: "b", role: "param", shape: [3], dtype: "f32", byteLength: 12 }],
          },
          f32bytes([1, 2, 3]),
        ),
      'model "affine": loadWeights: the file lacks param s',
    ],
    [
      "a param listed twice",
      () =>
        makeFile(
          {
            model: "affine",
            tensors: [
              { name: "s", role: "param", shape: [], dtype: "f32", byteLength: 4 },
              { name: "s", role: "param", shape: [], dtype: "f32", byteLength: 4 },
            ],
          },
          new Uint8Array(8),
        ),
      'model "affine": loadWeights: the file lists param "s" twice',
    ],
    [
      "some states but not all",
      () =>
        makeFile(
          {
            model: "affine",
            tensors: [
              { name: "s", role: "param", shape: [], dtype: "f32", byteLength: 4 },
              { name: "b", role: "param", shape: [3], dtype: "f32", byteLength: 12 },
              { name: "optim.step", role: "state", shape: [], dtype: "i32", byteLength: 4 },
            ],
          },
          new Uint8Array(20),
        ),
      'model "affine": loadWeights: the file holds some states but lacks optim.s.m, optim.b.m (a file holds all states or none)',
    ],
    [
      "something that is not bytes",
      () => "weights.bin",
      'model "affine": loadWeights: expected a Uint8Array or an ArrayBuffer, got string',
    ],
  ];
  for (const [what, makeBad, message] of cases) {
    it(`rejects ${what}`, async () => {
      net.train({ x: X, y: Y }); // non-trivial states too
      const bad = await makeBad();
      const before = memorySnapshot(net);
      expectRuntimeError(() => net.loadWeights(bad as Uint8Array), message);
      expect(memorySnapshot(net)).toEqual(before);
    });
  }

  it("the hand-built params file used above is itself valid", () => {
    net.loadWeights(paramsOnly([7], [1, 2, 3]));
    expect([...net.params["s"]!, ...net.params["b"]!]).toEqual([7, 1, 2, 3]);
  });
});

describe("non-finite weights", () => {
  it("are rejected, naming the tensor and the element, and leave memory untouched", () => {
    for (const [value, shown] of [
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      [-Infinity, "-Infinity"],
    ] as const) {
      const before = memorySnapshot(net);
      const error = expectRuntimeError(
        () => net.loadWeights(paramsOnly([1], [0, value, 2])),
        `model "affine": param "b": loadWeights: param "b" holds ${shown} at element 1; non-finite weights are rejected (load with { allowNonFinite: true } to accept them)`,
      );
      expect(error.tensor).toBe("b");
      expect(memorySnapshot(net)).toEqual(before);
    }
  });

  it("load with allowNonFinite when they are meant", async () => {
    const lenient = await load(bytes, { allowNonFinite: true });
    lenient.loadWeights(paramsOnly([1], [0, NaN, 2]));
    expect([...lenient.params["b"]!]).toEqual([0, NaN, 2]);
  });
});
