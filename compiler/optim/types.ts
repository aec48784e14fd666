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

/*
 * The options object each optimizer constructor takes after the learning rate: the optimizer's
 * own settings, named as in its description above (so `optim.rmsprop(lr, { decay, eps })` makes
 * `{ kind: "rmsprop", lr, decay, eps }`). A setting left out (or undefined) takes its default.
 */

/** SGD has no settings of its own; the object is accepted so that every optimizer has one shape. */
export type SgdOptions = { readonly [key: string]: never };

export interface MomentumOptions {
  /** μ, the velocity's decay, in [0, 1). Default 0.9. */
  readonly mu?: number;
}

export interface AdagradOptions {
  /** ε ≥ 0, added to the squared-gradient sum inside the square root. Default 1e-8. */
  readonly eps?: number;
}

export interface RmspropOptions {
  /** ρ, the decay of the squared-gradient average, in [0, 1). Default 0.99. */
  readonly decay?: number;
  /** ε ≥ 0, added to the root. Default 1e-8. */
  readonly eps?: number;
}

export interface AdamOptions {
  /** β1 in [0, 1). Default 0.9. */
  readonly beta1?: number;
  /** β2 in [0, 1). Default 0.999. */
  readonly beta2?: number;
  /** ε ≥ 0, added to the root. Default 1e-8. */
  readonly eps?: number;
  /** Divide the moments by 1 − β^t (Kingma & Ba). Default true; false is seed 004's snippet 2.5. */
  readonly biasCorrection?: boolean;
}
