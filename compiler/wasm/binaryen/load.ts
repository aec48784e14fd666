/**
 * Loads binaryen.js, in Node through its split parts (split.ts): the glue and the binary, kept on
 * disk after the first load so that later processes neither scan nor decode binaryen's 15 MB.
 *
 *   plain    `import("binaryen")`: in browsers and other hosts, and whenever the split fails
 *   split    the parts made from binaryen.js in this process (about 0.4 s), then written to disk
 *   cached   the parts read from disk (about 0.15 s; the plain import takes 0.75-0.85 s)
 *
 * The parts live in `<the node_modules holding binaryen>/.cache/wasmgrad/binaryen/<version>-<key>/`
 * (beside babel's and vite's caches; deleting node_modules deletes them), where the key hashes
 * binaryen.js's size and modification time, so a reinstalled or upgraded binaryen gets new parts.
 * A checksum over both files is stored with them; a part that does not match it is made again.
 * When the directory cannot be written, binaryen loads the plain way.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type Binaryen from "binaryen";
import { OPTIONS_GLOBAL, splitBinaryen } from "./split.js";
import { binaryenTiering } from "./v8-flags.js";

export type BinaryenLoadPath = "plain" | "split" | "cached";

export interface LoadedBinaryen {
  readonly binaryen: typeof Binaryen;
  /** How it was loaded (see the file comment). */
  readonly path: BinaryenLoadPath;
  /** Why the split was not used, when `path` is "plain" in Node. */
  readonly fallback?: string;
}

export interface BinaryenLoadOptions {
  /** The directory that holds the parts' directories (default: see the file comment). */
  readonly cacheDir?: string;
  /**
   * Compile all of binaryen's functions when it loads (default), for a process that compiles
   * more than once, or each on its first call, for one that compiles once and exits (the CLI);
   * see v8-flags.ts.
   */
  readonly upFront?: boolean;
}

/** Bumped when the split or the files change, so that old parts are never read. */
const FORMAT = 1;
const GLUE = "glue.mjs";
const WASM = "binaryen.wasm";
const CHECKSUM = "sha256";

const plain = async (fallback?: string): Promise<LoadedBinaryen> => ({
  binaryen: (await import("binaryen")).default,
  path: "plain",
  ...(fallback !== undefined && { fallback }),
});

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

let inFlight: Promise<unknown> | undefined;

/**
 * Loads binaryen.js (see the file comment). The first load starts compiling binaryen's binary
 * before it returns, so that the compile runs off the main thread during the caller's next
 * synchronous work; a load while another is running waits for it (the glue's options travel
 * through one global).
 */
export function loadBinaryen(options: BinaryenLoadOptions = {}): Promise<LoadedBinaryen> {
  const load = () => {
    try {
      return loadNow(options);
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const loaded = inFlight ? inFlight.then(load) : load();
  inFlight = loaded.catch(() => undefined);
  return loaded;
}

function loadNow(options: BinaryenLoadOptions): Promise<LoadedBinaryen> {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (!node || typeof import.meta.resolve !== "function") return plain();
  // resolved as `import("binaryen")` would be (an error here is the one that import would raise)
  const url = import.meta.resolve("binaryen");
  if (!url.startsWith("file:")) return plain();
  const file = fileURLToPath(url);
  const dir = options.cacheDir ?? defaultPartsRoot(file);
  const upFront = options.upFront ?? true;
  let started: { readonly binaryen: Promise<typeof Binaryen>; readonly path: BinaryenLoadPath };
  try {
    const partsDir = dir === undefined ? undefined : join(dir, partsName(file));
    const cached = partsDir === undefined ? undefined : readParts(partsDir);
    if (cached) {
      started = {
        binaryen: instantiate(pathToFileURL(join(partsDir!, GLUE)).href, cached, upFront),
        path: "cached",
      };
    } else {
      const parts = splitBinaryen(readFileSync(file), url);
      if (!parts) return plain("binaryen.js is not laid out as this version of wasmgrad expects");
      if (partsDir === undefined || !writeParts(partsDir, parts.glue, parts.wasm)) {
        return plain(`cannot write binaryen's parts under ${dir ?? dirname(file)}`);
      }
      started = {
        binaryen: instantiate(pathToFileURL(join(partsDir, GLUE)).href, parts.wasm, upFront),
        path: "split",
      };
    }
  } catch (e) {
    return plain(messageOf(e));
  }
  return started.binaryen.then(
    (binaryen) => ({ binaryen, path: started.path }),
    (e: unknown) => plain(messageOf(e)),
  );
}

/** `<node_modules>/.cache/wasmgrad/binaryen` for binaryen at `<node_modules>/binaryen/index.js`. */
function defaultPartsRoot(binaryenFile: string): string | undefined {
  const modules = dirname(dirname(binaryenFile));
  return basename(modules) === "node_modules" ? join(modules, ".cache", "wasmgrad", "binaryen") : undefined;
}

function partsName(binaryenFile: string): string {
  const { size, mtimeMs } = statSync(binaryenFile);
  const pkg = join(dirname(binaryenFile), "package.json");
  const version = existsSync(pkg)
    ? String((JSON.parse(readFileSync(pkg, "utf8")) as { version?: unknown }).version)
    : "";
  const key = createHash("sha256")
    .update(`${FORMAT} ${binaryenFile} ${size} ${mtimeMs}`)
    .digest("hex")
    .slice(0, 16);
  return `${version.replace(/[^\w.-]/g, "_")}-${key}`;
}

const checksum = (glue: Uint8Array, wasm: Uint8Array): string =>
  createHash("sha256").update(glue).update(wasm).digest("hex");

/** The binary of the parts in `dir`, when both files are there and match their checksum. */
function readParts(dir: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const wasm = readFileSync(join(dir, WASM));
    const glue = readFileSync(join(dir, GLUE));
    if (readFileSync(join(dir, CHECKSUM), "utf8") === checksum(glue, wasm)) return wasm;
  } catch {
    return undefined; // absent or unreadable: made again
  }
  rmSync(dir, { recursive: true, force: true }); // corrupt: made again
  return undefined;
}

/**
 * Writes the parts to `dir` through a temporary directory renamed into place, so that a reader
 * never sees half of them; false when that fails. Two processes may race: the second rename fails
 * and the first one's parts, the same bytes, are kept.
 */
function writeParts(dir: string, glue: string, wasm: Uint8Array): boolean {
  const temp = `${dir}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    mkdirSync(temp, { recursive: true });
    const glueBytes = new TextEncoder().encode(glue);
    writeFileSync(join(temp, WASM), wasm);
    writeFileSync(join(temp, GLUE), glueBytes);
    writeFileSync(join(temp, CHECKSUM), checksum(glueBytes, wasm));
    try {
      renameSync(temp, dir);
    } catch (e) {
      if (!existsSync(join(dir, CHECKSUM))) throw e;
    }
    return true;
  } catch {
    return false;
  } finally {
    try {
      rmSync(temp, { recursive: true, force: true });
    } catch {
      // nothing was made (the directory above cannot hold one)
    }
  }
}

/**
 * Imports the glue at `glueUrl`, giving it `wasm`, whose compile starts now (off the main thread,
 * while the glue is read and parsed), to instantiate. A failure to compile or instantiate rejects
 * instead of leaving the glue's top-level await pending.
 */
function instantiate(
  glueUrl: string,
  wasm: Uint8Array<ArrayBuffer>,
  upFront: boolean,
): Promise<typeof Binaryen> {
  const restoreTiering = binaryenTiering(upFront);
  const compiled = WebAssembly.compile(wasm);
  let fail!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const scope = globalThis as Record<string, unknown>;
  scope[OPTIONS_GLOBAL] = {
    instantiateWasm(imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) {
      compiled.then((m) => WebAssembly.instantiate(m, imports)).then(done, fail);
      return {};
    },
  };
  compiled.catch(fail);
  const glue = import(glueUrl) as Promise<{ default: typeof Binaryen }>;
  return Promise.race([glue, failed])
    .then((m) => m.default)
    .finally(() => {
      delete scope[OPTIONS_GLOBAL];
      restoreTiering?.();
    });
}
