/**
 * W6's plain-JS LeNet-5 (bench/impl/plain-js.ts), the reference every peer's first steps are
 * checked against in `npm run bench`, checked here itself: one SGD step from the bench's initial
 * parameters against wasmgrad's float64 interpreter running the bench's own DSL model (w6Spec),
 * which shares no code with the direct loops. Two images of the batch, to keep the interpreter
 * fast; the rest of the workload (sizes, initial values, learning rate) is the bench's.
 */
import { describe, expect, it } from "vitest";
import * as api from "../../compiler/index.js";
import { lenetTrain } from "../../bench/impl/plain-js.js";
import { w6Spec, type CompilerApi } from "../../bench/impl/wasmgrad.js";
import { makeW6Data, W6_PARAMS } from "../../bench/lib/data.js";
import type { W6Data } from "../../bench/lib/types.js";

const full = makeW6Data();
const B = 2;
const d: W6Data = {
  ...full,
  batch: B,
  x: full.x.slice(0, B * full.channels * full.size ** 2),
  y: full.y.slice(0, B),
};

describe("W6 lenet-train: the bench's plain-JS reference", () => {
  it("matches the float64 interpreter's loss and first SGD update, every parameter", () => {
    const plain = lenetTrain(d);
    const plainLoss = plain.step();
    const plainAfter = plain.params();

    const { model, optimizer } = w6Spec(d).build(api as unknown as CompilerApi);
    const trainer = api.referenceTrainer(model, optimizer!, { params: d.params });
    const loss = trainer.step({ x: d.x, y: d.y });

    expect(Math.abs(plainLoss - loss) / loss).toBeLessThan(1e-6);
    for (const k of W6_PARAMS) {
      const init = d.params[k]!;
      const ref = trainer.params[k]!.data;
      const got = plainAfter[k]!;
      expect(got.length, k).toBe(init.length);
      let maxUpdate = 0;
      let maxError = 0;
      for (let i = 0; i < init.length; i++) {
        maxUpdate = Math.max(maxUpdate, Math.abs(ref[i]! - init[i]!));
        maxError = Math.max(maxError, Math.abs(got[i]! - ref[i]!));
      }
      expect(maxUpdate, `${k} moves`).toBeGreaterThan(0);
      // f32 storage of the updated weights: one ulp of a weight of 0.3 is 3e-8
      expect(maxError / maxUpdate, k).toBeLessThan(1e-3);
    }
  });
});
