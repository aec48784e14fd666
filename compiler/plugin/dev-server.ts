/**
 * Vite's dev server: the compiled modules are served from memory by a middleware at
 * `<base>@wasmgrad/<model>-<hash>.wasm`, as application/wasm (so the runtime compiles them while
 * they download). The hash is of the bytes: a recompile after a save gives a new URL, hence new
 * module code, and Vite's module graph (the model file and what it imports are watched) reloads
 * the importer. Serving from memory, rather than writing files and letting Vite serve them,
 * needs no directory inside Vite's `server.fs.allow` and nothing to clean up; inlining the bytes
 * as base64 in the module would make every module as large again by a third and undo streaming.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { assetName } from "./hash.js";

const PREFIX = "@wasmgrad/";

export class DevAssets {
  /** The served file of each model file, by file name; one per model file (the latest). */
  private readonly files = new Map<string, Uint8Array>();
  private readonly latest = new Map<string, string>();

  /** Serves `wasm` as the module of `modelFile`; returns its URL under `base`. */
  add(modelFile: string, name: string, wasm: Uint8Array, base: string): string {
    const file = assetName(name, wasm);
    const previous = this.latest.get(modelFile);
    if (previous !== undefined && previous !== file) this.files.delete(previous);
    this.latest.set(modelFile, file);
    this.files.set(file, wasm);
    return `${base.endsWith("/") ? base : `${base}/`}${PREFIX}${file}`;
  }

  /** A connect middleware (Vite's `server.middlewares.use`). */
  readonly middleware = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? "").replace(/[?#].*$/, "");
    const at = path.lastIndexOf(`/${PREFIX}`);
    const bytes = at < 0 ? undefined : this.files.get(path.slice(at + PREFIX.length + 1));
    if (bytes === undefined || (req.method !== "GET" && req.method !== "HEAD")) return next();
    res.writeHead(200, {
      "content-type": "application/wasm",
      "content-length": bytes.byteLength,
      "cache-control": "no-cache",
    });
    res.end(req.method === "HEAD" ? undefined : bytes);
  };
}
