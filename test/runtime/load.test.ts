// load(): every accepted source, and every way a module can be rejected.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { serveFiles } from "../e2e/support.js";
import { load, MANIFEST_SECTION, readManifest } from "../../runtime/index.js";
import { fakeManifest, fakeModule } from "./fake-module.js";
import { expectRejection, X } from "./support.js";

const bytes = fakeModule();
const scratchDir = mkdtempSync(join(tmpdir(), "wasmgrad-load-"));
writeFileSync(join(scratchDir, "affine.wasm"), bytes);
afterAll(() => rmSync(scratchDir, { recursive: true, force: true }));

async function outFrom(source: Parameters<typeof load>[0]): Promise<number[]> {
  const net = await load(source);
  net.init(0);
  return [...(net.run({ x: X, k: 1 })["out"] ?? [])];
}
// s = 2, b = [0, 0.25, 0.5] after init(0)
const expectedOut = [2, 4.25, 6.5, 8, 10.25, 12.5];

afterEach(() => {
  vi.restoreAllMocks();
});

describe("load sources", () => {
  it("loads a Uint8Array and exposes the manifest", async () => {
    const net = await load(bytes);
    expect(net.manifest).toEqual(fakeManifest());
    expect(net.manifest.model).toBe("affine");
    expect(net.hasLoss).toBe(true);
    expect(net.canTrain).toBe(true);
    expect(await outFrom(bytes)).toEqual(expectedOut);
  });

  it("loads a Uint8Array that is a window into a larger buffer", async () => {
    const big = new Uint8Array(bytes.length + 32);
    big.set(bytes, 16);
    expect(await outFrom(big.subarray(16, 16 + bytes.length))).toEqual(expectedOut);
  });

  it("loads an ArrayBuffer", async () => {
    const buffer = bytes.slice().buffer;
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect(await outFrom(buffer)).toEqual(expectedOut);
  });

  it("loads a compiled WebAssembly.Module", async () => {
    expect(await outFrom(await WebAssembly.compile(bytes))).toEqual(expectedOut);
  });

  it("compiles an application/wasm Response while streaming", async () => {
    const streaming = vi.spyOn(WebAssembly, "compileStreaming");
    const response = new Response(bytes, { headers: { "content-type": "application/wasm" } });
    expect(await outFrom(response)).toEqual(expectedOut);
    expect(streaming).toHaveBeenCalledTimes(1);
  });

  it("loads a Promise<Response> (what fetch returns)", async () => {
    const response = Promise.resolve(
      new Response(bytes, { headers: { "content-type": "application/wasm" } }),
    );
    expect(await outFrom(response)).toEqual(expectedOut);
  });

  it("fetches a URL, as a string or a URL object (what bundlers' asset imports give)", async () => {
    const server = await serveFiles({ "/m/": scratchDir });
    try {
      for (const url of [`${server.url}/m/affine.wasm`, new URL(`${server.url}/m/affine.wasm`)]) {
        expect(await outFrom(url)).toEqual(expectedOut);
        expect(await outFrom(Promise.resolve(url))).toEqual(expectedOut);
      }
      await expectRejection(load(`${server.url}/m/missing.wasm`), "load: the response has HTTP status 404");
    } finally {
      await server.close();
    }
  });

  it("falls back to arrayBuffer() for a Response of another content type", async () => {
    const streaming = vi.spyOn(WebAssembly, "compileStreaming");
    const response = new Response(bytes, { headers: { "content-type": "application/octet-stream" } });
    expect(await outFrom(response)).toEqual(expectedOut);
    expect(streaming).not.toHaveBeenCalled();
  });

  it("two loads of the same bytes are independent instances", async () => {
    const a = await load(bytes);
    const b = await load(bytes);
    a.init(1);
    b.init(7);
    expect([...(a.params["b"] ?? [])]).toEqual([1, 1.25, 1.5]);
    expect([...(b.params["b"] ?? [])]).toEqual([7, 7.25, 7.5]);
  });

  it("readManifest reads a compiled module's manifest without instantiating it", async () => {
    expect(readManifest(await WebAssembly.compile(bytes))).toEqual(fakeManifest());
  });
});

describe("load errors", () => {
  it("rejects a Response with an HTTP error status", async () => {
    await expectRejection(
      load(new Response("not found", { status: 404 })),
      "load: the response has HTTP status 404",
    );
  });

  it("rejects bytes that are not WebAssembly, from bytes and from a stream", async () => {
    const text = new Uint8Array(new TextEncoder().encode("<html>not wasm</html>"));
    const e = await expectRejection(load(text), /^load: not a valid WebAssembly module: /);
    expect(e.cause).toBeInstanceOf(WebAssembly.CompileError);
    await expectRejection(
      load(new Response(text, { headers: { "content-type": "application/wasm" } })),
      /^load: not a valid WebAssembly module: /,
    );
  });

  it("rejects something that is not a module source", async () => {
    await expectRejection(
      load(42 as unknown as Uint8Array),
      "load: expected a Uint8Array, an ArrayBuffer, a WebAssembly.Module, a Response or a URL, got number",
    );
    await expectRejection(load({} as unknown as Uint8Array), /got Object$/);
    // a string is a URL to fetch: one that cannot be fetched names it
    await expectRejection(load("model.wasm"), /^load: fetching model\.wasm failed: /);
  });

  it("rejects a WebAssembly.Instance, saying what to pass instead", async () => {
    const { instance } = await WebAssembly.instantiate(bytes);
    await expectRejection(
      load(instance as unknown as WebAssembly.Module),
      /^load: got a WebAssembly\.Instance, which does not keep its module's custom sections, where the manifest is: pass the WebAssembly\.Module, the bytes or the \.wasm's URL instead \(with Vite, the URL a "\.\/model\.wasm\?url" import gives\)$/,
    );
  });

  it("explains a host that forbids compiling at run time (workerd), showing the module import", async () => {
    const refusal = new WebAssembly.CompileError(
      "WebAssembly.compile(): Wasm code generation disallowed by embedder",
    );
    vi.spyOn(WebAssembly, "compile").mockRejectedValue(refusal);
    const e = await expectRejection(
      load(bytes),
      /^load: this host does not compile WebAssembly at run time \(WebAssembly\.compile\(\): Wasm code generation disallowed by embedder\)\. Import the \.wasm as a module in the worker \(wrangler does so for a \.wasm file; in workerd's config, a CompiledWasm module\), which the host compiles when it loads the worker, and pass that module: load\(model\)$/,
    );
    expect(e.cause).toBe(refusal);
  });

  it("rejects a .wasm without a manifest", async () => {
    await expectRejection(
      load(fakeModule({ manifest: () => undefined })),
      `load: the module has no "${MANIFEST_SECTION}" custom section: it was not compiled by wasmgrad, ` +
        `or a tool stripped its custom sections`,
    );
  });

  it("rejects a manifest of an unsupported format version, naming both versions", async () => {
    const e = await expectRejection(
      load(fakeModule({ manifest: (m) => ({ ...m, formatVersion: 2 }) })),
      'model "affine": load: unsupported manifest format version 2 (this runtime reads version 1); ' +
        'use the wasmgrad runtime that matches the compiler ("0.0.0-test") or recompile the model',
    );
    expect(e.model).toBe("affine");
  });

  it("rejects a manifest of a foreign format", async () => {
    await expectRejection(
      load(fakeModule({ manifest: (m) => ({ ...m, format: "onnx" }) })),
      'model "affine": load: bad manifest: format is "onnx", expected "wasmgrad"',
    );
  });

  it("rejects a manifest that is not UTF-8 JSON", async () => {
    await expectRejection(
      load(fakeModule({ manifestBytes: new TextEncoder().encode("{ not json") })),
      /^load: the manifest is not UTF-8 JSON: SyntaxError/,
    );
    await expectRejection(
      load(fakeModule({ manifestBytes: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) })),
      /^load: the manifest is not UTF-8 JSON: TypeError/,
    );
  });

  it("rejects a module with two manifest sections", async () => {
    const once = fakeModule();
    // A custom section appended by hand: id 0, size, name length, name, payload.
    const name = new TextEncoder().encode(MANIFEST_SECTION);
    const payload = new TextEncoder().encode("{}");
    const body = [name.length, ...name, ...payload];
    const twice = new Uint8Array([...once, 0, body.length, ...body]);
    await expectRejection(load(twice), `load: the module has 2 "${MANIFEST_SECTION}" sections`);
  });

  it("rejects malformed tensors and entries", async () => {
    type M = Record<string, unknown> & {
      tensors: Record<string, unknown>[];
      entries: Record<string, unknown>;
    };
    const cases: Array<[(m: M) => unknown, string | RegExp]> = [
      [(m) => ({ ...m, model: 3 }), "load: bad manifest: model is not a string"],
      [(m) => ({ ...m, tensors: {} }), 'model "affine": load: bad manifest: tensors is not an array'],
      [
        (m) => {
          m.tensors[0] = { ...m.tensors[0], role: "weight" };
          return m;
        },
        'model "affine": load: bad manifest: tensor {"name":"x","role":"weight","shape":[2,3],"dtype":"f32","offset":0} has an unknown role',
      ],
      [
        (m) => {
          m.tensors[0] = { ...m.tensors[0], dtype: "f16" };
          return m;
        },
        /tensor \{"name":"x".*\} has an unknown dtype$/,
      ],
      [
        (m) => {
          m.tensors[0] = { ...m.tensors[0], shape: [2, -3] };
          return m;
        },
        /tensor \{"name":"x".*\} has a bad shape$/,
      ],
      [
        (m) => {
          m.tensors[0] = { ...m.tensors[0], offset: 6 };
          return m;
        },
        /tensor \{"name":"x".*\} has a bad offset$/,
      ],
      [
        (m) => {
          m.tensors.push({ ...m.tensors[0] });
          return m;
        },
        'model "affine": load: bad manifest: two inputs are named "x"',
      ],
      [
        (m) => {
          m.tensors = m.tensors.filter((t) => !(t["role"] === "param" && t["name"] === "s"));
          return m;
        },
        'model "affine": load: bad manifest: grad "s" has no param of its shape',
      ],
      [(m) => ({ ...m, entries: {} }), 'model "affine": load: bad manifest: entries.forward is missing'],
      [
        (m) => {
          m.entries["forward"] = { export: "forward", inputs: ["x", "z"], outputs: ["out"] };
          return m;
        },
        'model "affine": load: bad manifest: entries.forward lists unknown input "z"',
      ],
      [
        (m) => {
          m.entries["backward"] = { export: "backward", inputs: ["x", "y"], outputs: ["out"] };
          return m;
        },
        'model "affine": load: bad manifest: entries.backward must write a one-element f32 output "loss"',
      ],
      [
        (m) => {
          m.entries["forward"] = { ...(m.entries["forward"] as object), rowSparse: ["nope"] };
          return m;
        },
        'model "affine": load: bad manifest: entries.forward lists unknown param "nope"',
      ],
      [
        (m) => {
          m.entries["forward"] = { ...(m.entries["forward"] as object), rowSparse: "s" };
          return m;
        },
        'model "affine": load: bad manifest: entries.forward.rowSparse is not an array',
      ],
    ];
    for (const [edit, message] of cases) {
      await expectRejection(load(fakeModule({ manifest: (m) => edit(m as M) })), message);
    }
  });

  it("rejects a tensor that lies outside the module's memory", async () => {
    await expectRejection(
      load(
        fakeModule({
          manifest: (m) => {
            const tensors = m["tensors"] as Record<string, unknown>[];
            tensors[0] = { ...tensors[0], shape: [2, 30000] };
            return m;
          },
        }),
      ),
      'model "affine": load: input "x" lies outside memory (0 + 240000 > 65536 bytes)',
    );
  });

  it("rejects a module that lacks an export its manifest names", async () => {
    // A module compiled without an optimizer, whose manifest claims a train entry.
    const bytes = fakeModule({
      optimizer: false,
      manifest: (m) => ({
        ...m,
        entries: {
          ...(m["entries"] as object),
          train: { export: "train_step", inputs: ["x", "y"], outputs: ["loss"] },
        },
      }),
    });
    await expectRejection(
      load(bytes),
      'model "affine": load: the module lacks the exported function "train_step"',
    );
  });

  it("rejects a module that exports no memory named memory", async () => {
    for (const memoryExport of [null, "mem"]) {
      await expectRejection(
        load(fakeModule({ memoryExport })),
        'model "affine": load: the module exports no memory named "memory"',
      );
    }
  });

  it("rejects a module with imports", async () => {
    await expectRejection(
      load(fakeModule({ withImport: true })),
      'model "affine": load: the module imports env.log; a wasmgrad module imports nothing',
    );
  });
});
