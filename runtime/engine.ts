/**
 * The WebAssembly engine's side of loading: compiling whatever source `load` was given (bytes, a
 * compiled module, a `fetch()` response, streamed when the server says `application/wasm`),
 * detecting relaxed SIMD and picking the variant of a module that carries two, and explaining a
 * failed compile in the caller's terms.
 */
import { WasmgradRuntimeError } from "./errors.js";
import { RELAXED_SECTION } from "./manifest.js";
import type { ResponseLike } from "./types.js";

/**
 * The variant of a module compiled with `relaxedSimd: "auto"` to run here: the relaxed one it
 * carries (RELAXED_SECTION) where the engine has relaxed SIMD and `useRelaxed` is not false, else
 * `module` itself. An engine that will not compile bytes at run time (workerd: "Wasm code
 * generation disallowed by embedder") keeps the baseline it was given as a module.
 */
export async function pickVariant(
  module: WebAssembly.Module,
  useRelaxed = true,
): Promise<WebAssembly.Module> {
  const [relaxed] = WebAssembly.Module.customSections(module, RELAXED_SECTION);
  if (!relaxed || !useRelaxed || !supportsRelaxedSimd()) return module;
  try {
    return await WebAssembly.compile(relaxed);
  } catch {
    return module;
  }
}

/**
 * Compiles `source` (already awaited: bytes, a module, a response, or a URL to fetch, as bundlers
 * hand out); a module is returned as is.
 */
export async function compileModule(source: unknown): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === "string" || source instanceof URL) return compileModule(await fetchModule(source));
  if (typeof WebAssembly.Instance === "function" && source instanceof WebAssembly.Instance) {
    throw new WasmgradRuntimeError(
      `load: got a WebAssembly.Instance, which does not keep its module's custom sections, where the ` +
        `manifest is: pass the WebAssembly.Module, the bytes or the .wasm's URL instead (with Vite, ` +
        `the URL a "./model.wasm?url" import gives)`,
    );
  }
  let bytes: BufferSource;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    bytes = source as BufferSource;
  } else if (isResponse(source)) {
    if (!source.ok) throw new WasmgradRuntimeError(`load: the response has HTTP status ${source.status}`);
    const type = source.headers.get("content-type") ?? "";
    if (typeof WebAssembly.compileStreaming === "function" && /^application\/wasm\b/i.test(type)) {
      return explainCompileError(WebAssembly.compileStreaming(source as unknown as Response), undefined);
    }
    bytes = await source.arrayBuffer();
  } else {
    throw new WasmgradRuntimeError(
      `load: expected a Uint8Array, an ArrayBuffer, a WebAssembly.Module, a Response or a URL, got ${describe(source)}`,
    );
  }
  return explainCompileError(WebAssembly.compile(bytes), bytes);
}

/** `fetch(url)`, with the URL in the error when it fails. */
async function fetchModule(url: string | URL): Promise<ResponseLike> {
  if (typeof fetch !== "function") {
    throw new WasmgradRuntimeError(
      `load: got the URL ${String(url)}, but this host has no fetch(); pass the bytes`,
    );
  }
  try {
    return await fetch(url);
  } catch (e) {
    throw new WasmgradRuntimeError(
      `load: fetching ${String(url)} failed: ${e instanceof Error ? e.message : String(e)}`,
      {
        cause: e,
      },
    );
  }
}

function isResponse(x: unknown): x is ResponseLike {
  const r = x as ResponseLike | null;
  return (
    typeof r === "object" && r !== null && typeof r.ok === "boolean" && typeof r.arrayBuffer === "function"
  );
}

function describe(x: unknown): string {
  return x === null ? "null" : typeof x === "object" ? (x.constructor?.name ?? "an object") : typeof x;
}

/**
 * Awaits a compile and turns its failure into a WasmgradRuntimeError; when the engine lacks relaxed
 * SIMD, says so. `bytes` is undefined for a streamed compile.
 */
async function explainCompileError(
  p: Promise<WebAssembly.Module>,
  bytes: BufferSource | undefined,
): Promise<WebAssembly.Module> {
  try {
    return await p;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (/code generation disallowed|disallowed by embedder/i.test(why)) {
      // Cloudflare Workers (workerd) compile WebAssembly only when the worker is deployed
      throw new WasmgradRuntimeError(
        `load: this host does not compile WebAssembly at run time (${why}). Import the .wasm as a ` +
          `module in the worker (wrangler does so for a .wasm file; in workerd's config, a CompiledWasm ` +
          `module), which the host compiles when it loads the worker, and pass that module: load(model)`,
        { cause: e },
      );
    }
    const advice =
      `use Chrome 114+ or Node 21+ (Node 20: node --experimental-wasm-relaxed-simd), or compile the ` +
      `model without relaxedSimd`;
    if (!supportsRelaxedSimd() && bytes !== undefined && mentionsRelaxedSimd(bytes)) {
      throw new WasmgradRuntimeError(
        `load: this engine cannot compile the module (${why}). It has no relaxed SIMD, which a module ` +
          `compiled with relaxedSimd (--relaxed-simd) needs: ${advice}`,
        { cause: e },
      );
    }
    // streamed: the bytes are gone, so only a hint
    const hint =
      bytes === undefined && !supportsRelaxedSimd()
        ? ` (if it was compiled with relaxedSimd: this engine has no relaxed SIMD; ${advice})`
        : "";
    throw new WasmgradRuntimeError(`load: not a valid WebAssembly module: ${why}${hint}`, { cause: e });
  }
}

/** A module whose one function computes f32x4.relaxed_madd: it validates where relaxed SIMD exists. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 61, 1, 59, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 133, 2, 11,
]);

/** Whether this engine runs relaxed SIMD (modules compiled with `relaxedSimd`). */
export function supportsRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** Whether the bytes hold a manifest with `"relaxedSimd":true` (the compiler writes compact JSON). */
function mentionsRelaxedSimd(bytes: BufferSource): boolean {
  const view =
    bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const needle = Array.from('"relaxedSimd":true', (ch) => ch.charCodeAt(0));
  outer: for (let i = 0; i + needle.length <= view.length; i++) {
    for (let k = 0; k < needle.length; k++) if (view[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}
