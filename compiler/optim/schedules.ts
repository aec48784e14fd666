/**
 * Learning-rate schedules of seed 004 §2.7, as graph ops of the step counter t (the number of
 * steps taken before the current one, starting at 0).
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";

export type Schedule =
  | { readonly kind: "constant"; readonly lr: number }
  /** α(t) = α0 · e^(−k t) */
  | { readonly kind: "exponential"; readonly lr: number; readonly k: number }
  /** α(t) = α0 · τ / max(t, τ): constant until τ, then decaying as 1/t */
  | { readonly kind: "inverse"; readonly lr: number; readonly tau: number }
  /** α(t) = α0 · factor^⌊t / every⌋: annealing by a factor every n iterations */
  | { readonly kind: "step"; readonly lr: number; readonly factor: number; readonly every: number };

export const schedule = {
  constant: (lr: number): Schedule => ({ kind: "constant", lr }),
  exponential: (lr: number, k: number): Schedule => ({ kind: "exponential", lr, k }),
  inverse: (lr: number, tau: number): Schedule => ({ kind: "inverse", lr, tau }),
  step: (lr: number, factor: number, every: number): Schedule => ({ kind: "step", lr, factor, every }),
};

export type LearningRate = number | Schedule;

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
