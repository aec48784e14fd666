/**
 * Before the loop: finds, for each value of the step, what it depends on (a carry, a sequence, or
 * loop-invariants only) and, for those that depend on no carry, its computation for all T steps at
 * once outside the loop (compiler/ops/batching.ts). A sequence-dependent value computed so enters
 * the new loop as a sequence of its own; a loop-invariant one as an invariant operand.
 */
import { batchNode, type BatchOperand } from "../../ops/batching.js";
import { instr, type Analysis, type Kind, type Step } from "./step.js";

export function analyze(s: Step): Analysis {
  const { nc, nx, xs, consts } = s;
  const kind: Kind[] = s.args.map((_, i) => (i < nc ? "carry" : i < nc + nx ? "seq" : "const"));
  const outside: (BatchOperand | undefined)[] = s.args.map((_, i) =>
    i < nc
      ? undefined
      : i < nc + nx
        ? { node: xs[i - nc]!, stacked: true }
        : { node: consts[i - nc - nx]!, stacked: false },
  );
  let hoistedInstrs = 0;
  for (let v = s.nArgs; v < s.values.length; v++) {
    const ins = instr(s, v).args;
    const k: Kind = ins.some((a) => kind[a] === "carry")
      ? "carry"
      : ins.some((a) => kind[a] === "seq")
        ? "seq"
        : "const";
    kind.push(k);
    let out: BatchOperand | undefined;
    if (k !== "carry" && ins.every((a) => outside[a])) {
      const node = batchNode(
        s.values[v]!,
        ins.map((a) => outside[a]!),
        s.T,
      );
      if (node) out = { node, stacked: k === "seq" };
    }
    outside.push(out);
    if (out) hoistedInstrs++;
  }
  return { ...s, kind, outside, hoistedInstrs };
}
