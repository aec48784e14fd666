/**
 * Optimizers as ordinary graph ops (seed 004 §2.7–2.9): each turns a parameter, its gradient and
 * its slots (optimizer state) into their next values. The compiler fuses and lowers these like
 * any other op, so a training step is one graph.
 */
import { WasmgradError } from "../errors.js";
import * as b from "../ir/build.js";
import type { Node } from "../ir/node.js";
import { learningRate } from "./schedules.js";
import type { LearningRate, Optimizer } from "./types.js";
import { checkOptimizer, show } from "./validate.js";

export type { Optimizer } from "./types.js";

/** Every constructor checks its settings at once (optim/validate.ts): a bad one is an error naming it. */
const checked = (opt: Optimizer): Optimizer => checkOptimizer(undefined, opt);

export const optim = {
  /** θ ← θ − α g */
  sgd: (lr: LearningRate): Optimizer => checked({ kind: "sgd", lr }),
  /** v ← μ v − α g; θ ← θ + v (seed 004 snippet 2.2); μ in [0, 1) */
  momentum: (lr: LearningRate, mu = 0.9): Optimizer => checked({ kind: "momentum", lr, mu }),
  /** c ← c + g²; θ ← θ − α g / √(c + ε) (snippet 2.3: ε inside the root) */
  adagrad: (lr: LearningRate, eps = 1e-8): Optimizer => checked({ kind: "adagrad", lr, eps }),
  /** c ← ρ c + (1 − ρ) g²; θ ← θ − α g / (√c + ε) (snippet 2.4); ρ in [0, 1) */
  rmsprop: (lr: LearningRate, decay = 0.99, eps = 1e-8): Optimizer =>
    checked({ kind: "rmsprop", lr, decay, eps }),
  /**
   * m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²; θ ← θ − α m̂ / (√v̂ + ε), where m̂, v̂ are the
   * bias-corrected moments m/(1 − β1^t), v/(1 − β2^t) of Kingma & Ba. With biasCorrection false
   * it is exactly snippet 2.5 of seed 004 (m and v used as they are).
   */
  adam: (
    lr: LearningRate = 0.001,
    options: { beta1?: number; beta2?: number; eps?: number; biasCorrection?: boolean } = {},
  ): Optimizer => {
    if (typeof options !== "object" || options === null)
      throw new WasmgradError(`options must be an object such as { beta1: 0.9 }, got ${show(options)}`, {
        op: "optim.adam",
      });
    return checked({
      kind: "adam",
      lr,
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.999,
      eps: options.eps ?? 1e-8,
      biasCorrection: options.biasCorrection ?? true,
    });
  },
};

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
