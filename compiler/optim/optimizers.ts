/**
 * Optimizers as ordinary graph ops (seed 004 §2.7–2.9): each turns a parameter, its gradient and
 * its slots (optimizer state) into their next values. The compiler fuses and lowers these like
 * any other op, so a training step is one graph.
 */
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { learningRate } from "./schedules.js";
import { readSettings } from "./options.js";
import type {
  AdagradOptions,
  AdamOptions,
  LearningRate,
  MomentumOptions,
  Optimizer,
  RmspropOptions,
  SgdOptions,
} from "./types.js";
import { checkOptimizer } from "./validate.js";

export type { Optimizer } from "./types.js";

/** Every constructor checks its settings at once (optim/validate.ts): a bad one is an error naming it. */
const checked = (opt: Optimizer): Optimizer => checkOptimizer(undefined, opt);

/*
 * The update rules, per parameter θ with gradient g (after clipping, with clipNorm). t is the
 * number of steps taken before this one (0 on the first), α_t the learning rate at t (a number, or
 * a schedule's value), and every slot (v, c, m) starts at 0. These are the numerics compiled code
 * runs; how each relates to torch.optim is stated with it (none has weight decay). The README's
 * "Optimizers" table repeats them.
 */

/**
 * Plain gradient descent: θ ← θ − α_t g. The same as `torch.optim.SGD(params, lr)` (momentum 0).
 * `options` is `{}`: SGD has no settings of its own.
 */
function sgd(lr: LearningRate, options?: SgdOptions): Optimizer;
function sgd(lr: LearningRate, ...rest: unknown[]): Optimizer {
  readSettings("sgd", rest); // for its checks only: a value that is not an object, an unknown key
  return checked({ kind: "sgd", lr });
}

/**
 * Momentum (seed 004 snippet 2.2): v ← μ v − α_t g; θ ← θ + v. `options.mu` (μ, default 0.9) is
 * in [0, 1).
 *
 * PyTorch's `SGD(params, lr, momentum=μ)` (dampening 0, not Nesterov) keeps b ← μ b + g and steps
 * θ ← θ − lr·b. With a constant learning rate the two are the same (v = −α b). With a schedule
 * they differ: here each gradient keeps the rate of the step that took it (v_t = −Σ_k μ^(t−k) α_k
 * g_k), while PyTorch scales the whole sum by the current rate (θ −= α_t Σ_k μ^(t−k) g_k).
 */
function momentum(lr: LearningRate, options?: MomentumOptions): Optimizer;
/** @deprecated The positional form: use `optim.momentum(lr, { mu })`. */
function momentum(lr: LearningRate, mu: number): Optimizer;
function momentum(lr: LearningRate, ...rest: unknown[]): Optimizer {
  const { mu } = readSettings("momentum", rest);
  return checked({ kind: "momentum", lr, mu });
}

/**
 * AdaGrad (seed 004 snippet 2.3, ε inside the root): c ← c + g²; θ ← θ − α_t g / √(c + ε).
 * `options.eps` (ε ≥ 0) defaults to 1e-8, the snippet's.
 *
 * PyTorch's `Adagrad(params, lr, eps=ε')` (lr_decay 0, initial accumulator 0) puts ε' outside:
 * θ ← θ − lr·g / (√c + ε'), default ε' = 1e-10. No ε makes the two equal; ε = ε'² comes closest:
 * √(c + ε'²) lies between (√c + ε')/√2 and √c + ε', so the steps agree within a factor √2, and
 * exactly in the limit c ≫ ε'².
 */
function adagrad(lr: LearningRate, options?: AdagradOptions): Optimizer;
/** @deprecated The positional form: use `optim.adagrad(lr, { eps })`. */
function adagrad(lr: LearningRate, eps: number): Optimizer;
function adagrad(lr: LearningRate, ...rest: unknown[]): Optimizer {
  const { eps } = readSettings("adagrad", rest);
  return checked({ kind: "adagrad", lr, eps });
}

/**
 * RMSProp (seed 004 snippet 2.4): c ← ρ c + (1 − ρ) g²; θ ← θ − α_t g / (√c + ε).
 * `options.decay` (ρ, in [0, 1), default 0.99) and `options.eps` (ε ≥ 0, default 1e-8).
 *
 * The same as PyTorch's `RMSprop(params, lr, alpha=ρ, eps=ε)` (momentum 0, not centered), with the
 * same defaults.
 */
function rmsprop(lr: LearningRate, options?: RmspropOptions): Optimizer;
/** @deprecated The positional form: use `optim.rmsprop(lr, { decay, eps })`. */
function rmsprop(lr: LearningRate, decay: number, eps?: number): Optimizer;
function rmsprop(lr: LearningRate, ...rest: unknown[]): Optimizer {
  const { decay, eps } = readSettings("rmsprop", rest);
  return checked({ kind: "rmsprop", lr, decay, eps });
}

/**
 * Adam: m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²; θ ← θ − α_t m̂ / (√v̂ + ε), where
 * m̂ = m / (1 − β1^(t+1)) and v̂ = v / (1 − β2^(t+1)) are the bias-corrected moments of Kingma &
 * Ba (β^(t+1) is computed in the graph as exp((t + 1) ln β)). With `biasCorrection: false`,
 * m̂ = m and v̂ = v: exactly seed 004's snippet 2.5. `options`: beta1 (default 0.9) and beta2
 * (0.999) in [0, 1), eps ≥ 0 (1e-8); lr defaults to 0.001.
 *
 * With bias correction, the same as PyTorch's `Adam(params, lr, betas=(β1, β2), eps=ε)` (not
 * amsgrad), with the same defaults; PyTorch's step count is t + 1 here. Without it, PyTorch has no
 * counterpart.
 */
function adam(lr?: LearningRate, options?: AdamOptions): Optimizer;
function adam(lr: LearningRate = 0.001, ...rest: unknown[]): Optimizer {
  const { beta1, beta2, eps, biasCorrection } = readSettings("adam", rest);
  return checked({ kind: "adam", lr, beta1, beta2, eps, biasCorrection });
}

/**
 * The optimizers. Each takes the learning rate (a number, or a schedule from `schedule.*`) and an
 * options object of its own settings (types.ts); an unknown key is an error naming it.
 */
export const optim = { sgd, momentum, adagrad, rmsprop, adam };

/** The per-parameter slots an optimizer keeps, by suffix. */
export function slotNames(opt: Optimizer): readonly string[] {
  switch (opt.kind) {
    case "sgd":
      return [];
    case "momentum":
      return ["velocity"];
    case "adagrad":
    case "rmsprop":
      return ["cache"];
    case "adam":
      return ["m", "v"];
  }
}

/**
 * One update. `t` is the f32 step counter before this step (0 on the first call); `slots` are the
 * parameter's slot values in `slotNames` order. Returns the new parameter and new slots.
 */
export function applyUpdate(
  opt: Optimizer,
  theta: Node,
  g: Node,
  slots: readonly Node[],
  t: Node,
): { theta: Node; slots: Node[] } {
  const lr = learningRate(opt.lr, t);
  switch (opt.kind) {
    case "sgd":
      return { theta: b.sub(theta, b.mul(g, lr)), slots: [] };
    case "momentum": {
      const v = b.sub(b.mul(slots[0]!, opt.mu), b.mul(g, lr));
      return { theta: b.add(theta, v), slots: [v] };
    }
    case "adagrad": {
      const cache = b.add(slots[0]!, b.mul(g, g));
      return { theta: b.sub(theta, b.div(b.mul(g, lr), b.sqrt(b.add(cache, opt.eps)))), slots: [cache] };
    }
    case "rmsprop": {
      const cache = b.add(b.mul(slots[0]!, opt.decay), b.mul(b.mul(g, g), 1 - opt.decay));
      return { theta: b.sub(theta, b.div(b.mul(g, lr), b.add(b.sqrt(cache), opt.eps))), slots: [cache] };
    }
    case "adam": {
      const m = b.add(b.mul(slots[0]!, opt.beta1), b.mul(g, 1 - opt.beta1));
      const v = b.add(b.mul(slots[1]!, opt.beta2), b.mul(b.mul(g, g), 1 - opt.beta2));
      let mHat: Node = m;
      let vHat: Node = v;
      if (opt.biasCorrection) {
        // β^(t+1) = exp((t + 1) ln β): t is a graph value, so the power is computed in the graph
        const steps = b.add(t, 1);
        mHat = b.div(m, b.sub(1, b.exp(b.mul(steps, Math.log(opt.beta1)))));
        vHat = b.div(v, b.sub(1, b.exp(b.mul(steps, Math.log(opt.beta2)))));
      }
      return { theta: b.sub(theta, b.div(b.mul(mHat, lr), b.add(b.sqrt(vHat), opt.eps))), slots: [m, v] };
    }
  }
}
