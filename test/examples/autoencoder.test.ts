// The 8-3-8 auto-encoder example (seed 002's auto-associative network), run as users run it: the
// table of learned hidden codes is parsed back, and every row must reconstruct its one-hot input
// exactly after rounding, with eight codes that are distinct (no two within 0.25 of each other
// in every unit), as the slides' network learns a compressed code of the eight patterns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Examples, numberAfter } from "./support.js";

const examples = new Examples();
beforeAll(() => examples.run("autoencoder"), 120_000);
afterAll(() => examples.cleanup());

describe("autoencoder", () => {
  it("prints the slides' table: each input, its 3-unit code, and an exact reconstruction", () => {
    const out = examples.output("autoencoder");
    const rows = [
      ...out.matchAll(/^ {2}([01](?: [01]){7}) {2}((?: +\d\.\d\d){3}) {3}([01]{3}) {3}([01](?: [01]){7})$/gm),
    ];
    expect(rows).toHaveLength(8);
    const codes = rows.map((r) => r[2]!.trim().split(/ +/).map(Number));
    rows.forEach((r, i) => {
      const input = r[1]!.split(" ").map(Number);
      // the i-th one-hot pattern, reconstructed exactly after rounding
      expect(input).toEqual(Array.from({ length: 8 }, (_, j) => (j === i ? 1 : 0)));
      expect(r[4]!.split(" ").map(Number)).toEqual(input);
      for (const v of codes[i]!) expect(v >= 0 && v <= 1, `code value ${v}`).toBe(true);
      expect(r[3]).toBe(codes[i]!.map((v) => (v >= 0.5 ? 1 : 0)).join(""));
    });
    // distinct codes: every pair differs by at least 0.25 in some unit (the parse, not the print)
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < i; j++) {
        const d = Math.max(...codes[i]!.map((v, u) => Math.abs(v - codes[j]![u]!)));
        expect(d, `codes ${i} and ${j}`).toBeGreaterThanOrEqual(0.25);
      }
    expect(out).toContain("reconstruction: exact after rounding");
    expect(numberAfter(out, "the closest two differ by")).toBeGreaterThanOrEqual(0.25);
    // most code values sit near 0 or 1, as in the slides' table
    const near = Number(/(\d+) of 24 values are within 0\.1 of 0 or 1/.exec(out)?.[1]);
    expect(near).toBeGreaterThanOrEqual(12);
    expect(examples.svg("autoencoder-loss.svg").polyline).toBe(1);
  });
});
