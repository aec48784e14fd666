/**
 * The one error type wasmgrad raises for user mistakes: it names the op, the shapes involved and
 * the line of the user's model file that created the offending node.
 */

/** A position in the user's source, as reported by the JavaScript engine's stack trace. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : "<unknown location>";
}

export interface ErrorContext {
  /** The op (or API function) that rejected its arguments, e.g. `matmul` or `interpret`. */
  readonly op?: string;
  /** Where the offending node was created in the user's model file. */
  readonly location?: SourceLocation;
}

export class WasmgradError extends Error {
  readonly op: string | undefined;
  readonly location: SourceLocation | undefined;
  /** The message without the location and op prefix. */
  readonly detail: string;

  constructor(detail: string, context: ErrorContext = {}) {
    const prefix = [context.location ? formatLocation(context.location) : undefined, context.op].filter(
      (p) => p !== undefined,
    );
    super(prefix.length ? `${prefix.join(": ")}: ${detail}` : detail);
    this.name = "WasmgradError";
    this.op = context.op;
    this.location = context.location;
    this.detail = detail;
  }
}

/**
 * Thrown by an op's shape rule; the graph context catches it and re-raises a WasmgradError that
 * adds the op name, the operand shapes and the user's source line.
 */
export class OpError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = "OpError";
  }
}
