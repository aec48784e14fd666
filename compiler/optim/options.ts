/**
 * The arguments of the optimizer constructors after the learning rate. Every optimizer takes
 * `(lr, options)`, options an object of its own settings; momentum, adagrad and rmsprop also keep
 * their old positional forms (`momentum(lr, mu)`, `adagrad(lr, eps)`, `rmsprop(lr, decay, eps)`),
 * deprecated, which read into the same object. Only the shape of the arguments is checked here:
 * an options value that is not an object, an unknown key, too many arguments. The settings' ranges
 * are checked on the finished description (validate.ts), whichever form made it.
 */
import { WasmgradError } from "../errors.js";
import { show } from "./validate.js";

/** Each optimizer's settings, in the order its description lists them, with their defaults. */
export const DEFAULTS = {
  sgd: {},
  momentum: { mu: 0.9 },
  adagrad: { eps: 1e-8 },
  rmsprop: { decay: 0.99, eps: 1e-8 },
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, biasCorrection: true },
} as const;

export type OptimizerKind = keyof typeof DEFAULTS;

/** The settings of `kind` with every default filled in. */
export type Settings<K extends OptimizerKind> = {
  -readonly [S in keyof (typeof DEFAULTS)[K]]: (typeof DEFAULTS)[K][S] extends boolean ? boolean : number;
};

/** The settings that the old positional forms took after the learning rate, in order. */
const POSITIONAL: Record<OptimizerKind, readonly string[]> = {
  sgd: [],
  momentum: ["mu"],
  adagrad: ["eps"],
  rmsprop: ["decay", "eps"],
  adam: [],
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/**
 * The settings that `args` (the constructor's arguments after the learning rate) give `kind`, in
 * the order of DEFAULTS: an options object, nothing, or (deprecated) the old positional numbers.
 */
export function readSettings<K extends OptimizerKind>(kind: K, args: readonly unknown[]): Settings<K> {
  const where = `optim.${kind}`;
  const fail = (detail: string): never => {
    throw new WasmgradError(detail, { op: where });
  };
  const defaults: Record<string, unknown> = DEFAULTS[kind];
  const known = Object.keys(defaults);
  const positional = POSITIONAL[kind];
  const [first] = args;
  let given: Record<string, unknown>;
  if (positional.length > 0 && (typeof first === "number" || (first === undefined && args.length > 1))) {
    // the deprecated form: numbers in the old order
    if (args.length > positional.length) {
      fail(
        `takes at most ${positional.length} setting${positional.length > 1 ? "s" : ""} after the learning ` +
          `rate (${positional.join(", ")}), got ${args.length}; prefer ${where}(lr, ${example(kind)})`,
      );
    }
    given = Object.fromEntries(positional.map((name, i) => [name, args[i]]));
  } else {
    if (args.length > 1) {
      fail(
        `takes the learning rate and one options object, got ${args.length} arguments after the learning rate`,
      );
    }
    if (first !== undefined && !isPlainObject(first)) {
      fail(`options must be an object such as ${example(kind)}, got ${show(first)}`);
    }
    given = (first as Record<string, unknown> | undefined) ?? {};
    for (const key of Object.keys(given)) {
      if (!known.includes(key)) {
        fail(
          `unknown option '${key}' (${known.length ? `known: ${known.join(", ")}` : `${where} takes no options`})`,
        );
      }
    }
  }
  // only undefined takes the default: a null is a setting, and validate.ts rejects it
  return Object.fromEntries(
    known.map((name) => [name, given[name] === undefined ? defaults[name] : given[name]]),
  ) as Settings<K>;
}

/** An options object for `kind` to show in messages, e.g. `{ beta1: 0.9 }`. */
function example(kind: OptimizerKind): string {
  const entries = Object.entries(DEFAULTS[kind]);
  return entries.length ? `{ ${entries.map(([k, v]) => `${k}: ${String(v)}`).join(", ")} }` : "{}";
}
