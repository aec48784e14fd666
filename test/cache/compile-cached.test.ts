// compileCached (compiler/cache/compile-cached.ts) in this process: a hit is the module a fresh
// compile makes, byte for byte, without running a stage or loading the backend; any change to
// the model, the options or the compiler is compiled afresh, never served the stale entry; a
// damaged entry is reported and rebuilt; a directory that cannot be written costs the cache only.
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { compile, model, optim, type CompileOptions, type Model } from "../../compiler/index.js";
import { compileCached, type CacheSettings } from "../../compiler/cache/compile-cached.js";
import { buildEntries } from "../../compiler/pipeline/entries.js";
import { loadKernels } from "../../compiler/wasm/backend.js";
import { tinyElsewhere, tinyModel } from "./models.js";

// spies around the first stage and the backend's entry point, which compile imports on its own
vi.mock(import("../../compiler/pipeline/entries.js"), async (original) => {
  const mod = await original();
  return { ...mod, buildEntries: vi.fn(mod.buildEntries) };
});
vi.mock(import("../../compiler/wasm/backend.js"), async (original) => {
  const mod = await original();
  return { ...mod, loadKernels: vi.fn(mod.loadKernels) };
});

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-cache-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `cache${dirs++}`);

const adam: CompileOptions = { optimizer: optim.adam(0.01) };

/** The hit: served from the entry, none of compile's work done. */
async function expectHit(mdl: Model, options: CompileOptions, cache: CacheSettings) {
  vi.mocked(buildEntries).mockClear();
  vi.mocked(loadKernels).mockClear();
  const r = await compileCached(mdl, options, cache);
  expect(r.cache).toMatchObject({ status: "hit", stored: false, notes: [] });
  expect(buildEntries).not.toHaveBeenCalled();
  expect(loadKernels).not.toHaveBeenCalled();
  return r;
}

describe("a hit", () => {
  const dir = freshDir();

  it("returns the module and manifest of a fresh compile, without running the stages or the backend", async () => {
    const miss = await compileCached(tinyModel(), adam, { dir });
    expect(miss.cache).toMatchObject({ status: "miss", stored: true, notes: [] });
    expect(buildEntries).toHaveBeenCalled();
    const hit = await expectHit(tinyModel(), adam, { dir });
    const fresh = await compile(tinyModel(), adam);
    expect(Buffer.from(hit.wasm).equals(Buffer.from(fresh.wasm))).toBe(true);
    expect(Buffer.from(miss.wasm).equals(Buffer.from(fresh.wasm))).toBe(true);
    expect(hit.manifest).toEqual(fresh.manifest);
    expect(hit.cache.key).toBe(miss.cache.key);
    expect(readFileSync(hit.cache.path!).length).toBeGreaterThan(fresh.wasm.length);
  });

  it("serves the text and the artifacts it stored; an entry without them is rewritten with them", async () => {
    const made = vi.fn(
      (c: { plans: { forward: { arenaBytes: number } } }) => `arena ${c.plans.forward.arenaBytes}`,
    );
    const asked = { dir, artifacts: { arena: made } };
    const first = await compileCached(tinyModel(), { ...adam, wat: true }, asked);
    expect(first.cache.status).toBe("miss"); // the entry of the test above has neither
    expect(made).toHaveBeenCalledTimes(1);
    const hit = await expectHit(tinyModel(), { ...adam, wat: true }, asked);
    expect(made).toHaveBeenCalledTimes(1);
    const fresh = await compile(tinyModel(), { ...adam, wat: true });
    expect(hit.wat).toBe(fresh.wat);
    expect(hit.artifacts).toEqual({ arena: `arena ${fresh.plans.forward.arenaBytes}` });
    // the module alone is still a hit, without the text
    expect((await expectHit(tinyModel(), adam, { dir })).wat).toBeUndefined();
  });
});

describe("a change is compiled afresh, never served the stale entry", () => {
  const dir = freshDir();
  const base = () => compileCached(tinyModel(), adam, { dir });

  it.each<[string, () => Model, CompileOptions, string?]>([
    ["the learning rate", tinyModel, { optimizer: optim.adam(0.02) }],
    ["simd", tinyModel, { ...adam, simd: false }],
    ["a constant", () => tinyModel({ scale: 2 }), adam],
    ["a source line", tinyElsewhere, adam],
    ["the compiler's fingerprint", tinyModel, adam, "0".repeat(64)],
  ])("%s", async (_, variant, options, fingerprint) => {
    const stale = await base();
    const r = await compileCached(variant(), options, { dir, ...(fingerprint && { fingerprint }) });
    expect(r.cache.status).toBe("miss");
    expect(r.cache.key).not.toBe(stale.cache.key);
    const fresh = await compile(variant(), options);
    expect(Buffer.from(r.wasm).equals(Buffer.from(fresh.wasm))).toBe(true);
    expect(r.manifest).toEqual(fresh.manifest);
    // the change shows in the module or its manifest: a stale hit would have been caught
    expect(
      Buffer.from(r.wasm).equals(Buffer.from(stale.wasm)) &&
        JSON.stringify(r.manifest) === JSON.stringify(stale.manifest),
    ).toBe(fingerprint !== undefined);
  });
});

describe("a damaged entry", () => {
  const dir = freshDir();

  it.each<[string, (bytes: Buffer) => Buffer, RegExp]>([
    ["truncated", (b) => b.subarray(0, b.length - 100), /the content hash differs/],
    ["truncated to its header", (b) => b.subarray(0, 20), /truncated to 20 bytes/],
    ["with a byte flipped", (b) => ((b[b.length >> 1]! ^= 0x40), b), /the content hash differs/],
    ["with another header", (b) => (b.write("notcache", 0), b), /wrong magic/],
    ["empty", () => Buffer.alloc(0), /truncated to 0 bytes/],
  ])("%s is reported in one note, rebuilt and overwritten", async (_, damage, reason) => {
    const sound = await compileCached(tinyModel(), adam, { dir });
    const path = sound.cache.path!;
    writeFileSync(path, damage(readFileSync(path)));
    const rebuilt = await compileCached(tinyModel(), adam, { dir });
    expect(rebuilt.cache).toMatchObject({ status: "miss", stored: true });
    expect(rebuilt.cache.notes).toHaveLength(1);
    expect(rebuilt.cache.notes[0]).toMatch(new RegExp(`^cache entry ${path} was corrupt \\(.*\\); rebuilt$`));
    expect(rebuilt.cache.notes[0]).toMatch(reason);
    expect(Buffer.from(rebuilt.wasm).equals(Buffer.from(sound.wasm))).toBe(true);
    await expectHit(tinyModel(), adam, { dir });
  });
});

describe("a cache that cannot be used", () => {
  beforeEach(() => {
    vi.mocked(buildEntries).mockClear();
  });

  it("a directory that cannot be created: compiles, and says so once", async () => {
    const file = join(scratch, "a-file");
    writeFileSync(file, "");
    const dir = join(file, "cache");
    const first = await compileCached(tinyModel(), adam, { dir });
    expect(first.cache).toMatchObject({ status: "miss", stored: false });
    expect(first.cache.notes).toEqual([
      expect.stringMatching(
        /^cannot write the compile cache in .*a-file\/cache \(.*\); compiled without it$/,
      ),
    ]);
    expect(Buffer.from(first.wasm).equals(Buffer.from((await compile(tinyModel(), adam)).wasm))).toBe(true);
    const second = await compileCached(tinyModel(), adam, { dir });
    expect(second.cache).toMatchObject({ status: "miss", stored: false, notes: [] });
  });

  it("inputs that are not plain data: compiles without it, saying why", async () => {
    const odd = model("odd", (m) => {
      const W = m.param("W", [2], { kind: "zeros", note: () => "hand-made" } as never);
      m.loss(W.square().sum());
    });
    const r = await compileCached(odd, {}, { dir: freshDir() });
    expect(r.cache).toMatchObject({ status: "uncached", stored: false });
    expect(r.cache.notes).toEqual([
      "not cached: the initializer of param 'W'.note is a function, not plain data",
    ]);
    expect(buildEntries).toHaveBeenCalled();
  });

  it("bad settings are errors naming the setting", async () => {
    await expect(compileCached(tinyModel(), {}, { dir: "" })).rejects.toThrow(
      'compileCached: cache.dir must be a directory path, got ""',
    );
    await expect(
      compileCached(tinyModel(), {}, { dir: freshDir(), artifacts: { wasm: () => "" } }),
    ).rejects.toThrow("compileCached: cache.artifacts: 'wasm' is the cache's own name; choose another");
    // the options are checked as compile checks them, before the cache is looked at
    await expect(compileCached(tinyModel(), { optLevel: 1 as never }, { dir: freshDir() })).rejects.toThrow(
      /optLevel must be 0/,
    );
  });
});
