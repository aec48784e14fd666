/**
 * The manifest a compiled model carries in its custom section `wasmgrad.manifest` (UTF-8 JSON):
 * everything the runtime needs to call the module, with no other file. The compiler writes it
 * (compiler/wasm), the runtime reads it; this file is the contract between them.
 *
 * Memory: one linear memory, exported as `memory`, never grown after instantiation. Every tensor
 * below lives at a fixed byte `offset` (16-byte aligned), row-major, little-endian, f32 or i32.
 *
 * Exports (functions take no arguments unless stated, and return nothing):
 *  - `init(seed: i32)`: fills every param from its initializer with `seed` and resets every state
 *    to its initial value (zeros).
 *  - `reset_state()`: zeros the model's own states (the carried hidden state, of every entry),
 *    not the optimizer's.
 *  - `forward()`: reads the inputs listed in `entries.forward.inputs`, writes the user outputs,
 *    and stores the next value of each of the model's states (m.setState).
 *  - `forward_<dim>_<size>...()` (`forward_batch_1`), one per `entries.forwardAt`: forward at
 *    other dims, on the inputs, outputs and states tagged with its export (TensorInfo.entry).
 *  - `backward()`: reads `entries.backward.inputs`, writes the `loss` output and every grad.
 *    Present when the model has a loss.
 *  - `train_step()`: like backward, then applies the optimizer: params and optimizer states are
 *    updated in place, and the model's states advance as in forward. With `clipNorm`, the grads
 *    it writes are the clipped ones the optimizer used. Present when the model has
 *    a loss and was compiled with an optimizer.
 */

export const MANIFEST_SECTION = "wasmgrad.manifest";

/**
 * The custom section of a baseline module compiled with `relaxedSimd: "auto"` that holds the
 * relaxed-SIMD variant of the same module, whole (compiler/pipeline/compile.ts); `load`
 * instantiates it instead where the engine has relaxed SIMD (runtime/engine.ts).
 */
export const RELAXED_SECTION = "wasmgrad.relaxed";
export const MANIFEST_FORMAT = "wasmgrad";
export const MANIFEST_FORMAT_VERSION = 1;

export type DType = "f32" | "i32";

/**
 * input: written by the caller before a call; param: trained weights; grad: d loss / d param
 * (name = the param's name); output: results, including `loss`; state: carried across calls
 * (optimizer slots such as `optim.W1.m`, the step counter `optim.step`, recurrent state).
 */
export type TensorRole = "input" | "param" | "grad" | "output" | "state";

export interface TensorInfo {
  readonly name: string;
  readonly role: TensorRole;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Byte offset in the module's memory, a multiple of 16. */
  readonly offset: number;
  /**
   * For an i32 input whose values are the ids of a table (gather, scatter_add) or the labels of a
   * softmax cross-entropy, directly or through a chain of ops that move values (slice, reshape,
   * a loop's sequence...): the table's rows or the number of classes. `run`, `grad` and `train`
   * reject a value outside [0, idRows) (other than `idIgnore`) before the call.
   */
  readonly idRows?: number;
  /** The label that marks an example to ignore (`ignoreIndex`), accepted besides [0, idRows). */
  readonly idIgnore?: number;
  /** "classes" for labels; absent for the ids of a table. */
  readonly idUse?: "classes";
  /**
   * The forward entry at other dims (its export, `entries.forwardAt[].export`) whose input,
   * output or state this is; absent for the main entries' tensors and for params and grads,
   * which every entry shares. Names are unique per role and entry.
   */
  readonly entry?: string;
}

/**
 * An instruction of compiled code that checks ids or labels as it runs, and traps on one out of
 * range (exported global `trap_site` = its index + 1, `trap_value` = the value).
 */
export interface TrapSite {
  /** The op as the user wrote it (`gather`, `softmaxCrossEntropy`, ...). */
  readonly op: string;
  /** The user's source line, `file:line:column`, when known. */
  readonly where?: string;
  /** The valid range [0, rows), and the ignored label when there is one. */
  readonly rows: number;
  readonly ignore?: number;
  readonly use: "table" | "classes";
}

export interface EntryInfo {
  /** The exported function's name. */
  readonly export: string;
  /** Names of the inputs the call reads (all must be written first). */
  readonly inputs: readonly string[];
  /** Names of the outputs the call writes (`loss` included where computed). */
  readonly outputs: readonly string[];
  /**
   * Training or evaluation behaviour of the ops that tell them apart (dropout): backward and
   * train_step train, forward evaluates unless compiled with `forwardMode: "train"`. Absent in
   * modules from before 2026-12-02, whose every entry trained.
   */
  readonly mode?: "train" | "eval";
  /**
   * The sizes the entry runs at, for a model defined over dims (`{ batch: 32 }`); absent for a
   * model that has none.
   */
  readonly dims?: Readonly<Record<string, number>>;
  /**
   * For a forward entry, the model's states it advances (its own, with `forwardAt`); absent when
   * there are none and in modules from before 2026-12-02.
   */
  readonly states?: readonly string[];
  /**
   * For train_step, the params it updates by rows (an SGD step on a table read only through
   * gather touches only the rows gathered: compiler/passes/sparse.ts). It does not write their
   * grads, so `net.grads` of these keeps what `backward` last wrote. Absent when there are none.
   */
  readonly rowSparse?: readonly string[];
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: number;
  readonly compilerVersion: string;
  readonly model: string;
  readonly options: {
    readonly simd: boolean;
    /** Compiled with relaxed SIMD (fused multiply-adds); absent in modules from before 2026-11-22. */
    readonly relaxedSimd?: boolean;
    /**
     * A baseline module that carries its relaxed-SIMD variant (RELAXED_SECTION), which `load`
     * picks where the engine has relaxed SIMD (`relaxedSimd: "auto"`); absent otherwise.
     */
    readonly relaxedVariant?: boolean;
    /** The optimizer baked into train_step, as the compiler's plain-data description, or null. */
    readonly optimizer: unknown;
    readonly clipNorm: number | null;
  };
  /**
   * Whether some ids or labels are computed inside the module (not an input's values moved), so
   * that only compiled code can check them: a call then saves the named tensors first, to restore
   * them if it traps. Absent in modules from before 2026-12-01.
   */
  readonly computedIds?: boolean;
  /** The checks compiled code makes, by `trap_site` − 1. Absent in modules from before 2026-12-01. */
  readonly traps?: readonly TrapSite[];
  /** Size of the linear memory in bytes (a multiple of 64 KiB). */
  readonly memoryBytes: number;
  readonly tensors: readonly TensorInfo[];
  readonly entries: {
    readonly forward: EntryInfo;
    readonly backward?: EntryInfo;
    readonly train?: EntryInfo;
    /**
     * Forward entries at other dims (compile's `batches`), each with its own inputs, outputs and
     * states (TensorInfo.entry); they read the same params. Absent when there are none.
     */
    readonly forwardAt?: readonly EntryInfo[];
  };
}
