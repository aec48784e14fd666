/**
 * The one place where the CLI calls the compiler (compile, inspect --memory, train), so that a
 * change to how it is called (options, the cache, becoming async) is made here only. With a cache
 * directory it goes through the compile cache (compiler/cache), whose hits neither run the stages
 * nor load binaryen; what a command needs beyond the module and its manifest (graphs, plans)
 * it asks for as artifacts, derived from the full compile on a miss and stored with the module.
 */
import type { ArtifactProducer, CachedCompile, CacheOutcome } from "../cache/compile-cached.js";
import type { Model } from "../dsl/model.js";
import type { NamedPlan } from "../plan/report.js";
import type { CompiledModel, CompileOptions } from "../pipeline/compile.js";
import { printCacheNotes } from "./cache-options.js";

/** What a command gets: the module, the manifest, the text if asked for, and its artifacts. */
export type CliCompiled = Omit<CachedCompile, "cache"> & {
  /** How the cache served this compile; undefined with --no-cache. */
  readonly cache: CacheOutcome | undefined;
};

export interface CompileRequest {
  /** The cache directory, or undefined for no cache (--no-cache). */
  readonly cacheDir: string | undefined;
  /** Artifacts derived from the full compile, by name (see CacheSettings.artifacts). */
  readonly artifacts?: Readonly<Record<string, ArtifactProducer>>;
}

/**
 * Imports what compileModel runs (the cache, the pipeline and the backend's modules; not binaryen,
 * which only a cache miss loads), for a command to call before it loads the model: imported
 * after, each of these files would be resolved through the hooks thread that loading a model
 * starts, one synchronous round trip each (0.1 s of a `wasmgrad compile examples/xor/model.ts`).
 */
export async function preloadCompiler(): Promise<void> {
  await Promise.all([
    import("../cache/compile-cached.js"),
    import("../pipeline/compile.js"),
    import("../wasm/backend.js"),
  ]);
}

/**
 * Compiles `model`, through the cache unless `request.cacheDir` is undefined, and prints the
 * cache's notes on stderr. `seconds` is the compile's time (or the hit's), without loading the
 * compiler.
 */
export async function compileModel(
  model: Model,
  options: CompileOptions,
  request: CompileRequest = { cacheDir: undefined },
): Promise<{ readonly compiled: CliCompiled; readonly seconds: number }> {
  const artifacts = request.artifacts ?? {};
  if (request.cacheDir !== undefined) {
    // imported here so that the other commands load neither the cache nor the compiler
    const { compileCached } = await import("../cache/compile-cached.js");
    const started = performance.now();
    const compiled = await compileCached(model, options, { dir: request.cacheDir, artifacts });
    const seconds = (performance.now() - started) / 1000;
    printCacheNotes(compiled.cache);
    return { compiled, seconds };
  }
  const { compile } = await import("../pipeline/compile.js");
  const started = performance.now();
  const full = await compile(model, options);
  const seconds = (performance.now() - started) / 1000;
  const produced = Object.fromEntries(Object.entries(artifacts).map(([name, make]) => [name, make(full)]));
  const { wasm, manifest, wat } = full;
  return {
    compiled: { wasm, manifest, ...(wat !== undefined && { wat }), artifacts: produced, cache: undefined },
    seconds,
  };
}

/** A text artifact (the producers of the CLI's artifacts all make text). */
export function textArtifact(compiled: CliCompiled, name: string): string {
  const value = compiled.artifacts[name];
  if (typeof value !== "string") throw new Error(`internal: artifact '${name}' is missing or not text`);
  return value;
}

/** Each entry's memory plan under the name of its exported function, then each scan step's. */
export function namedPlans(compiled: CompiledModel): NamedPlan[] {
  const { forward, backward, train, steps } = compiled.plans;
  return [forward, backward, train, ...steps].flatMap((p) => (p ? [{ name: p.export, plan: p }] : []));
}
