/**
 * Finds the user's source line that is building a node: the first stack frame outside the
 * compiler itself. Both the TypeScript sources (compiler/) and the built package (dist/compiler/)
 * are recognised as internal, as are Node's own frames and node_modules.
 */
import type { SourceLocation } from "../errors.js";

/** `/.../compiler/` for the source tree, `/.../dist/compiler/` for the built package. */
const compilerRoot = stripFileScheme(new URL("..", import.meta.url).href);

/**
 * The directories whose frames are internal. Running the built package with source maps enabled
 * (node --enable-source-maps, or under tsx, which enables them) maps its frames back to the
 * TypeScript sources that ship beside it (dist/compiler/x.js -> compiler/x.ts), so the source tree
 * next to dist/ is internal as well.
 */
const internalRoots = compilerRoot.endsWith("/dist/compiler/")
  ? [compilerRoot, compilerRoot.slice(0, -"dist/compiler/".length) + "compiler/"]
  : [compilerRoot];

function stripFileScheme(path: string): string {
  return path.startsWith("file://") ? decodeURIComponent(path.slice("file://".length)) : path;
}

// "    at fn (/a/b.ts:12:7)" or "    at /a/b.ts:12:7" or "    at async fn (file:///a/b.ts:3:1)"
const FRAME = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/;

function isInternal(file: string): boolean {
  return (
    internalRoots.some((root) => file.startsWith(root)) ||
    file.startsWith("node:") ||
    file.includes("/node_modules/") ||
    !file.includes("/")
  );
}

/** The first stack frame outside wasmgrad, or undefined when there is none (e.g. a REPL). */
export function captureUserLocation(): SourceLocation | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64; // composites nest several frames deep inside the compiler
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  for (const line of stack.split("\n").slice(1)) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = stripFileScheme(m[1]!);
    if (isInternal(file)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}
