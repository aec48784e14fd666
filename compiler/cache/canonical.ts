/**
 * Canonical text of plain data, for cache keys: the same value always gives the same text, and
 * two values give the same text only if they are equal as data. Object keys are sorted; numbers
 * are exact, with -0, NaN and ±Infinity kept apart (JSON would turn them into 0 and null).
 *
 * Anything that is not plain data (a function, a class instance, a Map, a typed array, a symbol,
 * a getter-backed object from another realm, a cycle) cannot be keyed this way: canonical() then
 * throws Uncacheable, and the compile runs without the cache rather than risk a stale hit.
 */

/** Why a compile's inputs cannot be keyed; compileCached reports it and compiles uncached. */
export class Uncacheable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "Uncacheable";
  }
}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** The canonical text of `value`; `where` names it in an Uncacheable reason (`options.optimizer`). */
export function canonical(value: unknown, where: string): string {
  const seen = new Set<object>();
  const walk = (v: unknown, at: string): string => {
    switch (typeof v) {
      case "number":
        return Object.is(v, -0) ? "-0" : String(v); // NaN, Infinity, -Infinity are distinct words
      case "string":
        return JSON.stringify(v);
      case "boolean":
        return String(v);
      case "undefined":
        return "undefined";
      case "object": {
        if (v === null) return "null";
        if (seen.has(v)) throw new Uncacheable(`${at} refers to itself`);
        if (!Array.isArray(v) && !isPlainObject(v)) {
          throw new Uncacheable(`${at} is a ${v.constructor?.name ?? "non-plain object"}, not plain data`);
        }
        seen.add(v);
        let text: string;
        if (Array.isArray(v)) {
          text = `[${Array.from(v, (x, i) => walk(x, `${at}[${i}]`)).join(",")}]`;
        } else {
          const parts: string[] = [];
          for (const key of Object.keys(v).sort()) {
            const d = Object.getOwnPropertyDescriptor(v, key)!;
            if (!("value" in d)) throw new Uncacheable(`${at}.${key} is an accessor, not plain data`);
            parts.push(`${JSON.stringify(key)}:${walk(d.value, `${at}.${key}`)}`);
          }
          if (Object.getOwnPropertySymbols(v).length) throw new Uncacheable(`${at} has symbol keys`);
          text = `{${parts.join(",")}}`;
        }
        seen.delete(v);
        return text;
      }
      default:
        throw new Uncacheable(`${at} is a ${typeof v}, not plain data`);
    }
  };
  return walk(value, where);
}
