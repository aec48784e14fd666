/**
 * The compiler's fingerprint, part of every cache key (key.ts): a sha256 over what decides the
 * bytes a compile produces besides the model and the options. The version number alone is not
 * enough: a developer running from source (or a patched node_modules) changes the compiler
 * without bumping it, and must never get a module built by the old code. So it covers:
 *
 *   - VERSION (compiler/version.ts) and the Node.js version (the compiler folds constants with
 *     the engine's Math functions);
 *   - binaryen's version (its optimizer writes the final bytes; its 15 MB are not read, its
 *     package.json is);
 *   - build/kernels.wasm, the AssemblyScript kernels merged into every module;
 *   - every module file of the running copy of the compiler and of the runtime it embeds the
 *     manifest format of: compiler/**.ts and runtime/**.ts from source, dist/compiler/**.js and
 *     dist/runtime/**.js from the built package (path and content of each, in sorted order).
 *
 * Computed once per process (the code a process runs does not change once loaded) and only when
 * a cached compile asks for it: some 190 files, 0.8 MB, read and hashed from source, 5-20 ms
 * (README "Compile cache" has the measurements).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../version.js";

/** The directory holding compiler/ and runtime/: the repository root, or dist/ of the package. */
const copyRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Module files: TypeScript sources, or the built JavaScript (declarations and maps do not run). */
const isModuleFile = (name: string): boolean =>
  (name.endsWith(".ts") && !name.endsWith(".d.ts")) || name.endsWith(".js") || name.endsWith(".mjs");

/** Every module file below `dir`, as absolute paths in sorted order (none when it is missing). */
function moduleFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && isModuleFile(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** build/kernels.wasm beside the sources or beside dist/ (as compiler/wasm/kernels.ts finds it). */
function kernelsBytes(): Uint8Array | string {
  for (const up of ["build/kernels.wasm", "../build/kernels.wasm"]) {
    const path = join(copyRoot, up);
    if (existsSync(path)) return readFileSync(path);
  }
  return "missing";
}

function binaryenVersion(): string {
  try {
    const path = createRequire(import.meta.url).resolve("binaryen/package.json");
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

let memo: string | undefined;

/**
 * The fingerprint of the running compiler (hex sha256), computed on the first call; see the file
 * comment. (Synchronous reads: for some 200 small files they take half the time of fs/promises.)
 */
export function compilerFingerprint(): string {
  if (memo !== undefined) return memo;
  const h = createHash("sha256");
  const field = (name: string, value: string | Uint8Array) => {
    h.update(`${name} ${value.length}\n`);
    h.update(value);
    h.update("\n");
  };
  field("version", VERSION);
  field("node", process.versions.node);
  field("binaryen", binaryenVersion());
  field("kernels", kernelsBytes());
  for (const dir of ["compiler", "runtime"]) {
    for (const file of moduleFiles(join(copyRoot, dir))) {
      field(`file ${relative(copyRoot, file).replaceAll("\\", "/")}`, readFileSync(file));
    }
  }
  memo = h.digest("hex");
  return memo;
}
