/** The types of optimizers and learning-rate schedules (optimizers.ts, schedules.ts). */

export type Schedule =
  | { readonly kind: "constant"; readonly lr: number }
  /** α(t) = α0 · e^(−k t) */
  | { readonly kind: "exponential"; readonly lr: number; readonly k: number }
  /** α(t) = α0 · τ / max(t, τ): constant until τ, then decaying as 1/t */
  | { readonly kind: "inverse"; readonly lr: number; readonly tau: number }
  /** α(t) = α0 · factor^⌊t / every⌋: annealing by a factor every n iterations */
  | { readonly kind: "step"; readonly lr: number; readonly factor: number; readonly every: number };

export type LearningRate = number | Schedule;

export type Optimizer =
  | { readonly kind: "sgd"; readonly lr: LearningRate }
  | { readonly kind: "momentum"; readonly lr: LearningRate; readonly mu: number }
  | { readonly kind: "adagrad"; readonly lr: LearningRate; readonly eps: number }
  | { readonly kind: "rmsprop"; readonly lr: LearningRate; readonly decay: number; readonly eps: number }
  | {
      readonly kind: "adam";
      readonly lr: LearningRate;
      readonly beta1: number;
      readonly beta2: number;
      readonly eps: number;
      readonly biasCorrection: boolean;
    };
