/**
 * The runtime's public types: what `load` accepts and the typed handle it returns. Types only:
 * this file compiles to nothing.
 */
import type { Manifest } from "./manifest.js";
import type { InputValue } from "./values.js";

/**
 * The names (and i32 dtypes) of one compiled model, so a handle can be typed per model:
 * `load<Xor>(bytes)` where the compiler's generated `.d.ts` declares
 *
 *   interface Xor extends ModelTypes {
 *     inputs: "x" | "y"; forwardInputs: "x"; lossInputs: "x" | "y";
 *     outputs: "probs" | "loss"; params: "W1" | "b1"; states: "optim.step"; i32: "y" | "optim.step";
 *   }
 *
 * Without a type argument every name is a string and every array `Float32Array | Int32Array`.
 */
export interface ModelTypes {
  /** Every input's name. */
  inputs: string;
  /** The inputs `run()` requires (forward's inputs); when omitted, every input is optional. */
  forwardInputs?: string;
  /** The inputs `grad()` and `train()` require; when omitted, every input is optional. */
  lossInputs?: string;
  /** Every output's name, `loss` included when the model has one. */
  outputs: string;
  params: string;
  states?: string;
  /** The tensors whose dtype is i32 (typed `Int32Array`); all others are f32 (`Float32Array`). */
  i32?: string;
}

/** The default: nothing known about the model. */
export interface AnyModel {
  inputs: string;
  outputs: string;
  params: string;
  states: string;
  i32: string;
}

/** The names `T` declares under key `K`, or never when `T` lacks the key. */
type Named<T, K extends string> = T extends { [P in K]: infer N extends string } ? N : never;

/** The typed array holding tensor `K` of model `T`. */
export type ArrayFor<T extends ModelTypes, K extends string> =
  string extends Named<T, "i32">
    ? Float32Array | Int32Array
    : K extends Named<T, "i32">
      ? Int32Array
      : Float32Array;

/** Tensors by name: live views into memory, or copies in call results. */
export type Tensors<T extends ModelTypes, N extends string> = { readonly [K in N]: ArrayFor<T, K> };

/** The argument of run / grad / train: `Required` inputs must be given, others may be. */
export type InputValues<T extends ModelTypes, Required extends string> = {
  readonly [K in Required]: InputValue;
} & { readonly [K in Exclude<T["inputs"], Required>]?: InputValue };

/** What `run()` returns: a copy of each output forward writes (not `loss`). */
export type Outputs<T extends ModelTypes> = Tensors<T, Exclude<T["outputs"], "loss">>;

/**
 * What `grad()` returns. It has no outputs: `backward` computes the loss and the gradients only
 * (its manifest entry lists `loss` alone), not the model's other outputs, which may need work
 * and inputs the loss does not (a softmax of the logits, a forward-only input). Call `run()` on
 * the same inputs for them.
 */
export interface GradResult<T extends ModelTypes> {
  readonly loss: number;
  /**
   * d loss / d param for every param (copies), unclipped: `clipNorm` applies to the training
   * step only. After `train()` / `trainStep()` with `clipNorm`, `net.grads` holds the clipped
   * gradient instead, so it may differ from this one on the same batch (see `Net.grads`).
   */
  readonly grads: { readonly [K in T["params"]]: Float32Array };
}

export interface LoadOptions {
  /** Accept NaN and ±Infinity in f32 inputs and in loaded weights (rejected by default, naming the element). */
  readonly allowNonFinite?: boolean;
  /**
   * For a module compiled with `relaxedSimd: "auto"`: false keeps its baseline SIMD code even
   * where the engine has relaxed SIMD, so that results are the same bits on every engine (the
   * default, true, takes the faster relaxed variant wherever it runs). `net.manifest.options
   * .relaxedSimd` says which one was loaded.
   */
  readonly relaxedSimd?: boolean;
}

export interface SaveWeightsOptions {
  /** Also save the states (optimizer moments, step counter, recurrent state). Default false. */
  readonly states?: boolean;
}

export interface LoadWeightsOptions {
  /** Restore the states the file holds (the default); false skips them. */
  readonly states?: boolean;
}

/**
 * What `load` accepts: the bytes, a compiled module (what a `.wasm` import gives on workerd and
 * with bundlers' module imports), a `fetch()` response (compiled while it downloads), or the
 * `.wasm`'s URL (what bundlers' `?url` and asset imports give), fetched.
 */
export type WasmSource =
  | Uint8Array
  | ArrayBuffer
  | WebAssembly.Module
  | ResponseLike
  | string
  | URL
  | PromiseLike<ResponseLike | Uint8Array | ArrayBuffer | WebAssembly.Module | string | URL>;

/** The part of a fetch `Response` the runtime uses. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * One forward entry of a module: the main one, or one at other dims (compile's `batches`), with
 * its own inputs, outputs and states; every entry reads the same params.
 */
export interface ForwardHandle<T extends ModelTypes = AnyModel> {
  /** The sizes it runs at (`{ batch: 1 }`), or undefined for a model without dims. */
  readonly dims: Readonly<Record<string, number>> | undefined;
  /** Its exported function (`forward`, `forward_batch_1`). */
  readonly export: string;
  /** Live views of its inputs, outputs and states. */
  readonly inputs: Tensors<T, T["inputs"]>;
  readonly outputs: Tensors<T, T["outputs"]>;
  readonly states: Tensors<T, Named<T, "states">>;
  /** Checks and writes `inputs`, calls this entry, returns copies of its outputs. */
  run(inputs: InputValues<T, Named<T, "forwardInputs">>): Outputs<T>;
  /** Calls this entry on whatever its input views hold. */
  forward(): void;
  /** Zeros this entry's model states (a batch-1 sampler's hidden state, say). */
  resetState(): void;
}

/** A loaded model. Every call is synchronous. */
export interface Net<T extends ModelTypes = AnyModel> {
  readonly manifest: Manifest;
  /** The module's memory (never grown, so views stay valid). */
  readonly memory: WebAssembly.Memory;
  /** True when the module has `backward` (the model has a loss): `grad` works. */
  readonly hasLoss: boolean;
  /** True when the module has `train_step` (compiled with an optimizer): `train` works. */
  readonly canTrain: boolean;

  /** Live views of the params: read or write the weights in place. */
  readonly params: Tensors<T, T["params"]>;
  /**
   * Live views of the grads, written by `backward` / `train_step`: the gradient at the params
   * before the call. `backward()` and `grad()` write d loss / d param as it is; `train_step()`
   * and `train()` write the gradient their optimizer used, which with `clipNorm` is the clipped
   * one (scaled by min(1, c / ‖g‖)). So after a training step these views can differ from what
   * `grad()` returns for the same params and batch. A param that `train_step` updates by rows
   * (`manifest.entries.train.rowSparse`: an SGD step on a table read only through gather) is the
   * exception: the step does not write its dense gradient, so its view keeps what `backward` last
   * wrote (zeros before any call); call `grad()` for it.
   */
  readonly grads: { readonly [K in T["params"]]: Float32Array };
  /** Live views of the inputs: write them, then call `forward()` / `backward()` / `trainStep()`. */
  readonly inputs: Tensors<T, T["inputs"]>;
  /** Live views of the outputs (`loss` included). */
  readonly outputs: Tensors<T, T["outputs"]>;
  /** Live views of the states. */
  readonly states: Tensors<T, Named<T, "states">>;

  /** The sizes of the main entries (`{ batch: 32 }`), or undefined for a model without dims. */
  readonly dims: Readonly<Record<string, number>> | undefined;
  /** Every forward entry, the main one first, then those at other dims (compile's `batches`). */
  readonly forwards: readonly ForwardHandle<T>[];
  /**
   * The forward entry at a batch size (`net.at(1)`) or at dims (`net.at({ batch: 1, steps: 1 })`,
   * which must match exactly one entry); an error lists the entries when none does.
   */
  at(size: number | Readonly<Record<string, number>>): ForwardHandle<T>;

  /** Fills every param from its initializer with `seed` (an integer) and zeros every state. */
  init(seed?: number): void;
  /**
   * Zeros the model's own states (m.state: the recurrent hidden state), e.g. at a document
   * boundary; params, optimizer moments and the step counter are left alone (init zeros those).
   * Without an argument, the states of every forward entry; with a size (as `at` takes), those
   * of that entry only.
   */
  resetState(size?: number | Readonly<Record<string, number>>): void;
  /**
   * Checks and writes `inputs`, calls `forward`, returns copies of its outputs. In a module with
   * forward entries at other dims, the entry is the one whose inputs have the given values'
   * sizes (the main one when it fits); `net.at(size).run(inputs)` chooses explicitly.
   */
  run(inputs: InputValues<T, Named<T, "forwardInputs">>): Outputs<T>;
  /**
   * Checks and writes `inputs`, calls `backward`, returns the loss and copies of every grad
   * (unclipped, whatever `clipNorm` the module was compiled with; no outputs: use `run()`).
   */
  grad(inputs: InputValues<T, Named<T, "lossInputs">>): GradResult<T>;
  /**
   * Checks and writes `inputs`, calls `train_step` (one optimizer step), returns the loss before
   * the step. `net.grads` then holds the gradient the step used (clipped, with `clipNorm`).
   */
  train(inputs: InputValues<T, Named<T, "lossInputs">>): { readonly loss: number };
  /** Calls `forward` on whatever the input views hold. */
  forward(): void;
  /** Calls `backward` on whatever the input views hold. */
  backward(): void;
  /** Calls `train_step` on whatever the input views hold. */
  trainStep(): void;

  /** The params (and, with `{ states: true }`, the states) as a weights file (see weights.ts). */
  saveWeights(options?: SaveWeightsOptions): Uint8Array;
  /** Restores a weights file; on any error nothing is written. */
  loadWeights(bytes: Uint8Array | ArrayBuffer, options?: LoadWeightsOptions): void;
}
