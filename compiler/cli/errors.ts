/**
 * The CLI's errors: CliError for a mistake in how the CLI was used, and the one line that
 * `main` prints for any error (`wasmgrad: <message>`), with the exit statuses.
 */
import { relativePath } from "../inspect/text.js";

/** Exit status for errors (usage, loading, model errors); gradcheck failures exit with 1. */
export const EXIT_ERROR = 2;

/** A mistake in how the CLI was used (missing file, bad export, bad JSON): printed as one line. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** `e`'s message, or its string form for a value thrown that is not an Error. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * One line for the user: wasmgrad errors with their location made relative to the cwd. Errors
 * are recognised by `name`, not `instanceof`: a model file may run another copy of the modules.
 */
export function errorLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const w = e as Error & {
    location?: { file: string; line: number; column: number };
    op?: string;
    detail?: string;
  };
  let message = e.message;
  if (e.name === "WasmgradError" && w.detail !== undefined) {
    const where = w.location
      ? `${relativePath(w.location.file, process.cwd())}:${w.location.line}:${w.location.column}`
      : undefined;
    message = [where, w.op, w.detail].filter((p) => p !== undefined).join(": ");
  } else if (e.name !== "WasmgradError" && e.name !== "CliError" && e.name !== "WasmgradRuntimeError") {
    message = `internal error: ${e.name}: ${e.message} (run with --verbose for the stack trace)`;
  }
  return message.replaceAll(/\s*\n\s*/g, " ");
}
