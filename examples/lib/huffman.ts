/**
 * The Huffman tree of a vocabulary's counts, as word2vec builds it for the hierarchical softmax
 * (seed 001 §1.3.2): V leaves (the words) and V − 1 internal nodes (each with a vector of its own),
 * frequent words near the root. A word's path lists the internal nodes from the root down and the
 * turn taken at each (code bit 0 or 1), so that p(w | x) = Π_j σ(±y(node_j)ᵀ x).
 */

export interface HuffmanTree {
  /** The number of leaves (words); internal nodes are numbered 0 … V − 2, the root is V − 2. */
  readonly leaves: number;
  /** Per word: the internal nodes on its path, root first. */
  readonly points: readonly Int32Array[];
  /** Per word: the code bit at each node of its path (1: the right child, as word2vec's `code`). */
  readonly codes: readonly Uint8Array[];
  /** The longest code. */
  readonly maxLength: number;
}

/**
 * Builds the tree from positive counts by always joining the two smallest (word2vec's two-pointer
 * construction over counts sorted descending, so ties break as word2vec's do when the counts
 * come sorted). One word gives an empty path.
 */
export function huffmanTree(counts: readonly number[]): HuffmanTree {
  const V = counts.length;
  if (V === 0) throw new Error("huffmanTree: no counts");
  counts.forEach((c, i) => {
    if (!(c > 0)) throw new Error(`huffmanTree: the count of word ${i} is ${c}; counts must be positive`);
  });
  // node k < V is word order[k] (descending count); node V + j is internal node j
  const order = [...counts.keys()].sort((a, b) => counts[b]! - counts[a]! || a - b);
  // internal nodes not made yet weigh +∞, so that the leaves are taken first (word2vec's 1e15)
  const weight = new Float64Array(2 * V).fill(Infinity);
  for (let k = 0; k < V; k++) weight[k] = counts[order[k]!]!;
  const parent = new Int32Array(2 * V).fill(-1);
  const bit = new Uint8Array(2 * V);
  let leaf = V - 1; // the smallest leaf not yet joined
  let inner = V; // the smallest internal node not yet joined
  const smallest = (): number => (leaf >= 0 && weight[leaf]! < weight[inner]! ? leaf-- : inner++);
  for (let j = 0; j < V - 1; j++) {
    const a = smallest();
    const c = smallest();
    weight[V + j] = weight[a]! + weight[c]!;
    parent[a] = V + j;
    parent[c] = V + j;
    bit[c] = 1;
  }
  const root = 2 * V - 2;
  const points: Int32Array[] = new Array<Int32Array>(V);
  const codes: Uint8Array[] = new Array<Uint8Array>(V);
  let maxLength = 0;
  for (let k = 0; k < V; k++) {
    const nodes: number[] = [];
    const bits: number[] = [];
    for (let n = k; n !== root && parent[n]! >= 0; n = parent[n]!) {
      bits.push(bit[n]!);
      nodes.push(parent[n]! - V);
    }
    nodes.reverse();
    bits.reverse();
    points[order[k]!] = Int32Array.from(nodes);
    codes[order[k]!] = Uint8Array.from(bits);
    maxLength = Math.max(maxLength, nodes.length);
  }
  return { leaves: V, points, codes, maxLength };
}
