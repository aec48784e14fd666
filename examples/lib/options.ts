/** Command-line options of the examples (node:util parseArgs values), checked with clear errors. */

/**
 * The numeric option `name` of `args`: its value, or `fallback` when absent. An error names the
 * option and the bad value when it is not a (whole, with `integer`) number that `ok` accepts.
 */
export function numberOption<K extends string>(
  args: Readonly<Partial<Record<K, unknown>>>,
  name: K,
  fallback: number,
  integer: boolean,
  ok: (v: number) => boolean,
): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!(Number.isFinite(v) && (!integer || Number.isInteger(v)) && ok(v)))
    throw new Error(
      `--${name} takes ${integer ? "a whole number" : "a number"} in range, got ${String(raw)}`,
    );
  return v;
}
