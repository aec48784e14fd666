/** Reading a compiled module file (`inspect model.wasm`, `run`): bytes, module and manifest. */
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { relativePath } from "../inspect/text.js";
import { MANIFEST_SECTION, readManifest, type Manifest } from "../../runtime/index.js";
import { CliError, messageOf } from "./errors.js";

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function startsWithMagic(bytes: Uint8Array): boolean {
  return WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/** True for a file to treat as a compiled module: a `.wasm` name or WebAssembly's magic bytes. */
export function looksLikeWasm(file: string, cwd: string = process.cwd()): boolean {
  const path = resolve(cwd, file);
  if (extname(path).toLowerCase() === ".wasm") return true;
  try {
    return statSync(path).isFile() && startsWithMagic(readFileSync(path).subarray(0, 4));
  } catch {
    return false;
  }
}

export interface ReadModule {
  readonly bytes: Uint8Array;
  readonly module: WebAssembly.Module;
  readonly manifest: Manifest;
  readonly path: string;
  readonly displayPath: string;
}

/** Reads, compiles and checks a wasmgrad module file; every failure is a one-line CliError. */
export async function readModuleFile(file: string, cwd: string = process.cwd()): Promise<ReadModule> {
  const path = resolve(cwd, file);
  const displayPath = relativePath(path, cwd);
  if (!existsSync(path)) throw new CliError(`cannot find module file '${file}' (no such file: ${path})`);
  if (statSync(path).isDirectory())
    throw new CliError(`'${file}' is a directory; give the path of a .wasm file`);
  const bytes = new Uint8Array(readFileSync(path));
  if (!startsWithMagic(bytes)) {
    const hint = /\.[cm]?[jt]s$/.test(path)
      ? `; compile the model first: wasmgrad compile ${displayPath}`
      : "";
    throw new CliError(`${displayPath} is not a WebAssembly module (it does not start with \\0asm)${hint}`);
  }
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (e) {
    throw new CliError(`${displayPath} is not a valid WebAssembly module: ${messageOf(e)}`);
  }
  if (WebAssembly.Module.customSections(module, MANIFEST_SECTION).length === 0) {
    throw new CliError(
      `${displayPath} has no wasmgrad manifest (custom section "${MANIFEST_SECTION}"): it was not ` +
        `compiled by wasmgrad, or a tool stripped its custom sections`,
    );
  }
  let manifest: Manifest;
  try {
    manifest = readManifest(module);
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^load: /, "") : String(e);
    throw new CliError(`${displayPath}: ${message}`);
  }
  return { bytes, module, manifest, path, displayPath };
}
