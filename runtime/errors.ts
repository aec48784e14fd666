/**
 * The one error type the runtime throws for caller mistakes and for malformed modules or weights
 * files. The message names the model and the tensor involved and says what was expected and what
 * was got, e.g. `model "xor": input "x": expected 8 values (shape [4, 2], f32), got 6`; the same
 * facts are kept as fields for programs that handle the error.
 */
export interface RuntimeErrorContext {
  /** The model's name from its manifest, when known. */
  readonly model?: string;
  /** The tensor's role as the caller sees it: `input`, `param`, `state`, `output`, ... */
  readonly role?: string;
  /** The tensor's name. */
  readonly tensor?: string;
  readonly cause?: unknown;
}

export class WasmgradRuntimeError extends Error {
  readonly model: string | undefined;
  readonly tensor: string | undefined;
  /** The message without the `model "...": input "...":` prefix. */
  readonly detail: string;

  constructor(detail: string, context: RuntimeErrorContext = {}) {
    const { model, role, tensor, cause } = context;
    let prefix = model === undefined ? "" : `model "${model}": `;
    if (tensor !== undefined) prefix += `${role ?? "tensor"} "${tensor}": `;
    super(prefix + detail, cause === undefined ? undefined : { cause });
    this.name = "WasmgradRuntimeError";
    this.model = model;
    this.tensor = tensor;
    this.detail = detail;
  }
}
