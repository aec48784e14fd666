// compiler/wasm/binaryen/load.ts: binaryen.js loaded through its split parts, kept on disk. The
// first load splits and writes them, the next reads them, a corrupt part is made again, a
// directory that cannot be written falls back to the plain import, and every path gives a
// binaryen that emits the same bytes as the plain `import("binaryen")`.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Binaryen from "binaryen";
import { afterAll, describe, expect, it } from "vitest";
import { loadBinaryen } from "../../../compiler/wasm/binaryen/load.js";

const root = mkdtempSync(join(tmpdir(), "wasmgrad-binaryen-parts-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A small module with a SIMD function, emitted by `b`. */
function sample(b: typeof Binaryen): Uint8Array {
  const m = new b.Module();
  m.setFeatures(b.Features.MVP | b.Features.SIMD128);
  const x = m.local.get(0, b.v128);
  m.addFunction("double", b.createType([b.v128]), b.v128, [], m.f32x4.add(x, m.local.get(0, b.v128)));
  m.addFunctionExport("double", "double");
  m.addFunction("answer", b.none, b.i32, [], m.i32.const(42));
  m.addFunctionExport("answer", "answer");
  if (!m.validate()) throw new Error("sample does not validate");
  const bytes = m.emitBinary();
  m.dispose();
  return bytes;
}

const partsDirs = (dir: string) => readdirSync(dir).filter((n) => !n.endsWith(".tmp"));

describe("loadBinaryen", () => {
  const dir = join(root, "parts");
  let reference: Uint8Array;

  it("splits binaryen.js on the first load and writes the parts", async () => {
    reference = sample((await import("binaryen")).default);
    const loaded = await loadBinaryen({ cacheDir: dir });
    expect(loaded.path).toBe("split");
    const [name, ...others] = partsDirs(dir);
    expect(others).toEqual([]);
    expect(name).toMatch(/^\d+\.\d+\.\d+-[0-9a-f]{16}$/);
    expect(readdirSync(join(dir, name!)).sort()).toEqual(["binaryen.wasm", "glue.mjs", "sha256"]);
    expect(Buffer.from(sample(loaded.binaryen)).equals(Buffer.from(reference))).toBe(true);
  });

  it("reads the parts on the next load", async () => {
    const loaded = await loadBinaryen({ cacheDir: dir });
    expect(loaded.path).toBe("cached");
    expect(Buffer.from(sample(loaded.binaryen)).equals(Buffer.from(reference))).toBe(true);
  });

  it("detects a corrupt part by its checksum and makes the parts again", async () => {
    const [name] = partsDirs(dir);
    const wasm = join(dir, name!, "binaryen.wasm");
    const bytes = readFileSync(wasm);
    const at = bytes.length >> 1;
    const good = bytes[at]!;
    bytes[at] = good ^ 0xff;
    writeFileSync(wasm, bytes);
    const loaded = await loadBinaryen({ cacheDir: dir });
    expect(loaded.path).toBe("split");
    expect(readFileSync(wasm)[at]).toBe(good);
    expect((await loadBinaryen({ cacheDir: dir })).path).toBe("cached");
  });

  it("falls back to the plain import, saying why, when the parts cannot be written", async () => {
    const blocked = join(root, "blocked");
    writeFileSync(blocked, "a file where the directory would go");
    const loaded = await loadBinaryen({ cacheDir: blocked });
    expect(loaded.path).toBe("plain");
    expect(loaded.fallback).toMatch(/^cannot write binaryen's parts under .*blocked$/);
    expect(Buffer.from(sample(loaded.binaryen)).equals(Buffer.from(reference))).toBe(true);
  });

  it("loads one at a time when called concurrently", async () => {
    const other = join(root, "concurrent");
    const [a, b] = await Promise.all([loadBinaryen({ cacheDir: other }), loadBinaryen({ cacheDir: other })]);
    expect([a.path, b.path]).toEqual(["split", "cached"]);
    expect(partsDirs(other)).toHaveLength(1);
  });
});
