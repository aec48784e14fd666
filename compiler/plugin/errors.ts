/**
 * A model that fails to load or compile, as a bundler error: the message, the id of the module
 * that was being loaded, and for a WasmgradError (which names the model file's line that made
 * the offending node) `loc` and a code frame of that line, which Vite's overlay, Rollup and
 * esbuild show. The errors are recognised by `name` and shape, not `instanceof`: the model file's
 * copy of wasmgrad raised them (import-model.ts).
 */
import { readFileSync } from "node:fs";
import { findSourceMap } from "node:module";
import type { UnpluginMessage } from "unplugin";
import { formatLocation, type SourceLocation } from "../errors.js";

interface WasmgradErrorLike extends Error {
  readonly op?: unknown;
  readonly detail?: unknown;
  readonly location?: Partial<SourceLocation>;
}

function locationOf(e: unknown): SourceLocation | undefined {
  if (!(e instanceof Error) || e.name !== "WasmgradError") return undefined;
  const loc = (e as WasmgradErrorLike).location;
  if (typeof loc?.file !== "string" || typeof loc.line !== "number" || typeof loc.column !== "number")
    return undefined;
  return inSource({ file: loc.file, line: loc.line, column: loc.column });
}

/**
 * The position in the model's TypeScript source. Node maps stack frames through tsx's source maps
 * itself, unless the host replaced `Error.prepareStackTrace` (test runners such as vitest do):
 * then the frame is in tsx's output, a file name with tsx's `?tsx-namespace=` query, and is mapped
 * here with the source map Node kept for it.
 */
function inSource(loc: SourceLocation): SourceLocation {
  const query = loc.file.indexOf("?");
  if (query < 0) return loc;
  const file = loc.file.slice(0, query);
  const entry = findSourceMap(`file://${loc.file}`)?.findEntry(loc.line - 1, loc.column - 1);
  if (!entry || !("originalLine" in entry)) return { ...loc, file };
  return { file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** The error's message, with the mapped location when it had to be mapped (inSource). */
function messageAt(e: WasmgradErrorLike, loc: SourceLocation): string {
  if (e.location?.file === loc.file || typeof e.detail !== "string") return e.message;
  const op = typeof e.op === "string" ? `${e.op}: ` : "";
  return `${formatLocation(loc)}: ${op}${e.detail}`;
}

/** Lines around `line` with a caret under `column` (both 1-based), or undefined if unreadable. */
function codeFrame({ file, line, column }: SourceLocation): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(file, "utf8").split(/\r?\n/);
  } catch {
    return undefined;
  }
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    out.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1] ?? ""}`);
    if (n === line) out.push(`  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column - 1))}^`);
  }
  return out.join("\n");
}

/**
 * The bundler message for `e`, raised while loading `id`. `loc.column` is 0-based, as Rollup,
 * Vite and esbuild count; the message keeps the engine's 1-based `file:line:column`.
 */
export function bundlerError(e: unknown, id: string): UnpluginMessage & { frame?: string } {
  const loc = locationOf(e);
  if (!loc) {
    const message = e instanceof Error ? e.message : String(e);
    return { message, id, ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
  }
  const frame = codeFrame(loc);
  return {
    message: messageAt(e as WasmgradErrorLike, loc),
    id,
    loc: { file: loc.file, line: loc.line, column: loc.column - 1 },
    ...(frame !== undefined && { frame }),
  };
}
