/**
 * Program: turns one cluster of the fuse pass into its `fusion` node, whose program (the format is
 * in compiler/ops/fusion.ts) holds the members in graph order, splices the programs of fusions an
 * earlier run made, and lists the extra outputs. Values from outside the cluster become operands,
 * each once, in the order the program first reads them.
 */
import type { Node } from "../../ir/node.js";
import type { FusedInstr, FusionAttrs } from "../../ops/fusion.js";
import { fusionAttrs } from "./fusible.js";
import type { Cluster } from "./state.js";

/** Builds the fusion node of cluster `c`: its members in graph order, as one program. */
export function buildFusion(
  c: Cluster,
  position: ReadonlyMap<Node, number>,
  rebuilt: ReadonlyMap<Node, Node>,
): Node {
  const members = [...c.members.keys()].sort((a, b) => position.get(a)! - position.get(b)!);
  const operands: Node[] = [];
  type Ref = { operand: number } | { instr: number };
  const instrs: { op: FusedInstr["op"]; args: Ref[]; attrs: FusedInstr["attrs"] }[] = [];
  const valueOf = new Map<Node, Ref>();
  const refOf = (i: Node): Ref => {
    const inside = valueOf.get(i);
    if (inside) return inside;
    const r = rebuilt.get(i)!;
    let k = operands.indexOf(r);
    if (k < 0) k = operands.push(r) - 1;
    return { operand: k };
  };
  for (const n of members) {
    const args = n.inputs.map(refOf);
    if (n.op !== "fusion") {
      instrs.push({ op: n.op, args, attrs: n.attrs });
    } else {
      // splice an earlier fusion's program
      const local: Ref[] = [...args];
      for (const instr of fusionAttrs(n).program) {
        instrs.push({ op: instr.op, args: instr.args.map((a) => local[a]!), attrs: instr.attrs });
        local.push({ instr: instrs.length - 1 });
      }
      valueOf.set(n, local[local.length - 1]!);
      continue;
    }
    valueOf.set(n, { instr: instrs.length - 1 });
  }
  // every other member is an ancestor of the root, so the root comes last in graph order
  const m = operands.length;
  const encode = (r: Ref) => ("operand" in r ? r.operand : m + r.instr);
  const program: FusedInstr[] = instrs.map((i) => ({ op: i.op, args: i.args.map(encode), attrs: i.attrs }));
  const attrs: FusionAttrs = { shape: [...c.root.shape], program };
  if (c.extra.length) attrs.outputs = c.extra.map((x) => encode(valueOf.get(x)!));
  return c.root.ctx.withSource(c.root.src, () => c.root.ctx.node("fusion", operands, attrs));
}
