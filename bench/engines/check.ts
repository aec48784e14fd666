/**
 * Whether the engines, both variants and native C computed the same thing. The reference is the
 * pinned baseline of the first engine that ran the case (Node): every engine runs that variant's
 * f32 arithmetic bit for bit (test/e2e/hosts.test.ts), and a relaxed variant differs from it only
 * in the last bits (a fused multiply-add rounds once where the baseline rounds twice).
 */
import type { EnginesResults } from "./section.js";

/** The largest |got − ref| relative to the largest |ref|. */
export const CHECK_TOLERANCE = 1e-4;

export interface Agreement {
  readonly ok: boolean;
  /** e.g. "ok (2.1e-7)" or "DISAGREES (3.0e-2)". */
  readonly text: string;
}

/** The reference check values per case id. */
export function references(r: EnginesResults): Map<string, readonly number[]> {
  const refs = new Map<string, readonly number[]>();
  for (const h of r.hosts)
    for (const c of h.cases) if (!("error" in c) && !refs.has(c.id)) refs.set(c.id, c.baseline.check);
  return refs;
}

function relError(got: readonly number[], ref: readonly number[]): number {
  if (got.length !== ref.length) return Infinity;
  let diff = 0;
  let scale = 0;
  ref.forEach((x, i) => {
    diff = Math.max(diff, Math.abs(got[i]! - x));
    scale = Math.max(scale, Math.abs(x));
  });
  return Number.isFinite(diff) ? diff / Math.max(scale, 1e-30) : Infinity;
}

/** The worst of several check vectors (a row's two variants) against the reference. */
export function agreement(ref: readonly number[] | undefined, ...got: (readonly number[])[]): Agreement {
  if (!ref) return { ok: false, text: "no reference" };
  const err = Math.max(...got.map((g) => relError(g, ref)));
  const shown = err === 0 ? "0" : err.toExponential(1);
  return err <= CHECK_TOLERANCE
    ? { ok: true, text: `ok (${shown})` }
    : { ok: false, text: `DISAGREES (${shown})` };
}
