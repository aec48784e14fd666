/**
 * What the harness (bench/engines/section.ts) and the host script (bench/engines/host.mjs, plain
 * JavaScript) exchange: the case list the harness serves as cases.json, and the one JSON line the
 * host prints. host.mjs follows these shapes by hand; keep the two in step.
 */

/** The host's timing plan: warm-up, then `repeats` timed loops of at least `targetMs` per variant. */
export interface HostPlan {
  readonly warmupMs: number;
  readonly targetMs: number;
  readonly repeats: number;
}

/** A raw little-endian input file. */
export interface InputFile {
  readonly file: string;
  readonly dtype: "f32" | "i32";
}

/**
 * One workload. Files are relative to cases.json's URL.
 * - train: write the inputs once; a step = trainStep() + read `output[0]` (the loss); the weights
 *   are reloaded before the check and before every repeat (untimed).
 * - infer: the input file holds `rows` vectors; a call writes the next one (cycling), forward(),
 *   copies `output` out.
 * - forward: write the inputs once; a call = forward().
 */
export interface HostCase {
  readonly id: "W1" | "W2" | "W3" | "W4-256";
  readonly kind: "train" | "infer" | "forward";
  readonly wasm: string;
  /** saveWeights() of the bench's seeded params (bench/lib/data.ts); none for W4. */
  readonly weights?: string;
  readonly inputs: Readonly<Record<string, InputFile>>;
  /** infer: how many input vectors the file holds (a power of two). */
  readonly rows?: number;
  readonly output: string;
}

export interface CaseList {
  readonly plan: HostPlan;
  readonly cases: readonly HostCase[];
}

/** One variant of one case, as a host measured it. */
export interface VariantRun {
  /** net.manifest.options.relaxedSimd === true: the variant load() actually instantiated. */
  readonly relaxedSimd: boolean;
  readonly iterationsPerRepeat: number;
  /** Time per iteration of every repeat, in ms. */
  readonly perIterMs: readonly number[];
  /**
   * Check values from the weights as loaded: the losses of steps 1–3 (train), the outputs for
   * the first input vector (infer), 16 evenly spaced elements of the output (forward).
   */
  readonly check: readonly number[];
}

export type CaseRun =
  | { readonly id: HostCase["id"]; readonly picked: VariantRun; readonly baseline: VariantRun }
  | { readonly id: HostCase["id"]; readonly error: string };

/** The one JSON line host.mjs prints (or its page function returns). */
export interface HostResult {
  /** e.g. "deno 2.9.6 (V8 15.0.245.2-rusty)". */
  readonly engine: string;
  /** The runtime's supportsRelaxedSimd() in this engine. */
  readonly relaxedSimdAvailable: boolean;
  readonly cases: readonly CaseRun[];
}
