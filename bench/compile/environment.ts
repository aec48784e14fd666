/**
 * What the compile section needs to know about this checkout before it measures: whether the
 * built package (dist/) is older than the compiler source, whether the CLI has a compile cache
 * (`--no-cache` in `wasmgrad compile --help`), and which file `node_modules/.bin/wasmgrad` is.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface Environment {
  /** The repository root. */
  readonly root: string;
  /** The CLI entry of the built package (package.json "bin"). */
  readonly cliMain: string;
  /** node_modules/.bin/wasmgrad when the package is installed into itself; else undefined. */
  readonly binLink?: string;
  /** package.json "version": what `wasmgrad --version` prints. */
  readonly version: string;
  /** `wasmgrad compile` accepts --no-cache (a compile cache exists). */
  readonly noCacheFlag: boolean;
  /** compiler/ sources newer than their dist/compiler/ output (or without one). */
  readonly staleDist: readonly string[];
}

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** compiler/x/y.ts whose dist/compiler/x/y.js is missing or older. */
function staleOutputs(root: string): string[] {
  return sources(join(root, "compiler")).filter((src) => {
    const out = join(root, "dist", relative(root, src)).replace(/\.ts$/, ".js");
    return !existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs;
  });
}

export function environment(root: string): Environment {
  const cliMain = join(root, "dist", "compiler", "cli", "main.js");
  const bin = join(root, "node_modules", ".bin", "wasmgrad");
  let help = "";
  try {
    help = execFileSync(process.execPath, [cliMain, "compile", "--help"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
  } catch {
    // no built CLI: its rows report the failure
  }
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  return {
    root,
    cliMain,
    version: pkg.version,
    ...(existsSync(bin) ? { binLink: bin } : {}),
    noCacheFlag: /--no-cache\b/.test(help),
    staleDist: staleOutputs(root).map((f) => relative(root, f)),
  };
}
