/**
 * Agreement with the plain-JS reference, checked before timing. A peer that disagrees is still
 * timed, but it is reported as disagreeing and left out of the ratios.
 */
import type { F32, Params, TrainCheck } from "./types.js";

export const TOLERANCE = {
  /** W1: relative error of the losses of steps 1, 2 and 3 (step 2 sees the first update). */
  w1Loss: 1e-4,
  /** W1: error of the first update (params after step 1 minus initial params), relative to the
   * largest reference update of that tensor. */
  w1Update: 1e-3,
  /** W2: relative error of the losses of steps 1, 2 and 3. */
  w2Loss: 1e-4,
  /** W2: error of the first update of each of Wx, Wh, bh, Wy, by, relative to the largest
   * reference update of that tensor (32 steps of f32 recurrence forward and backward). */
  w2Update: 1e-3,
  /** W3: absolute error of each probability. */
  w3Output: 1e-5,
  /** W4: largest |ΔC| relative to the largest |C|. */
  w4Result: 1e-4,
  /** W6: relative error of the losses of steps 1, 2 and 3. */
  w6Loss: 1e-4,
  /** W6: error of the first update of each of the ten tensors, relative to its largest reference
   * update (sums of up to 32 · 28 · 28 products in f32, in each peer's order). */
  w6Update: 1e-3,
} as const;

export interface Agreement {
  readonly ok: boolean;
  /** Short description of the worst errors, e.g. "loss 3e-7, update 2e-6". */
  readonly summary: string;
}

function finite(xs: ArrayLike<number>): boolean {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i]!)) return false;
  return true;
}

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const fmt = (x: number) => (x === 0 ? "0" : x.toExponential(1));

/** W1, W2 and W6: the losses of steps 1–3 and the first update of every parameter. */
function compareTrain(
  ref: TrainCheck,
  got: TrainCheck,
  initial: Params,
  tol: { loss: number; update: number },
): Agreement {
  if (got.losses.length !== ref.losses.length || !finite(got.losses)) {
    return { ok: false, summary: `losses ${got.losses.map((l) => l.toPrecision(6)).join(", ")}` };
  }
  let lossErr = 0;
  ref.losses.forEach((r, i) => (lossErr = Math.max(lossErr, Math.abs(got.losses[i]! - r) / Math.abs(r))));
  let updateErr = 0;
  for (const [k, init] of Object.entries(initial)) {
    const r = ref.paramsAfter1[k]!;
    const g = got.paramsAfter1[k];
    if (!g || g.length !== r.length || !finite(g))
      return { ok: false, summary: `param ${k} missing or not finite` };
    const refDelta = new Float64Array(r.length);
    const gotDelta = new Float64Array(r.length);
    for (let i = 0; i < r.length; i++) {
      refDelta[i] = r[i]! - init[i]!;
      gotDelta[i] = g[i]! - init[i]!;
    }
    updateErr = Math.max(updateErr, maxAbsDiff(gotDelta, refDelta) / Math.max(maxAbs(refDelta), 1e-30));
  }
  const ok = lossErr <= tol.loss && updateErr <= tol.update;
  return { ok, summary: `loss ${fmt(lossErr)}, update ${fmt(updateErr)}` };
}

export function compareW1(ref: TrainCheck, got: TrainCheck, initial: Params): Agreement {
  return compareTrain(ref, got, initial, { loss: TOLERANCE.w1Loss, update: TOLERANCE.w1Update });
}

export function compareW2(ref: TrainCheck, got: TrainCheck, initial: Params): Agreement {
  return compareTrain(ref, got, initial, { loss: TOLERANCE.w2Loss, update: TOLERANCE.w2Update });
}

export function compareW6(ref: TrainCheck, got: TrainCheck, initial: Params): Agreement {
  return compareTrain(ref, got, initial, { loss: TOLERANCE.w6Loss, update: TOLERANCE.w6Update });
}

export function compareW3(ref: readonly F32[], got: readonly F32[]): Agreement {
  let err = 0;
  for (let k = 0; k < ref.length; k++) {
    const g = got[k];
    if (!g || g.length !== ref[k]!.length || !finite(g))
      return { ok: false, summary: `output ${k} wrong size or not finite` };
    err = Math.max(err, maxAbsDiff(g, ref[k]!));
  }
  return { ok: err <= TOLERANCE.w3Output, summary: `max |Δp| ${fmt(err)}` };
}

export function compareW4(ref: F32, got: F32): Agreement {
  if (got.length !== ref.length || !finite(got)) return { ok: false, summary: "wrong size or not finite" };
  const err = maxAbsDiff(got, ref) / maxAbs(ref);
  return { ok: err <= TOLERANCE.w4Result, summary: `rel ${fmt(err)}` };
}
