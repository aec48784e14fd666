/**
 * `compile`'s `batches` option: the sizes each entry runs at, for a model defined over dims
 * (compiler/dsl/dims.ts). `train` sets the dims of backward, train_step and the main forward
 * (default: the model's own); every size in `forward` adds a forward entry of its own, exported as
 * `forward_<dim>_<size>...` (`forward_batch_1`), which shares the params and has its own inputs,
 * outputs and states. A number stands for `{ batch: n }`.
 *
 *   compile(mlp, { optimizer, batches: { train: 32, forward: [1, 8] } })
 */
import { atDims } from "../dsl/dims.js";
import type { Dims, Model } from "../dsl/model.js";
import { WasmgradError } from "../errors.js";
import { show } from "../optim/validate.js";

export interface BatchesOption {
  /** The dims of backward, train_step and the main forward (a number: `{ batch: n }`). */
  readonly train?: number | Partial<Dims>;
  /** Further forward entries, one per size (sizes equal to train's are served by `forward`). */
  readonly forward?: readonly (number | Partial<Dims>)[];
}

/** A forward entry at other dims than the model's main ones. */
export interface ExtraForward {
  /** Its export's name, which also tags its tensors in the manifest: `forward_batch_1`. */
  readonly key: string;
  readonly dims: Dims;
  /** The model traced at `dims`. */
  readonly model: Model;
}

export interface ResolvedBatches {
  /** The model at the dims of its main entries. */
  readonly primary: Model;
  readonly extras: readonly ExtraForward[];
}

const fail = (detail: string): never => {
  throw new WasmgradError(detail, { op: "compile" });
};

/** The model at each entry's dims (see the file comment); errors name the option and the value. */
export function resolveBatches(mdl: Model, batches: unknown): ResolvedBatches {
  if (batches === undefined) return { primary: mdl, extras: [] };
  if (typeof batches !== "object" || batches === null || Array.isArray(batches))
    fail(`batches must be an object such as { train: 32, forward: [1, 8] }, got ${show(batches)}`);
  const o = batches as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (key !== "train" && key !== "forward") fail(`batches: unknown key '${key}' (known: train, forward)`);
  const primary = o.train === undefined ? mdl : atDims(mdl, changes("batches.train", o.train));
  if (o.forward !== undefined && !Array.isArray(o.forward))
    fail(`batches.forward must be a list of sizes such as [1, 8], got ${show(o.forward)}`);
  const extras: ExtraForward[] = [];
  const seen = new Set([JSON.stringify(primary.dims)]);
  for (const [k, size] of ((o.forward as unknown[] | undefined) ?? []).entries()) {
    const traced = atDims(mdl, changes(`batches.forward[${k}]`, size));
    const dims = traced.dims!;
    if (seen.has(JSON.stringify(dims))) continue; // the same entry twice, or the main forward
    seen.add(JSON.stringify(dims));
    const key = `forward_${Object.entries(dims)
      .map(([d, v]) => `${d}_${v}`)
      .join("_")}`;
    extras.push({ key, dims, model: traced });
  }
  return { primary, extras };
}

/** One size of the option as dims to change: a number is the batch size. */
function changes(where: string, size: unknown): Partial<Dims> {
  if (typeof size === "number") return { batch: size };
  if (typeof size !== "object" || size === null || Array.isArray(size))
    fail(`${where} must be a batch size or dims such as { batch: 1 }, got ${show(size)}`);
  return size as Partial<Dims>;
}
