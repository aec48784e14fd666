/**
 * residuals: a scan whose results are a prefix of another scan's, with the same operands and the
 * same step, is that scan. A scan's VJP asks its forward loop to store extra per-step values
 * (JAX's residuals: an LSTM's gates, which would need a matmul of the carries to recompute) by
 * building the same scan with those values appended to its results. Its extra results come after
 * the others, so an extract of the plain scan reads the same elements of the augmented one: this
 * step sends every reader of the plain scan to the augmented one, and the forward loop runs once.
 *
 *   before:  %9 = scan(%h0, %X) { ...; results: [v5] }       %12 = scan(%h0, %X) { ...; results: [v5, v7] }
 *   after:   readers of %9 read %12
 *
 * A graph-level step rather than a rule: the plain scan alone cannot tell that a longer one exists.
 */
import { graphNodes, type Graph } from "../ir/graph.js";
import { attrsKey, type Node } from "../ir/node.js";
import { substitute } from "../ir/substitute.js";
import type { ScanAttrs } from "../ops/scan-body.js";

/** Scans that may be merged: the same operands and attributes but for their results. */
function identity(scan: Node): string {
  const { results: _results, ...rest } = scan.attrs as ScanAttrs;
  return `${scan.inputs.map((i) => i.id).join(",")}|${attrsKey(rest)}`;
}

const extendsResults = (longer: readonly number[], shorter: readonly number[]) =>
  longer.length > shorter.length && shorter.every((r, i) => longer[i] === r);

/** `g` with every scan whose results another scan extends replaced by that scan. */
export function mergeResidualScans(g: Graph): { graph: Graph; merged: number } {
  const groups = new Map<string, Node[]>();
  for (const n of graphNodes(g)) {
    if (n.op !== "scan") continue;
    const key = identity(n);
    groups.set(key, [...(groups.get(key) ?? []), n]);
  }
  const replacements = new Map<Node, Node>();
  for (const scans of groups.values()) {
    const results = (n: Node) => (n.attrs as ScanAttrs).results;
    for (const plain of scans) {
      // the scan storing the most results, among those extending this one's
      const target = scans
        .filter((s) => extendsResults(results(s), results(plain)))
        .sort((a, b) => results(b).length - results(a).length)[0];
      if (target) replacements.set(plain, target);
    }
  }
  if (replacements.size === 0) return { graph: g, merged: 0 };
  const rebuild = (m: ReadonlyMap<string, Node>) => {
    const names = [...m.keys()];
    const nodes = substitute([...m.values()], replacements);
    return new Map(names.map((k, i) => [k, nodes[i]!]));
  };
  const graph = { ...g, outputs: rebuild(g.outputs), grads: rebuild(g.grads), updates: rebuild(g.updates) };
  return { graph, merged: replacements.size };
}
