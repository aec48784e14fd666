/**
 * compileCached(model, options, { dir }): `compile` behind a persistent cache on disk. A hit
 * builds the key (key.ts), reads one file (store.ts) and returns its bytes: it runs none of the
 * stages and does not load binaryen (compile's backend is imported on a miss only). A miss
 * compiles, stores the entry and returns the same fields.
 *
 * It returns what a hit can give back cheaply: the module, its manifest, the WebAssembly text
 * when `options.wat` asks for it, and named artifacts, which the caller derives from the full
 * CompiledModel with `artifacts` producers (the CLI's --emit dot/ir/plan files, a bundler's
 * generated code): a producer runs on a miss and its result is stored in the entry. An entry
 * that lacks a requested artifact (or the text) counts as a miss and is rewritten with it. The
 * graphs, plans and pass reports of CompiledModel are not kept (they are graphs of live nodes);
 * call `compile` for them.
 *
 * Nothing about the cache fails a compile: a corrupt entry is reported in `cache.notes` and
 * rebuilt, an unwritable directory is reported (once per directory and process) and the module
 * is compiled and returned anyway, and inputs that cannot be keyed canonically (canonical.ts)
 * are compiled without the cache, saying why.
 */
import type { Manifest } from "../../runtime/manifest.js";
import { WasmgradError } from "../errors.js";
import type { Model } from "../dsl/model.js";
import { checkCompileArgs } from "../pipeline/check-options.js";
import type { CompiledModel, CompileOptions } from "../pipeline/options.js";
import { show } from "../optim/validate.js";
import { Uncacheable } from "./canonical.js";
import type { Artifact } from "./entry.js";
import { compilerFingerprint } from "./fingerprint.js";
import { cacheKey } from "./key.js";
import { entryPath, readEntry, writeEntry } from "./store.js";

export type { Artifact } from "./entry.js";

/**
 * Derives an artifact from a full compile (on a miss). It must depend on `compiled` and on
 * nothing else (the working directory, the time, a file), or the name must say what else: the
 * CLI names its graph texts, which show paths relative to the working directory, by it.
 */
export type ArtifactProducer = (compiled: CompiledModel) => Artifact;

/** The default bound on the entries' total size. */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

export interface CacheSettings {
  /** The cache directory (created when needed); see defaultCacheDir for the CLI's choice. */
  readonly dir: string;
  /**
   * Extra outputs stored with the module, by name. The name identifies the producer: the
   * compiler's own producers are covered by its fingerprint, but the code of a producer from
   * outside the compiler is not, so change its name (say, with a version suffix) when it changes.
   */
  readonly artifacts?: Readonly<Record<string, ArtifactProducer>>;
  /** Bound on the entries' total size; the least recently used go first (default 256 MiB). */
  readonly maxBytes?: number;
  /**
   * The compiler's identity in the key (default: compilerFingerprint(), which hashes the running
   * copy's files). A tool that knows better may pass its own.
   */
  readonly fingerprint?: string;
}

export interface CacheOutcome {
  /** "hit": served from the entry; "miss": compiled (and stored when `stored`); "uncached": not keyable. */
  readonly status: "hit" | "miss" | "uncached";
  /** The key (hex sha256), unless uncached. */
  readonly key?: string;
  /** The entry's file, unless uncached. */
  readonly path?: string;
  /** Whether this call wrote the entry. */
  readonly stored: boolean;
  /** One line each, for the user: a corrupt entry rebuilt, a directory not writable, why uncached. */
  readonly notes: readonly string[];
}

export interface CachedCompile {
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly manifest: Manifest;
  /** The WebAssembly text, when `options.wat` asked for it. */
  readonly wat?: string;
  /** The artifacts asked for in CacheSettings.artifacts, by name. */
  readonly artifacts: Readonly<Record<string, Artifact>>;
  readonly cache: CacheOutcome;
}

/** The artifact names the cache itself uses. */
const RESERVED = new Set(["wasm", "manifest", "wat"]);

const fail = (detail: string): never => {
  throw new WasmgradError(detail, { op: "compileCached" });
};

function checkSettings(cache: unknown): CacheSettings {
  if (typeof cache !== "object" || cache === null)
    fail(`the cache settings must be an object such as { dir }, got ${show(cache)}`);
  const c = cache as CacheSettings;
  if (typeof c.dir !== "string" || c.dir === "")
    fail(`cache.dir must be a directory path, got ${show(c.dir)}`);
  if (c.maxBytes !== undefined && !(typeof c.maxBytes === "number" && c.maxBytes > 0))
    fail(`cache.maxBytes must be a number of bytes > 0, got ${show(c.maxBytes)}`);
  for (const [name, producer] of Object.entries(c.artifacts ?? {})) {
    if (RESERVED.has(name)) fail(`cache.artifacts: '${name}' is the cache's own name; choose another`);
    if (typeof producer !== "function")
      fail(`cache.artifacts.${name} must be a function of the compiled model`);
  }
  if (c.fingerprint !== undefined && typeof c.fingerprint !== "string")
    fail(`cache.fingerprint must be a string, got ${show(c.fingerprint)}`);
  return c;
}

/** The directories this process could not write, each reported once. */
const unwritable = new Set<string>();

/** `compile(model, options)` through the cache in `cache.dir` (see the file comment). */
export async function compileCached(
  model: Model,
  compileOptions: CompileOptions = {},
  cacheSettings: CacheSettings,
): Promise<CachedCompile> {
  const { mdl, options } = checkCompileArgs(model, compileOptions);
  const cache = checkSettings(cacheSettings);
  const producers = Object.entries(cache.artifacts ?? {});
  const wanted = [...(options.wat ? ["wat"] : []), ...producers.map(([name]) => name)];
  const notes: string[] = [];

  let key: string | undefined;
  try {
    key = cacheKey(mdl, options, cache.fingerprint ?? compilerFingerprint());
  } catch (e) {
    if (!(e instanceof Uncacheable)) throw e;
    notes.push(`not cached: ${e.reason}`);
  }
  const path = key === undefined ? undefined : entryPath(cache.dir, key);
  let kept: ReadonlyMap<string, Artifact> = new Map();
  if (key !== undefined) {
    const read = readEntry(cache.dir, key);
    if (read.status === "hit") {
      const served = fromEntry(read.artifacts, wanted);
      if (typeof served === "object")
        return { ...served, cache: { status: "hit", key, path, stored: false, notes } };
      if (served === "corrupt")
        notes.push(`cache entry ${path} was corrupt (no module or manifest); rebuilt`);
      else kept = read.artifacts; // lacks an artifact asked for now: rewritten with the old ones and it
    } else if (read.status === "corrupt") {
      notes.push(`cache entry ${path} was corrupt (${read.reason}); rebuilt`);
    }
  }

  const { compile } = await import("../pipeline/compile.js");
  const compiled = await compile(mdl, options);
  const artifacts = new Map<string, Artifact>(kept);
  artifacts.set("wasm", compiled.wasm);
  artifacts.set("manifest", JSON.stringify(compiled.manifest));
  if (compiled.wat !== undefined) artifacts.set("wat", compiled.wat);
  const produced: Record<string, Artifact> = {};
  for (const [name, producer] of producers) artifacts.set(name, (produced[name] = producer(compiled)));

  let stored = false;
  if (key !== undefined) {
    try {
      writeEntry(cache.dir, key, artifacts, cache.maxBytes ?? DEFAULT_CACHE_BYTES);
      stored = true;
    } catch (e) {
      if (!unwritable.has(cache.dir)) {
        unwritable.add(cache.dir);
        const reason = e instanceof Error ? e.message : String(e);
        notes.push(`cannot write the compile cache in ${cache.dir} (${reason}); compiled without it`);
      }
    }
  }
  return {
    wasm: compiled.wasm,
    manifest: compiled.manifest,
    ...(compiled.wat !== undefined ? { wat: compiled.wat } : {}),
    artifacts: produced,
    cache: {
      status: key === undefined ? "uncached" : "miss",
      ...(key !== undefined && { key, path }),
      stored,
      notes,
    },
  };
}

/**
 * What a sound entry gives back: the module, the manifest and the artifacts in `wanted`; or
 * "incomplete" when one of those is missing, "corrupt" when the module or manifest is.
 */
function fromEntry(
  entry: ReadonlyMap<string, Artifact>,
  wanted: readonly string[],
): Omit<CachedCompile, "cache"> | "incomplete" | "corrupt" {
  const wasm = entry.get("wasm");
  const manifestText = entry.get("manifest");
  if (!(wasm instanceof Uint8Array) || typeof manifestText !== "string") return "corrupt";
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText) as Manifest;
  } catch {
    return "corrupt";
  }
  if (wanted.some((name) => !entry.has(name))) return "incomplete";
  const artifacts: Record<string, Artifact> = {};
  for (const name of wanted) if (name !== "wat") artifacts[name] = entry.get(name)!;
  const wat = wanted.includes("wat") ? entry.get("wat") : undefined;
  return {
    wasm: wasm as Uint8Array<ArrayBuffer>,
    manifest,
    ...(typeof wat === "string" ? { wat } : {}),
    artifacts,
  };
}
