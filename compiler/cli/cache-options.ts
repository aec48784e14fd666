/**
 * The compile cache's flags, shared by the commands that compile (compile, train, inspect
 * --memory): `--no-cache` compiles without reading or writing it, `--cache-dir <dir>` puts it
 * elsewhere than its default (compiler/cache/location.ts); so does the environment variable
 * WASMGRAD_CACHE_DIR, which --cache-dir overrides. The cache itself is compiler/cache.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { CacheOutcome } from "../cache/compile-cached.js";
import { CACHE_DIR_ENV, defaultCacheDir } from "../cache/location.js";
import { relativePath } from "../inspect/text.js";
import { CliError } from "./errors.js";

export interface CacheCliOptions {
  /** false with --no-cache (commander's default for a --no-* flag is true). */
  readonly cache?: boolean;
  readonly cacheDir?: string;
}

/** Adds --no-cache and --cache-dir to a command that compiles. */
export function addCacheOptions(command: Command, what = "compile"): Command {
  return command
    .option("--no-cache", `${what} without the compile cache (neither read nor written)`)
    .option(
      "--cache-dir <dir>",
      `the compile cache's directory (default: $${CACHE_DIR_ENV}, else node_modules/.cache/wasmgrad ` +
        `of the model file's package, else .wasmgrad-cache beside it)`,
    );
}

/**
 * The cache directory for compiling the model file `modelPath`, or undefined with --no-cache. A
 * value that cannot be a directory (empty, or an existing file) is a usage error naming where it
 * came from; a directory that cannot be written only costs the cache (a note, then a compile).
 */
export function cacheDirFor(
  opts: CacheCliOptions,
  modelPath: string,
  cwd: string = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (opts.cache === false) {
    if (opts.cacheDir !== undefined)
      throw new CliError("--no-cache and --cache-dir contradict each other; give one");
    return undefined;
  }
  const given =
    opts.cacheDir !== undefined
      ? { value: opts.cacheDir, what: `--cache-dir '${opts.cacheDir}'` }
      : env[CACHE_DIR_ENV] !== undefined && env[CACHE_DIR_ENV] !== ""
        ? { value: env[CACHE_DIR_ENV], what: `${CACHE_DIR_ENV}='${env[CACHE_DIR_ENV]}'` }
        : undefined;
  if (given === undefined) return defaultCacheDir(modelPath);
  if (given.value.trim() === "") throw new CliError(`${given.what}: give the path of a directory`);
  const dir = resolve(cwd, given.value);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new CliError(`${given.what} is a file, not a directory; give the compile cache's directory`);
  }
  return dir;
}

/** The summary line's text: `hit (node_modules/.cache/wasmgrad, key 3f2a9c01b2d4)`, `off (--no-cache)`, ... */
export function describeCache(outcome: CacheOutcome | undefined, cwd: string = process.cwd()): string {
  if (outcome === undefined) return "off (--no-cache)";
  if (outcome.status === "uncached") return "not used (see the note)";
  const where = `${relativePath(resolve(outcome.path!, ".."), cwd)}, key ${outcome.key!.slice(0, 12)}`;
  if (outcome.status === "hit") return `hit (${where})`;
  return outcome.stored ? `miss, stored (${where})` : `miss, not stored (see the note)`;
}

/** Prints the cache's notes (a corrupt entry rebuilt, a directory not writable) on stderr. */
export function printCacheNotes(outcome: CacheOutcome | undefined): void {
  for (const note of outcome?.notes ?? []) process.stderr.write(`wasmgrad: note: ${note}\n`);
}
