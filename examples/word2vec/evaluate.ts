/**
 * What the vectors are worth, computed the same way for wasmgrad's and word2vec.c's:
 * - `tagScore`: each word type's most frequent (coarse) Brown tag (corpus.ts `typeTags`) is
 *   predicted by the majority vote of its 5 nearest neighbours by cosine among the other types.
 *   Held out: every `every`-th type of the vocabulary by rank (ranks 1, 1 + every, …; "</s>" and
 *   untagged types excluded); the neighbours are searched among the types not held out. A tied
 *   vote goes to the tag whose voters have the larger summed cosine. The baseline is the
 *   majority rate: always predicting the most common tag of the types searched among.
 * - `nearest`: a word's nearest neighbours by cosine.
 * - `pca2`: the first two principal components of some rows (power iteration with deflation, in
 *   float64, on the centred rows' D × D covariance).
 * - `readTextVectors`: word2vec.c's `-binary 0` output.
 */

/** Rows scaled to unit length (a zero row stays zero), in float64-free Float32Array. */
export function normalizeRows(vectors: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(vectors.length);
  for (let r = 0; r < vectors.length / dim; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += vectors[r * dim + j]! ** 2;
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) out[r * dim + j] = vectors[r * dim + j]! * k;
  }
  return out;
}

function dot(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 4 <= dim; k += 4) {
    s0 += a[i + k]! * b[j + k]!;
    s1 += a[i + k + 1]! * b[j + k + 1]!;
    s2 += a[i + k + 2]! * b[j + k + 2]!;
    s3 += a[i + k + 3]! * b[j + k + 3]!;
  }
  for (; k < dim; k++) s0 += a[i + k]! * b[j + k]!;
  return s0 + s1 + s2 + s3;
}

/** The `k` rows among `candidates` most similar to row `row` of unit rows `unit`, best first. */
export function nearest(
  unit: Float32Array,
  dim: number,
  row: number,
  candidates: ArrayLike<number>,
  k: number,
): { id: number; cosine: number }[] {
  const best: { id: number; cosine: number }[] = [];
  for (let c = 0; c < candidates.length; c++) {
    const id = candidates[c]!;
    if (id === row) continue;
    const cosine = dot(unit, row * dim, unit, id * dim, dim);
    if (best.length === k && cosine <= best[k - 1]!.cosine) continue;
    let at = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push({ id, cosine });
    while (at > 0 && best[at - 1]!.cosine < cosine) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = { id, cosine };
  }
  return best;
}

export interface TagScore {
  /** Held-out types scored. */
  readonly heldOut: number;
  /** Types the neighbours are searched among. */
  readonly searched: number;
  /** Fraction of held-out types whose tag the neighbours' vote gets right. */
  readonly accuracy: number;
  /** Fraction of held-out types whose tag is the most common tag of the searched types. */
  readonly majority: number;
  readonly majorityTag: string;
}

/** The held-out tag prediction score of `vectors` (V × dim, row = vocabulary id; see the header). */
export function tagScore(
  vectors: Float32Array,
  dim: number,
  tags: readonly string[],
  options: { every?: number; neighbours?: number } = {},
): TagScore {
  const every = options.every ?? 5;
  const k = options.neighbours ?? 5;
  const unit = normalizeRows(vectors, dim);
  const held: number[] = [];
  const search: number[] = [];
  for (let w = 1; w < tags.length; w++) {
    if (!tags[w]) continue;
    ((w - 1) % every === 0 ? held : search).push(w);
  }
  const tally = new Map<string, number>();
  for (const w of search) tally.set(tags[w]!, (tally.get(tags[w]!) ?? 0) + 1);
  const majorityTag = [...tally].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const searchIds = Int32Array.from(search);
  let right = 0;
  let majority = 0;
  for (const w of held) {
    const votes = new Map<string, { n: number; cos: number }>();
    for (const { id, cosine } of nearest(unit, dim, w, searchIds, k)) {
      const v = votes.get(tags[id]!) ?? { n: 0, cos: 0 };
      votes.set(tags[id]!, { n: v.n + 1, cos: v.cos + cosine });
    }
    let pick = "";
    let score = { n: -1, cos: 0 };
    for (const [t, v] of votes)
      if (v.n > score.n || (v.n === score.n && v.cos > score.cos)) [pick, score] = [t, v];
    if (pick === tags[w]) right++;
    if (majorityTag === tags[w]) majority++;
  }
  return {
    heldOut: held.length,
    searched: search.length,
    accuracy: right / held.length,
    majority: majority / held.length,
    majorityTag,
  };
}

/** The first two principal components' coordinates of rows `rows` of `vectors`. */
export function pca2(vectors: Float32Array, dim: number, rows: readonly number[]): [number, number][] {
  const n = rows.length;
  const X = new Float64Array(n * dim);
  const mean = new Float64Array(dim);
  rows.forEach((r, i) => {
    for (let j = 0; j < dim; j++) mean[j] = mean[j]! + (X[i * dim + j] = vectors[r * dim + j]!) / n;
  });
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) X[i * dim + j] = X[i * dim + j]! - mean[j]!;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < dim; a++) {
      const xa = X[i * dim + a]!;
      for (let b = 0; b < dim; b++) cov[a * dim + b] = cov[a * dim + b]! + xa * X[i * dim + b]!;
    }
  const components: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    let v = new Float64Array(dim).map((_, j) => Math.sin(j + 1 + c)); // a fixed start, not orthogonal to anything in general
    for (let it = 0; it < 500; it++) {
      const next = new Float64Array(dim);
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[a * dim + b]! * v[b]!;
        next[a] = s;
      }
      for (const u of components) {
        const proj = next.reduce((s, x, j) => s + x * u[j]!, 0);
        for (let j = 0; j < dim; j++) next[j] = next[j]! - proj * u[j]!;
      }
      const norm = Math.hypot(...next);
      if (norm === 0) break;
      for (let j = 0; j < dim; j++) next[j] = next[j]! / norm;
      const change = next.reduce((s, x, j) => s + Math.abs(x - v[j]!), 0);
      v = next;
      if (change < 1e-12) break;
    }
    components.push(v);
  }
  return rows.map((_, i) => {
    const p = components.map((u) => u.reduce((s, x, j) => s + x * X[i * dim + j]!, 0));
    return [p[0]!, p[1]!];
  });
}

/** word2vec.c's text output (`-binary 0`): "V D" then one "word x1 … xD" line per word. */
export function readTextVectors(text: string): { words: string[]; dim: number; vectors: Float32Array } {
  const lines = text.split("\n").filter((l) => l.trim());
  const [V, D] = lines[0]!.trim().split(/\s+/).map(Number) as [number, number];
  if (lines.length - 1 !== V)
    throw new Error(`word2vec vectors: the header says ${V} words, the file has ${lines.length - 1}`);
  const vectors = new Float32Array(V * D);
  const words: string[] = [];
  lines.slice(1).forEach((line, i) => {
    const parts = line.trim().split(" ");
    if (parts.length !== D + 1)
      throw new Error(`word2vec vectors: line ${i + 2} has ${parts.length - 1} numbers, not ${D}`);
    words.push(parts[0]!);
    for (let j = 0; j < D; j++) vectors[i * D + j] = Number(parts[j + 1]);
  });
  return { words, dim: D, vectors };
}

/** `vectors` (rows in the order of `words`) re-ordered to the rows of `order` (missing words: zero rows). */
export function reorderRows(
  words: readonly string[],
  vectors: Float32Array,
  dim: number,
  order: readonly string[],
): Float32Array {
  const at = new Map(words.map((w, i) => [w, i]));
  const out = new Float32Array(order.length * dim);
  order.forEach((w, i) => {
    const r = at.get(w);
    if (r !== undefined) out.set(vectors.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  return out;
}
