/**
 * Learning-rate schedules of seed 004 §2.7, as graph ops of the step counter t (the number of
 * steps taken before the current one, starting at 0).
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import type { LearningRate, Schedule } from "./types.js";
import { checkSchedule } from "./validate.js";

/** Each constructor checks its settings at once (optim/validate.ts). */
const checked = (s: Schedule): Schedule => checkSchedule(undefined, s);

export const schedule = {
  constant: (lr: number): Schedule => checked({ kind: "constant", lr }),
  /** k ≥ 0 */
  exponential: (lr: number, k: number): Schedule => checked({ kind: "exponential", lr, k }),
  /** τ > 0 */
  inverse: (lr: number, tau: number): Schedule => checked({ kind: "inverse", lr, tau }),
  /** factor > 0, every a positive integer */
  step: (lr: number, factor: number, every: number): Schedule => checked({ kind: "step", lr, factor, every }),
};

export type { LearningRate, Schedule } from "./types.js";

/** The learning rate at step `t` (an f32 scalar node), as a node or a plain number. */
export function learningRate(rate: LearningRate, t: Node): Node | number {
  const s = typeof rate === "number" ? schedule.constant(rate) : rate;
  switch (s.kind) {
    case "constant":
      return s.lr;
    case "exponential":
      return b.mul(b.exp(b.mul(t, -s.k)), s.lr);
    case "inverse":
      return b.div(s.lr * s.tau, b.maximum(t, s.tau));
    case "step": {
      // factor^⌊t/every⌋ = exp(⌊t/every⌋ · ln factor); ⌊·⌋ of a non-negative value via an i32 cast
      const periods = b.cast(b.cast(b.div(t, s.every), "i32"), "f32");
      return b.mul(b.exp(b.mul(periods, Math.log(s.factor))), s.lr);
    }
  }
}

/** The schedule's value at step t in plain arithmetic (for tests and plots). */
export function learningRateAt(rate: LearningRate, t: number): number {
  const s = typeof rate === "number" ? schedule.constant(rate) : rate;
  switch (s.kind) {
    case "constant":
      return s.lr;
    case "exponential":
      return s.lr * Math.exp(-s.k * t);
    case "inverse":
      return (s.lr * s.tau) / Math.max(t, s.tau);
    case "step":
      return s.lr * Math.pow(s.factor, Math.floor(t / s.every));
  }
}
