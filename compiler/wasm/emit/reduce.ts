/**
 * reduce_sum and reduce_max. Adjacent reduced (or kept) axes are merged; then, with SIMD, either
 * the reduced innermost run is accumulated four lanes at a time and folded at the end, or, when
 * the innermost axis is kept (a column sum such as a bias gradient), four outputs are accumulated
 * at once. Summation order therefore differs from the interpreter's (f32 rounding only).
 */
import { normalizeAxes, type Shape } from "../../ir/shape.js";
import type { Buffer } from "../layout.js";
import type { Expr } from "../module.js";
import type { LowerContext } from "./context.js";
import { address, nest } from "./loops.js";
import { contiguousStrides } from "./map.js";

export function emitReduce(
  c: LowerContext,
  kind: "sum" | "max",
  input: Buffer,
  out: Buffer,
  axesAttr: readonly number[],
): void {
  const { f } = c;
  const int = input.dtype !== "f32";
  const axes = normalizeAxes(axesAttr, input.shape.length);
  // merge runs of adjacent axes of the same class; size-1 axes vanish
  const groups: { size: number; reduced: boolean }[] = [];
  input.shape.forEach((d, i) => {
    if (d === 1) return;
    const reduced = axes.includes(i);
    const last = groups[groups.length - 1];
    if (last && last.reduced === reduced) last.size *= d;
    else groups.push({ size: d, reduced });
  });
  if (groups.length === 0) groups.push({ size: 1, reduced: false });
  const shape: Shape = groups.map((g) => g.size);
  const strides = contiguousStrides(shape);
  const keptIdx = groups.flatMap((g, i) => (g.reduced ? [] : [i]));
  const redIdx = groups.flatMap((g, i) => (g.reduced ? [i] : []));
  const outStrides = contiguousStrides(keptIdx.map((i) => shape[i]!));

  const init = kind === "sum" ? 0 : int ? -(2 ** 31) : -Infinity;
  const scalarInit = () => (int ? f.c32(init) : f.cf32(init));
  const vectorInit = () => (int ? f.splatI32(init) : f.splatF32(init));
  const combine = (a: Expr, b: Expr): Expr => {
    if (kind === "sum") return int ? f.i32.add(a, b) : f.f32.add(a, b);
    if (!int) return f.f32.max(a, b);
    const [x, y] = [f.local("i32"), f.local("i32")];
    // select evaluates its condition last: the tees go in the value operands
    return f.select(f.i32.gt_s(f.get(x), f.get(y)), f.tee(x, a), f.tee(y, b));
  };
  const combineV = (a: Expr, b: Expr): Expr =>
    kind === "sum"
      ? int
        ? f.i32x4.add(a, b)
        : f.f32x4.add(a, b)
      : int
        ? f.i32x4.max_s(a, b)
        : f.f32x4.max(a, b);
  const load = (p: Expr) => (int ? f.i32.load(0, 4, p) : f.f32.load(0, 4, p));
  const store = (p: Expr, v: Expr) => (int ? f.i32.store(0, 4, p, v) : f.f32.store(0, 4, p, v));
  const type = int ? "i32" : "f32";
  const last = groups.length - 1;
  const innermost = shape[last]!;

  if (c.simd && groups[last]!.reduced && innermost >= 4) {
    // reduce a contiguous run per output element
    const outer = redIdx.slice(0, -1);
    f.emit(
      ...nest(
        f,
        keptIdx.map((i) => shape[i]!),
        (kc) => {
          const acc = f.local("v128");
          const tail = f.local(type);
          const j = f.local("i32");
          const rowBase = f.local("i32");
          const vecEnd = innermost - (innermost % 4);
          const lanes = [0, 1, 2, 3].map((l) =>
            int ? f.i32x4.extract_lane(f.get(acc), l) : f.f32x4.extract_lane(f.get(acc), l),
          );
          return [
            f.set(acc, vectorInit()),
            f.set(tail, scalarInit()),
            ...nest(
              f,
              outer.map((i) => shape[i]!),
              (rc) => [
                f.set(
                  rowBase,
                  address(
                    f,
                    address(
                      f,
                      f.c32(input.offset),
                      kc,
                      keptIdx.map((i) => strides[i]!),
                    ),
                    rc,
                    outer.map((i) => strides[i]!),
                  ),
                ),
                f.forLoop(j, f.c32(0), f.c32(vecEnd), 4, () =>
                  f.set(
                    acc,
                    combineV(
                      f.get(acc),
                      f.v128.load(0, 4, f.i32.add(f.get(rowBase), f.i32.shl(f.get(j), f.c32(2)))),
                    ),
                  ),
                ),
                ...(vecEnd < innermost
                  ? [
                      f.forLoop(j, f.c32(vecEnd), f.c32(innermost), 1, () =>
                        f.set(
                          tail,
                          combine(
                            f.get(tail),
                            load(f.i32.add(f.get(rowBase), f.i32.shl(f.get(j), f.c32(2)))),
                          ),
                        ),
                      ),
                    ]
                  : []),
              ],
            ),
            store(
              address(f, f.c32(out.offset), kc, outStrides),
              combine(combine(combine(lanes[0]!, lanes[1]!), combine(lanes[2]!, lanes[3]!)), f.get(tail)),
            ),
          ];
        },
      ),
    );
    return;
  }

  if (c.simd && !groups[last]!.reduced && innermost >= 4) {
    // the innermost axis is kept: accumulate four neighbouring outputs at once
    const outerKept = keptIdx.slice(0, -1);
    const outerKeptStrides = outerKept.map((_, k) => outStrides[k]!);
    f.emit(
      ...nest(
        f,
        outerKept.map((i) => shape[i]!),
        (kc) => {
          const j = f.local("i32");
          const vecEnd = innermost - (innermost % 4);
          const inBase = () =>
            address(
              f,
              f.c32(input.offset),
              kc,
              outerKept.map((i) => strides[i]!),
            );
          const outBase = () => address(f, f.c32(out.offset), kc, outerKeptStrides);
          const chunk = (vector: boolean): Expr[] => {
            const acc = f.local(vector ? "v128" : type);
            return [
              f.set(acc, vector ? vectorInit() : scalarInit()),
              ...nest(
                f,
                redIdx.map((i) => shape[i]!),
                (rc) => {
                  const p = f.i32.add(
                    address(
                      f,
                      inBase(),
                      rc,
                      redIdx.map((i) => strides[i]!),
                    ),
                    f.i32.shl(f.get(j), f.c32(2)),
                  );
                  return [
                    f.set(
                      acc,
                      vector ? combineV(f.get(acc), f.v128.load(0, 4, p)) : combine(f.get(acc), load(p)),
                    ),
                  ];
                },
              ),
              vector
                ? f.v128.store(0, 4, f.i32.add(outBase(), f.i32.shl(f.get(j), f.c32(2))), f.get(acc))
                : store(f.i32.add(outBase(), f.i32.shl(f.get(j), f.c32(2))), f.get(acc)),
            ];
          };
          return [
            f.forLoop(j, f.c32(0), f.c32(vecEnd), 4, () => chunk(true)),
            ...(vecEnd < innermost
              ? [f.forLoop(j, f.c32(vecEnd), f.c32(innermost), 1, () => chunk(false))]
              : []),
          ];
        },
      ),
    );
    return;
  }

  // scalar: one accumulator per output element
  f.emit(
    ...nest(
      f,
      keptIdx.map((i) => shape[i]!),
      (kc) => {
        const acc = f.local(type);
        return [
          f.set(acc, scalarInit()),
          ...nest(
            f,
            redIdx.map((i) => shape[i]!),
            (rc) => [
              f.set(
                acc,
                combine(
                  f.get(acc),
                  load(
                    address(
                      f,
                      address(
                        f,
                        f.c32(input.offset),
                        kc,
                        keptIdx.map((i) => strides[i]!),
                      ),
                      rc,
                      redIdx.map((i) => strides[i]!),
                    ),
                  ),
                ),
              ),
            ],
          ),
          store(address(f, f.c32(out.offset), kc, outStrides), f.get(acc)),
        ];
      },
    ),
  );
}
