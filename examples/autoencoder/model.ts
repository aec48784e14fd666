/**
 * The slides' auto-associative network (seed 002, "Auto-associative Network"): 8 one-hot inputs,
 * 3 sigmoid hidden units, 8 sigmoid outputs, trained so that the output reproduces the input,
 * with the squared reconstruction error ‖x̂ − x‖² of the slides' sparse auto-encoder
 * (x̂ = g(W′ y + b′), y = f(W x + b)), summed over the 8 outputs and averaged over the 8 patterns.
 * The 3 hidden units must squeeze 8 patterns through: they learn a (near) 3-bit code.
 */
import { model } from "../../compiler/index.js";

export const PATTERNS = 8;
export const HIDDEN = 3;

/** The eight one-hot patterns, row by row. */
export const X: number[][] = Array.from({ length: PATTERNS }, (_, i) =>
  Array.from({ length: PATTERNS }, (_, j) => (i === j ? 1 : 0)),
);

export default model("autoencoder-8-3-8", (m) => {
  const x = m.input("x", [PATTERNS, PATTERNS]);
  const W = m.param("W", [PATTERNS, HIDDEN], { kind: "normal", mean: 0, std: 1 });
  const b = m.param("b", [HIDDEN], { kind: "zeros" });
  const W2 = m.param("W2", [HIDDEN, PATTERNS], { kind: "normal", mean: 0, std: 1 });
  const b2 = m.param("b2", [PATTERNS], { kind: "zeros" });
  const code = x.matmul(W).add(b).sigmoid();
  const out = code.matmul(W2).add(b2).sigmoid();
  m.output("code", code);
  m.output("out", out);
  m.loss(out.sub(x).square().sum(-1).mean());
});
