/**
 * The matmul kernel's stores: each value of the product goes through the epilogue (a fusion's, or
 * the identity) and into every output. The epilogue's operands are read at the position of the
 * element being stored, so an output may be written over such an operand.
 *
 * Every access the stores make (outputs, epilogue operands) gets a local holding its position at
 * the current batch element (`sites`, set by the caller once per batch element). In the SIMD tiles,
 * each access is also positioned at the tile's corner (i0, j0) once per tile, and every store is
 * that pointer plus a constant offset: no address arithmetic per store.
 */
import type { Buffer } from "../../../plan/layout.js";
import type { Expr, FnBuilder, Local } from "../../module.js";
import { contiguousStrides, immediate, loadElement, type Access, type MapOperand } from "../map.js";
import type { Results } from "../reduce.js";

/**
 * What happens to the product before it is stored (a fusion's epilogue, see emit/fusion.ts): the
 * values written into each output at the current element (or, `vector`, four columns), computed
 * from the product `acc`; `load(o)` reads an epilogue operand there (its strides are over the
 * product's shape; 0 or 1 along the columns).
 */
export interface Epilogue {
  /** Whether every instruction has a vector form; if not, tiles are stored lane by lane. */
  readonly vectorizable: boolean;
  apply(acc: Expr, load: (o: MapOperand) => Expr, vector: boolean): Results;
}

/** The epilogue of a plain matmul: the product itself, into its one output. */
export const IDENTITY: Epilogue = { vectorizable: true, apply: (acc) => ({ stmts: [], results: [acc] }) };

/**
 * How the cores store results: a tile vector at (r, c) from the tile's corner (`lanes` valid
 * columns), after `corner` has positioned every access the tile stores use at the corner (i0, j0);
 * or one scalar anywhere.
 */
export interface Stores {
  tile(acc: Local, r: number, c: number, lanes: number): Expr[];
  corner(i0: Local, j0: Local): Expr[];
  scalar(acc: Expr, row: () => Expr, col: () => Expr): Expr[];
}

/** The stores of one matmul kernel, and what the caller must know to position them. */
export interface TileStores {
  readonly stores: Stores;
  /** The outputs, as accesses over the product's shape. */
  readonly outAccess: readonly Access[];
  /**
   * Every access the stores use, with the local holding its position at the current batch element;
   * complete once the core has been built.
   */
  readonly sites: ReadonlyMap<Access, Local>;
  /** Byte address of access `o` at (row, col) of the current batch element. */
  at(o: Access, row: Expr, col: Expr): Expr;
}

/** Where an element is: anywhere (row and column expressions), or (r, c) from the tile's corner. */
type Place = { row: () => Expr; col: () => Expr } | { r: number; c: number };

/** Memoizes one i32 local per access, made on first use. */
function localsPerAccess(f: FnBuilder): { map: Map<Access, Local>; of(o: Access): Local } {
  const map = new Map<Access, Local>();
  return {
    map,
    of: (o) => {
      let l = map.get(o);
      if (!l) map.set(o, (l = f.local("i32")));
      return l;
    },
  };
}

/** A store of `v` (4 lanes when `vector`) at pointer `p` + constant offset `off`. */
function store(f: FnBuilder, o: Access, [p, off]: [Expr, number], v: Expr, vector: boolean): Expr {
  if (vector) return f.v128.store(off, 4, p, v);
  return o.dtype === "f32" ? f.f32.store(off, 4, p, v) : f.i32.store(off, 4, p, v);
}

/**
 * The stores of a matmul writing `outs` (all of the product's shape, rank `rank`) through
 * `epilogue` (undefined: the product into its one output).
 */
export function tileStores(
  f: FnBuilder,
  outs: readonly Buffer[],
  epilogue: Epilogue | undefined,
): TileStores {
  const rank = outs[0]!.shape.length;
  const sites = localsPerAccess(f);
  const corners = localsPerAccess(f);
  const outAccess: Access[] = outs.map((o) => ({
    base: o.offset,
    strides: contiguousStrides(o.shape),
    dtype: o.dtype,
  }));
  const at = (o: Access, row: Expr, col: Expr): Expr =>
    f.i32.add(
      f.get(sites.of(o)),
      f.i32.add(
        f.i32.mul(row, f.c32(o.strides[rank - 2]! * 4)),
        f.i32.mul(col, f.c32(o.strides[rank - 1]! * 4)),
      ),
    );
  /** Pointer and constant offset of access `o` at `place`. */
  const addressOf = (o: Access, place: Place): [Expr, number] =>
    "r" in place
      ? [f.get(corners.of(o)), (place.r * o.strides[rank - 2]! + place.c * o.strides[rank - 1]!) * 4]
      : [at(o, place.row(), place.col()), 0];
  /** Stores the (epilogue of the) product value `acc` at `place`: 4 columns when `vector`. */
  const put = (acc: Expr, place: Place, vector: boolean): Expr[] => {
    const epi = epilogue ?? IDENTITY;
    const load = (o: MapOperand): Expr => {
      if (!("base" in o)) return immediate(f, o.dtype, o.immediate, vector);
      const [p, off] = addressOf(o, place);
      return loadElement(f, o.dtype, p, vector, o.strides[rank - 1] === 0, off);
    };
    const { stmts, results } = epi.apply(acc, load, vector);
    return [...stmts, ...outAccess.map((o, k) => store(f, o, addressOf(o, place), results[k]!, vector))];
  };
  const stores: Stores = {
    tile: (acc, r, c, lanes) => {
      if (lanes === 4 && (epilogue?.vectorizable ?? true)) return put(f.get(acc), { r, c }, true);
      return Array.from({ length: lanes }, (_, l) =>
        put(f.f32x4.extract_lane(f.get(acc), l), { r, c: c + l }, false),
      ).flat();
    },
    corner: (i0, j0) => [...corners.map].map(([o, l]) => f.set(l, at(o, f.get(i0), f.get(j0)))),
    scalar: (acc, row, col) => put(acc, { row, col }, false),
  };
  return { stores, outAccess, sites: sites.map, at };
}
