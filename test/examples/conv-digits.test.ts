// The conv-digits example (a LeNet-sized CNN on generated 16×16 digits), run as users run it with
// --quick, and the image generator: balanced classes, values in [0, 1], the same images for the
// same seed, and images of one digit closer to each other than to other digits' on average.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLASSES, digitSet, SIZE } from "../../examples/conv-digits/data.js";
import { Examples, numberAfter } from "./support.js";

const examples = new Examples();
beforeAll(() => examples.run("conv-digits", ["--quick"]), 180_000);
afterAll(() => examples.cleanup());

describe("conv-digits", () => {
  it("--quick: the test accuracy climbs far above chance; the pictures are written", () => {
    const out = examples.output("conv-digits");
    const epochs = [
      ...out.matchAll(/^ {2}epoch (\d+) +train loss (\S+) +test loss (\S+) +test accuracy (\S+)%$/gm),
    ];
    expect(epochs.map((e) => Number(e[1]))).toEqual([1, 2]);
    expect(Number(epochs[1]![3])).toBeLessThan(Number(epochs[0]![3])); // the test loss falls
    const untrained = numberAfter(out, "untrained: test loss");
    expect(Number(epochs[1]![3])).toBeLessThan(untrained / 2);
    expect(numberAfter(out, "conv-digits: test accuracy")).toBeGreaterThanOrEqual(60); // chance: 10%
    // the filters picture: a background, 6 filters of 5×5 cells, 10 images of 16×16 pixels
    expect(examples.svg("conv-digits-filters.svg").rect).toBe(1 + 6 * 25 + 10 * SIZE * SIZE);
    expect(examples.svg("conv-digits-loss.svg").polyline).toBe(2);
  });

  it("the generated images: balanced, in [0, 1], seeded, and grouped by digit", () => {
    const a = digitSet(200, 9);
    expect(digitSet(200, 9).images).toEqual(a.images);
    expect(digitSet(200, 10).images).not.toEqual(a.images);
    for (let d = 0; d < CLASSES; d++) expect(a.labels.filter((y) => y === d).length).toBe(20);
    expect(a.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    // mean squared distance between two images of the same digit vs of different digits
    const px = SIZE * SIZE;
    const dist = (i: number, j: number) => {
      let s = 0;
      for (let k = 0; k < px; k++) s += (a.images[i * px + k]! - a.images[j * px + k]!) ** 2;
      return s;
    };
    let [same, sameN, other, otherN] = [0, 0, 0, 0];
    for (let i = 0; i < 200; i++)
      for (let j = 0; j < i; j++) {
        if (a.labels[i] === a.labels[j]) [same, sameN] = [same + dist(i, j), sameN + 1];
        else [other, otherN] = [other + dist(i, j), otherN + 1];
      }
    expect(same / sameN).toBeLessThan(other / otherN);
  });
});
