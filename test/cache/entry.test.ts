// The entry format (compiler/cache/entry.ts): what is written reads back unchanged, and any
// damage (truncation, a flipped bit anywhere, another format or key) is detected, never served.
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry, ENTRY_FORMAT, type Artifact } from "../../compiler/cache/entry.js";

const KEY = "a".repeat(64);
const artifacts = new Map<string, Artifact>([
  ["wasm", new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 9, 8, 7])],
  ["manifest", JSON.stringify({ model: "tiny", note: "ü → ∂" })],
  ["empty", ""],
]);
const bytes = encodeEntry(KEY, artifacts);

describe("a cache entry", () => {
  it("reads back the artifacts it was written with", () => {
    const decoded = decodeEntry(bytes, KEY);
    expect("artifacts" in decoded && decoded.artifacts).toEqual(artifacts);
  });

  it("is refused under another key", () => {
    expect(decodeEntry(bytes, "b".repeat(64))).toEqual({
      corrupt: expect.stringMatching(/^it holds key aaaa/),
    });
  });

  it("is refused when truncated, at any length", () => {
    for (let n = 0; n < bytes.length; n++)
      expect(decodeEntry(bytes.subarray(0, n), KEY)).toHaveProperty("corrupt");
  });

  it("is refused with one bit flipped, anywhere", () => {
    for (let i = 0; i < bytes.length; i++) {
      const damaged = bytes.slice();
      damaged[i]! ^= 1 << (i % 8);
      expect(decodeEntry(damaged, KEY), `byte ${i}`).toHaveProperty("corrupt");
    }
  });

  it("is refused with bytes appended, another magic or another format version", () => {
    expect(decodeEntry(new Uint8Array([...bytes, 0]), KEY)).toHaveProperty("corrupt");
    const magic = bytes.slice();
    magic.set(new TextEncoder().encode("WGCACHE\0"), 0);
    expect(decodeEntry(magic, KEY)).toEqual({ corrupt: "not a wasmgrad cache entry (wrong magic)" });
    const version = bytes.slice();
    new DataView(version.buffer).setUint32(8, ENTRY_FORMAT + 1, true);
    expect(decodeEntry(version, KEY)).toEqual({
      corrupt: `entry format ${ENTRY_FORMAT + 1}, expected ${ENTRY_FORMAT}`,
    });
  });
});
