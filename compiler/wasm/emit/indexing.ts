/**
 * gather, scatter_add and iota. Compiled code traps on an id outside [0, rows), as the
 * interpreter raises (the runtime rejects one in an input before the call, see
 * compiler/pipeline/ids.ts, so the trap catches computed ids and ids written to the views),
 * except for a gather with `fill` and a scatter_add with `drop`, whose out-of-range ids read
 * zeros and add nothing, as in the interpreter.
 */
import { sizeOf } from "../../ir/shape.js";
import { alignUp, type Buffer } from "../../plan/layout.js";
import type { Expr, Local } from "../module.js";
import type { LowerContext } from "./context.js";
import { formatLocation } from "../../errors.js";
import type { Node } from "../../ir/node.js";

/** Registers the check of `node`'s ids (a table of `rows`) for the manifest (TrapSite). */
export function idCheckOf(c: LowerContext, node: Node, rows: number): number {
  return c.trapSite({ op: node.op, ...whereOf(node), rows, use: "table" });
}

/** The user's source line of `node`, when known, as TrapSite.where. */
export function whereOf(node: Node): { where?: string } {
  return node.src ? { where: formatLocation(node.src) } : {};
}

/** The id at `idPtr`; traps (check `site`) on one outside [0, rows) (unsigned: negatives are huge). */
function checkedId(c: LowerContext, idPtr: Expr, rows: number, site: number): Expr {
  const { f } = c;
  const id = f.local("i32");
  return f.valueBlock(
    [
      f.set(id, f.i32.load(0, 4, idPtr)),
      f.when(f.i32.ge_u(f.get(id), f.c32(rows)), [f.trap(site, f.get(id))]),
      f.get(id),
    ],
    "i32",
  );
}

/** The id at `idPtr` clamped into [0, rows): a safe address for a `fill` or `drop` kernel. */
function clampedId(c: LowerContext, idPtr: Expr, rows: number): Expr {
  const { f } = c;
  const id = f.local("i32");
  // min(max(id, 0), rows - 1) with an unsigned trick: negative ids become huge. select evaluates
  // its condition last, so the id is loaded by the first value operand
  return f.select(
    f.i32.lt_u(f.get(id), f.c32(rows)),
    f.tee(id, f.i32.load(0, 4, idPtr)),
    f.select(f.i32.lt_s(f.get(id), f.c32(0)), f.c32(0), f.c32(rows - 1)),
  );
}

/** `inRange ? n : 0` for an id in local `id` (unsigned compare: negative ids are huge). */
const ifInRange = (c: LowerContext, id: Local, rows: number, n: number, otherwise = 0): Expr =>
  c.f.select(c.f.i32.lt_u(c.f.get(id), c.f.c32(rows)), c.f.c32(n), c.f.c32(otherwise));

/** `check`: the trap site of the ids; undefined with `fill` (out-of-range ids read zeros). */
export function emitGather(c: LowerContext, table: Buffer, ids: Buffer, out: Buffer, check?: number): void {
  const fill = check === undefined;
  const { f } = c;
  const rows = table.shape[0]!;
  const width = sizeOf(table.shape.slice(1)) * 4;
  const p = f.local("i32");
  const id = f.local("i32");
  const dst = () => f.i32.add(f.c32(out.offset), f.i32.mul(f.get(p), f.c32(width)));
  const idPtr = () => f.i32.add(f.c32(ids.offset), f.i32.shl(f.get(p), f.c32(2)));
  f.emit(
    f.forLoop(p, f.c32(0), f.c32(sizeOf(ids.shape)), 1, () => {
      const row = fill ? clampedId(c, idPtr(), rows) : checkedId(c, idPtr(), rows, check);
      const src = f.i32.add(f.c32(table.offset), f.i32.mul(row, f.c32(width)));
      if (!fill) return f.memcpy(dst(), src, f.c32(width));
      // fill: the row (copy of width bytes) or zeros (fill of width bytes), without a branch
      return [
        f.set(id, f.i32.load(0, 4, idPtr())),
        f.memcpy(dst(), src, ifInRange(c, id, rows, width)),
        f.memfill(dst(), f.c32(0), ifInRange(c, id, rows, 0, width)),
      ];
    }),
  );
}

export function emitScatterAdd(
  c: LowerContext,
  ids: Buffer,
  updates: Buffer,
  out: Buffer,
  /** The trap site of the ids; undefined with `drop` (out-of-range ids add nothing). */
  check?: number,
): void {
  const { f } = c;
  const drop = check === undefined;
  const rowOf = (idPtr: Expr) => (drop ? clampedId(c, idPtr, rows) : checkedId(c, idPtr, rows, check));
  const rows = out.shape[0]!;
  const width = sizeOf(out.shape.slice(1));
  const [p, j, dst, src, id] = [
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
  ];
  const vecEnd = c.target.simd ? width - (width % 4) : 0;
  // i32 updates add as integers (wrapping), f32 updates as floats
  const int = updates.dtype !== "f32";
  const load = (p: Expr) => (int ? f.i32.load(0, 4, p) : f.f32.load(0, 4, p));
  const store = (p: Expr, v: Expr) => (int ? f.i32.store(0, 4, p, v) : f.f32.store(0, 4, p, v));
  const add = (a: Expr, v: Expr) => (int ? f.i32.add(a, v) : f.f32.add(a, v));
  const addV = (a: Expr, v: Expr) => (int ? f.i32x4.add(a, v) : f.f32x4.add(a, v));
  f.emit(
    f.memfill(f.c32(out.offset), f.c32(0), f.c32(sizeOf(out.shape) * 4)),
    f.forLoop(p, f.c32(0), f.c32(sizeOf(ids.shape)), 1, () => [
      // drop: the loops over the row end where they start for an out-of-range id
      ...(drop
        ? [f.set(id, f.i32.load(0, 4, f.i32.add(f.c32(ids.offset), f.i32.shl(f.get(p), f.c32(2)))))]
        : []),
      f.set(
        dst,
        f.i32.add(
          f.c32(out.offset),
          f.i32.mul(rowOf(f.i32.add(f.c32(ids.offset), f.i32.shl(f.get(p), f.c32(2)))), f.c32(width * 4)),
        ),
      ),
      f.set(src, f.i32.add(f.c32(updates.offset), f.i32.mul(f.get(p), f.c32(width * 4)))),
      ...(vecEnd > 0
        ? [
            f.forLoop(j, f.c32(0), drop ? ifInRange(c, id, rows, vecEnd * 4) : f.c32(vecEnd * 4), 16, () =>
              f.v128.store(
                0,
                4,
                f.i32.add(f.get(dst), f.get(j)),
                addV(
                  f.v128.load(0, 4, f.i32.add(f.get(dst), f.get(j))),
                  f.v128.load(0, 4, f.i32.add(f.get(src), f.get(j))),
                ),
              ),
            ),
          ]
        : []),
      ...(vecEnd < width
        ? [
            f.forLoop(
              j,
              f.c32(vecEnd * 4),
              drop ? ifInRange(c, id, rows, width * 4, vecEnd * 4) : f.c32(width * 4),
              4,
              () =>
                store(
                  f.i32.add(f.get(dst), f.get(j)),
                  add(load(f.i32.add(f.get(dst), f.get(j))), load(f.i32.add(f.get(src), f.get(j)))),
                ),
            ),
          ]
        : []),
    ]),
  );
}

/**
 * The scratch of a scatter_sub kernel: one accumulator row per id (a repeated row sums its
 * updates in the slot of its first occurrence), and two i32 per table row (its occurrences still
 * to come, and that slot or −1), so that the kernel touches no more than the ids' rows of anything.
 */
export function scatterSubScratchBytes(base: readonly number[], ids: readonly number[]): number {
  return alignUp(sizeOf(ids) * sizeOf(base.slice(1)) * 4) + 2 * alignUp(base[0]! * 4);
}

/**
 * out = base − α · scatter_add(ids, u) on the rows in ids only (ops/scatter_sub.ts), u being
 * updates or scale[i] · updates[i]. Two passes over the ids count each row's occurrences; the
 * third makes the one pass over the update rows:
 *   - a row that occurs once: out[row] = out[row] − (0 + u)·α at once;
 *   - a repeated row: its first occurrence starts an accumulator (0 + u), the next ones add u
 *     in ids order, and the last writes out[row] = out[row] − acc·α.
 * That rounds as the dense scatter_add then sub(θ, mul(g, α)) do (a sum from 0 in ids order, a
 * product, a difference), so the result is theirs bit for bit. `out` is `base` when the plan
 * updates in place (the param's slot); otherwise base is copied to out first. `check`: the ids'
 * trap site; undefined with `drop` (ids outside [0, rows) are skipped).
 */
export function emitScatterSub(
  c: LowerContext,
  [base, ids, updates, alpha, scale]: readonly Buffer[],
  out: Buffer,
  check?: number,
): void {
  const { f } = c;
  const simd = c.target.simd;
  const drop = check === undefined;
  const rows = base!.shape[0]!;
  const width = sizeOf(base!.shape.slice(1));
  const rowBytes = width * 4;
  const count = sizeOf(ids!.shape);
  const acc = c.scratch(scatterSubScratchBytes(base!.shape, ids!.shape));
  const remaining = acc + alignUp(count * rowBytes);
  const slots = remaining + alignUp(rows * 4);
  const i32 = () => f.local("i32");
  const [p, j, id, dst, src, slot, left] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const [a, k] = [f.local("f32"), f.local("f32")]; // α, and this id's scale
  // α and the scale on four lanes (v128 locals only in SIMD code: scalar modules may not declare one)
  const [av, kv] = simd ? [f.local("v128"), f.local("v128")] : [undefined, undefined];
  const idPtr = () => f.i32.add(f.c32(ids!.offset), f.i32.shl(f.get(p), f.c32(2)));
  const rowOf = (table: number, row: Expr) => f.i32.add(f.c32(table), f.i32.shl(row, f.c32(2)));
  const accRow = (s: Expr) => f.i32.add(f.c32(acc), f.i32.mul(s, f.c32(rowBytes)));
  const outRow = () => f.i32.add(f.c32(out.offset), f.i32.mul(f.get(id), f.c32(rowBytes)));
  /** A loop over the ids with `id` loaded (checked in the first pass), skipping dropped ones. */
  const overIds = (first: boolean, body: () => Expr[]) =>
    f.forLoop(p, f.c32(0), f.c32(count), 1, () => {
      const load = f.set(
        id,
        first && !drop ? checkedId(c, idPtr(), rows, check!) : f.i32.load(0, 4, idPtr()),
      );
      return drop ? [load, f.when(f.i32.lt_u(f.get(id), f.c32(rows)), body())] : [load, ...body()];
    });
  /** The row loop: dst[x] = op(dst[x], u[x]) with u[x] = src[x] (times the scale), four lanes at a time. */
  const rowLoop = (vector: (d: Expr, u: Expr) => Expr, scalar: (d: Expr, u: Expr) => Expr): Expr[] => {
    const vecEnd = simd ? width - (width % 4) : 0;
    const at = (ptr: Local) => f.i32.add(f.get(ptr), f.get(j));
    const uV = (o: number) =>
      scale ? f.f32x4.mul(f.get(kv!), f.v128.load(o, 4, at(src))) : f.v128.load(o, 4, at(src));
    const uS = () => (scale ? f.f32.mul(f.get(k), f.f32.load(0, 4, at(src))) : f.f32.load(0, 4, at(src)));
    // unrolled by the largest of 5, 4, 3, 2 that divides the row's vectors (V8 does not unroll)
    const vectors = vecEnd / 4;
    const unroll = [5, 4, 3, 2].find((u) => vectors % u === 0 && vectors >= u) ?? 1;
    return [
      ...(vecEnd > 0
        ? [
            f.forLoop(j, f.c32(0), f.c32(vecEnd * 4), 16 * unroll, () =>
              Array.from({ length: unroll }, (_, q) =>
                f.v128.store(16 * q, 4, at(dst), vector(f.v128.load(16 * q, 4, at(dst)), uV(16 * q))),
              ),
            ),
          ]
        : []),
      ...(vecEnd < width
        ? [
            f.forLoop(j, f.c32(vecEnd * 4), f.c32(rowBytes), 4, () =>
              f.f32.store(0, 4, at(dst), scalar(f.f32.load(0, 4, at(dst)), uS())),
            ),
          ]
        : []),
    ];
  };
  // dense scatter_add starts each row at +0: 0 + u, not u (they differ for u = −0)
  const startAcc = () =>
    rowLoop(
      (_d, u) => f.f32x4.add(f.splatF32(0), u),
      (_d, u) => f.f32.add(f.cf32(0), u),
    );
  const addAcc = () =>
    rowLoop(
      (d, u) => f.f32x4.add(d, u),
      (d, u) => f.f32.add(d, u),
    );
  // out − (0 + u)·α for a row met once; out − acc·α (src = the accumulator, no scale) at the end
  const applyOnce = () =>
    rowLoop(
      (d, u) => f.f32x4.sub(d, f.f32x4.mul(f.f32x4.add(f.splatF32(0), u), f.get(av!))),
      (d, u) => f.f32.sub(d, f.f32.mul(f.f32.add(f.cf32(0), u), f.get(a))),
    );
  const at = (ptr: Local, x: Local) => f.i32.add(f.get(ptr), f.get(x));
  const applyAcc = (): Expr[] => {
    const vecEnd = simd ? width - (width % 4) : 0;
    return [
      ...(vecEnd > 0
        ? [
            f.forLoop(j, f.c32(0), f.c32(vecEnd * 4), 16, () =>
              f.v128.store(
                0,
                4,
                at(dst, j),
                f.f32x4.sub(
                  f.v128.load(0, 4, at(dst, j)),
                  f.f32x4.mul(f.v128.load(0, 4, at(src, j)), f.get(av!)),
                ),
              ),
            ),
          ]
        : []),
      ...(vecEnd < width
        ? [
            f.forLoop(j, f.c32(vecEnd * 4), f.c32(rowBytes), 4, () =>
              f.f32.store(
                0,
                4,
                at(dst, j),
                f.f32.sub(f.f32.load(0, 4, at(dst, j)), f.f32.mul(f.f32.load(0, 4, at(src, j)), f.get(a))),
              ),
            ),
          ]
        : []),
    ];
  };
  const updateRow = () => f.i32.add(f.c32(updates!.offset), f.i32.mul(f.get(p), f.c32(rowBytes)));
  f.emit(
    ...(out.offset !== base!.offset
      ? [f.memcpy(f.c32(out.offset), f.c32(base!.offset), f.c32(sizeOf(base!.shape) * 4))]
      : []),
    f.set(a, f.f32.load(0, 4, f.c32(alpha!.offset))),
    ...(av ? [f.set(av, f.f32x4.splat(f.get(a)))] : []),
    overIds(true, () => [
      f.i32.store(0, 4, rowOf(remaining, f.get(id)), f.c32(0)),
      f.i32.store(0, 4, rowOf(slots, f.get(id)), f.c32(-1)),
    ]),
    overIds(false, () => [
      f.i32.store(
        0,
        4,
        rowOf(remaining, f.get(id)),
        f.i32.add(f.i32.load(0, 4, rowOf(remaining, f.get(id))), f.c32(1)),
      ),
    ]),
    overIds(false, () => [
      ...(scale
        ? [
            f.set(k, f.f32.load(0, 4, f.i32.add(f.c32(scale.offset), f.i32.shl(f.get(p), f.c32(2))))),
            ...(kv ? [f.set(kv, f.f32x4.splat(f.get(k)))] : []),
          ]
        : []),
      f.set(src, updateRow()),
      f.set(left, f.i32.load(0, 4, rowOf(remaining, f.get(id)))),
      f.set(slot, f.i32.load(0, 4, rowOf(slots, f.get(id)))),
      f.ifElse(
        f.i32.eq(f.get(slot), f.c32(-1)),
        [
          f.ifElse(
            f.i32.eq(f.get(left), f.c32(1)),
            // the row occurs once: apply it now
            [f.set(dst, outRow()), ...applyOnce()],
            // its first occurrence: start the accumulator in this id's slot
            [
              f.i32.store(0, 4, rowOf(slots, f.get(id)), f.get(p)),
              f.i32.store(0, 4, rowOf(remaining, f.get(id)), f.i32.sub(f.get(left), f.c32(1))),
              f.set(dst, accRow(f.get(p))),
              ...startAcc(),
            ],
          ),
        ],
        [
          f.set(dst, accRow(f.get(slot))),
          ...addAcc(),
          f.i32.store(0, 4, rowOf(remaining, f.get(id)), f.i32.sub(f.get(left), f.c32(1))),
          // its last occurrence: the sum is complete
          f.when(f.i32.eq(f.get(left), f.c32(1)), [
            f.set(src, f.get(dst)),
            f.set(dst, outRow()),
            ...applyAcc(),
          ]),
        ],
      ),
    ]),
  );
}

export function emitIota(c: LowerContext, out: Buffer, axis: number): void {
  const { f } = c;
  const stride = sizeOf(out.shape.slice(axis + 1));
  const dim = out.shape[axis]!;
  const i = f.local("i32");
  f.emit(
    f.forLoop(i, f.c32(0), f.c32(sizeOf(out.shape)), 1, () =>
      f.i32.store(
        0,
        4,
        f.i32.add(f.c32(out.offset), f.i32.shl(f.get(i), f.c32(2))),
        f.i32.rem_u(f.i32.div_u(f.get(i), f.c32(stride)), f.c32(dim)),
      ),
    ),
  );
}
