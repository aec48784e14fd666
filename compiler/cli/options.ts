/**
 * Parsers for option values shared by the commands. A bad value is a commander usage error
 * naming the flag (`--lr must be a positive number, got 'fast'.`), so it exits with status 2.
 */
import { InvalidArgumentError } from "commander";

/** A parser for a number option: finite, and passing `check` (described as `expected`). */
export function parseNumber(what: string, check: (n: number) => boolean, expected: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || !check(n)) {
      throw new InvalidArgumentError(`${what} must be ${expected}, got '${text}'.`);
    }
    return n;
  };
}

/** `--lr`, `--clip-norm`, `--eps`: a number > 0. */
export function positiveNumber(flag: string): (text: string) => number {
  return parseNumber(flag, (n) => n > 0, "a positive number");
}

/** `--steps`, `--every`, `--max-elements`: an integer > 0. */
export function positiveInteger(flag: string): (text: string) => number {
  return parseNumber(flag, (n) => Number.isInteger(n) && n > 0, "a positive integer");
}

/** The runtime's `init(seed)` takes a 32-bit integer, signed or unsigned. */
export function seed32(flag: string): (text: string) => number {
  return parseNumber(
    flag,
    (n) => Number.isInteger(n) && n >= -0x80000000 && n <= 0xffffffff,
    "a 32-bit integer",
  );
}

/** For a repeatable option: `--input a --input b` gives ["a", "b"]. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
