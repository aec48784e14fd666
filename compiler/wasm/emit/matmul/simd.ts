/**
 * The SIMD matmul core: a register-blocked micro-kernel computes a tile of C (plan.mr rows ×
 * plan.nv vectors of 4 columns, 4×8 by default) in f32x4 accumulators, looping row block → column
 * panel. Per k step it loads one row segment of B' (nv vectors) and splats one element of A' per
 * row (v128.load32_splat), so a transposed A is read with a different stride: in place, or from
 * the contiguous slab its full row block was copied to (plan.aSlab, ./pack.ts). B' is read in
 * place, from packed panels, or (last N % 4 columns) from the zero-padded tail panel; see
 * MatmulPlan.packB. The tile's stores run the epilogue on the accumulators (./stores.ts).
 */
import type { Expr, Local } from "../../module.js";
import type { LowerContext } from "../context.js";
import type { Core, ScratchAddresses } from "./core.js";
import { packB, packSlab } from "./pack.js";
import type { MatmulPlan } from "./plan.js";
import type { Stores } from "./stores.js";

/** Where a tile reads B' from: in place, in place while packing it, a packed panel, the tail panel. */
type From = "b" | "b+pack" | "panel" | "tail";

/** The registers of one tile and how its pointers step per k. */
interface TileRegs {
  readonly acc: readonly (readonly Local[])[];
  readonly bv: readonly Local[];
  readonly av: Local;
  readonly from: From;
  /** Bytes per k step along B' and along A'(rows: between rows; k: per k step). */
  readonly bStep: number;
  readonly aStep: { readonly row: number; readonly k: number };
}

/**
 * Emits C = op(A)·op(B) for the batch element at aBase, bBase: packs B (when the plan says so),
 * then every row block's column panels. Returns the statements.
 */
export function simdCore(
  c: LowerContext,
  plan: MatmulPlan,
  scratch: ScratchAddresses,
  aBase: Local,
  bBase: Local,
  stores: Stores,
): Expr[] {
  const { f } = c;
  const core: Core = {
    c,
    plan,
    scratch,
    aBase,
    bBase,
    stores,
    i0: f.local("i32"),
    j0: f.local("i32"),
    k: f.local("i32"),
    pa: f.local("i32"),
    pb: f.local("i32"),
    pEnd: f.local("i32"),
    pp: f.local("i32"),
  };
  const { M, mr: MR, fullRows: M4 } = plan;
  const { i0 } = core;
  return [
    ...packB(core),
    ...(plan.packAsWeGo
      ? // the first row block (a full one) packs
        [
          f.set(i0, f.c32(0)),
          ...columns(core, MR, true),
          f.forLoop(i0, f.c32(MR), f.c32(M4), MR, () => columns(core, MR)),
        ]
      : M4 > 0
        ? [f.forLoop(i0, f.c32(0), f.c32(M4), MR, () => columns(core, MR))]
        : []),
    ...(M4 < M ? [f.set(i0, f.c32(M4)), ...columns(core, M - M4)] : []),
  ];
}

/** Every column panel of the row block at i0, mr rows high (the first block packs, see MatmulPlan.packAsWeGo). */
function columns(core: Core, mr: number, first = false): Expr[] {
  return [...packSlab(core, mr), ...panels(core, mr, first)];
}

/** The tiles of one row block: full panels, then the remaining full vectors, then the tail panel. */
function panels(core: Core, mr: number, first: boolean): Expr[] {
  const { f } = core.c;
  const { plan, j0 } = core;
  const { N, vectorColumns: N4 } = plan;
  // B read in place: with fewer rows, a wider tile (more independent accumulators; see
  // MatmulTuning.wide) in the same registers
  const nv = plan.packB === "none" ? plan.inPlaceVectors[mr - 1]! : plan.nv;
  const W = 4 * nv;
  const NW = plan.packB === "none" ? N4 - (N4 % W) : plan.panelColumns;
  const from: From = plan.packB === "none" ? "b" : first && plan.packAsWeGo ? "b+pack" : "panel";
  // the full vectors after the last full panel: in the gathered panels, or B in place
  const rest: From = plan.packB === "gather" ? "panel" : "b";
  return [
    ...(NW > 0 ? [f.forLoop(j0, f.c32(0), f.c32(NW), W, () => tile(core, mr, nv, from))] : []),
    ...(N4 > NW ? [f.set(j0, f.c32(NW)), ...tile(core, mr, (N4 - NW) / 4, rest)] : []),
    ...(N4 < N ? [f.set(j0, f.c32(N4)), ...tile(core, mr, 1, "tail", N - N4)] : []),
  ];
}

/**
 * A tile of mr rows × nv vectors (4 columns each) at (i0, j0), reading B' from `from`: B' in
 * place, the packed panels, or the padded tail panel; `lanes` columns of the last vector are valid.
 */
function tile(core: Core, mr: number, nv: number, from: From, lanes = 4): Expr[] {
  const { c, plan } = core;
  const { f } = c;
  const { K, N } = plan;
  const t: TileRegs = {
    acc: Array.from({ length: mr }, () => Array.from({ length: nv }, () => f.local("v128"))),
    bv: Array.from({ length: nv }, () => f.local("v128")),
    av: f.local("v128"),
    from,
    bStep: from === "panel" ? nv * 16 : from === "tail" ? 16 : N * 4,
    // A: the slab of a full row block, or A in place
    aStep: fromSlab(core, mr) ? { row: 4, k: 16 } : plan.aStep,
  };
  // the stores are built first, so that `stores.corner` knows every access they use
  const storeExprs = t.acc.flatMap((row, r) =>
    row.flatMap((l, q) => core.stores.tile(l, r, q * 4, q === nv - 1 ? lanes : 4)),
  );
  return [
    ...(K === 0 ? t.acc.flat().map((l) => f.set(l, f.splatF32(0))) : []),
    ...tileStart(core, mr, from),
    // the first k step sets the accumulators (no zeroing, no adds), the k loop does the rest:
    // its only counter is pb, which ends at pEnd
    ...(K > 0 ? kStep(core, t, (l, a, b) => f.set(l, f.f32x4.mul(a, b))) : []),
    ...(K > 1
      ? [
          f.set(core.pEnd, f.i32.add(f.get(core.pb), f.c32((K - 1) * t.bStep))),
          f.doWhile(
            kStep(core, t, (l, a, b) => f.accumulate(l, a, b, c.target.relaxedSimd)),
            f.i32.lt_u(f.get(core.pb), f.get(core.pEnd)),
          ),
        ]
      : []),
    ...core.stores.corner(core.i0, core.j0),
    ...storeExprs,
  ];
}

/** Whether a tile of `mr` rows reads A' from the slab (a full row block of a slabbed A). */
function fromSlab(core: Core, mr: number): boolean {
  return core.scratch.aSlab !== undefined && mr === core.plan.mr;
}

/** Points pa at the tile's first row of A' (or the slab) and pb at its B' (and pp, packing). */
function tileStart(core: Core, mr: number, from: From): Expr[] {
  const { f } = core.c;
  const { plan, scratch, i0, j0 } = core;
  const { K } = plan;
  const step = plan.aStep;
  return [
    f.set(
      core.pa,
      fromSlab(core, mr)
        ? f.c32(scratch.aSlab!)
        : f.i32.add(f.get(core.aBase), f.i32.mul(f.get(i0), f.c32(step.row))),
    ),
    // packed panel j0/W starts at bPanels + (j0/W)·K·W·4 = bPanels + j0·K·4
    f.set(
      core.pb,
      from === "panel"
        ? f.i32.add(f.c32(scratch.bPanels!), f.i32.mul(f.get(j0), f.c32(K * 4)))
        : from === "tail"
          ? f.c32(scratch.tailPanel!)
          : f.i32.add(f.get(core.bBase), f.i32.shl(f.get(j0), f.c32(2))),
    ),
    ...(from === "b+pack"
      ? [f.set(core.pp, f.i32.add(f.c32(scratch.bPanels!), f.i32.mul(f.get(j0), f.c32(K * 4))))]
      : []),
  ];
}

/**
 * One k step: `next(acc, a, b)`, the statement updating each accumulator (acc = a·b on the first
 * step, then acc += a·b, fused with relaxed SIMD), then advance pa and pb; with "b+pack", the B
 * vectors read in place are also stored into the panel at pp.
 */
function kStep(core: Core, t: TileRegs, next: (l: Local, a: Expr, b: Expr) => Expr): Expr[] {
  const { f } = core.c;
  const { pa, pb, pp } = core;
  const nv = t.bv.length;
  return [
    ...t.bv.map((v, q) => f.set(v, f.v128.load(q * 16, 4, f.get(pb)))),
    ...(t.from === "b+pack"
      ? [
          ...t.bv.map((v, q) => f.v128.store(q * 16, 4, f.get(pp), f.get(v))),
          f.set(pp, f.i32.add(f.get(pp), f.c32(nv * 16))),
        ]
      : []),
    ...t.acc.flatMap((row, r) => [
      f.set(t.av, f.v128.load32_splat(r * t.aStep.row, 4, f.get(pa))),
      ...row.map((l, q) => next(l, f.get(t.av), f.get(t.bv[q]!))),
    ]),
    f.set(pa, f.i32.add(f.get(pa), f.c32(t.aStep.k))),
    f.set(pb, f.i32.add(f.get(pb), f.c32(t.bStep))),
  ];
}
