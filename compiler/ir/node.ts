/**
 * Graph nodes: immutable and hash-consed. A `Context` (one per model) interns every node by
 * (op, input ids, attributes), so structurally equal nodes are the same object: common
 * subexpressions are shared as they are built, and node equality is a reference check.
 *
 * Invariant: a node's inputs were created before it, in the same context. Cycles therefore
 * cannot be built through this API; `checkGraph` (spec.ts) still verifies it for graphs that
 * arrive from elsewhere (deserialized IR).
 */
import { OpError, WasmgradError, formatLocation, type SourceLocation } from "../errors.js";
import type { OpDef, OpName, OpTable } from "./op.js";
import { captureUserLocation } from "./source.js";
import { typeToString, type DType, type Shape, type TensorType } from "./shape.js";

/** Attribute values are plain data so that they can be hashed, printed and serialized. */
export type AttrValue =
  number | string | boolean | null | readonly AttrValue[] | { readonly [key: string]: AttrValue };
export type Attrs = { readonly [key: string]: AttrValue };

export class Node implements TensorType {
  constructor(
    /** The model this node belongs to. */
    readonly ctx: Context,
    /** Unique within the context, increasing in creation order (so inputs have smaller ids). */
    readonly id: number,
    readonly op: OpName,
    /** The op's definition: its rules and traits (`node.def.traits.elementwise`). */
    readonly def: OpDef,
    readonly inputs: readonly Node[],
    readonly attrs: Attrs,
    readonly shape: Shape,
    readonly dtype: DType,
    /** The user's source line that first created this node (not part of its identity). */
    readonly src: SourceLocation | undefined,
  ) {
    Object.freeze(this);
  }

  toString(): string {
    return `%${this.id} = ${this.op} ${typeToString(this)}`;
  }
}

/** Canonical text of attributes: keys sorted, numbers exact (NaN, ±Infinity and -0 preserved). */
export function attrsKey(value: AttrValue): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(attrsKey).join(",")}]`;
  const obj = value as { readonly [key: string]: AttrValue };
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${attrsKey(obj[k]!)}`).join(",")}}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The node table of one model (and of every graph derived from it: gradients, passes). */
export class Context {
  private readonly interned = new Map<string, Node>();
  private nextId = 0;
  private shared = 0;
  private sourceOverride: SourceLocation | undefined;

  /**
   * `ops` is the registry nodes are created from (compiler/ops/index.ts's `OPS`); passing it in
   * keeps the IR free of imports of the op files, which themselves build nodes.
   */
  constructor(
    readonly name: string,
    readonly ops: OpTable,
  ) {}

  /** Number of distinct nodes created so far. */
  get size(): number {
    return this.nextId;
  }

  /**
   * Number of node requests answered with an existing node: the common subexpressions that
   * hash-consing removed as the graph was built (autodiff's recomputed sigmoid(z) or tanh outputs,
   * repeated constants). Reported by `wasmgrad inspect --opt`.
   */
  get sharedRequests(): number {
    return this.shared;
  }

  /**
   * Creates (or finds) the node `op(inputs; attrs)`. The op's shape rule runs at once; a
   * violation raises a WasmgradError naming the op, the operand types and the user's line.
   */
  node(op: OpName, inputs: readonly Node[], attrs: Attrs = {}): Node {
    const src = this.sourceOverride ?? captureUserLocation();
    const def = this.ops.get(op);
    if (!def) throw new WasmgradError(`unknown op '${op}'`, { location: src });
    for (const input of inputs) {
      if (input.ctx !== this) {
        throw new WasmgradError(
          `operand ${typeToString(input)} created at ${formatLocation(input.src)} belongs to ` +
            `model '${input.ctx.name}', not to model '${this.name}'; ` +
            `tensors cannot be shared between models`,
          { op, location: src },
        );
      }
    }
    const key = `${op}(${inputs.map((n) => n.id).join(",")})${attrsKey(attrs)}`;
    const existing = this.interned.get(key);
    if (existing) {
      this.shared++;
      return existing;
    }

    if (def.arity !== "variadic" && inputs.length !== def.arity) {
      throw new WasmgradError(`expects ${def.arity} operand(s), got ${inputs.length}`, {
        op,
        location: src,
      });
    }
    let type: TensorType;
    try {
      type = def.infer(inputs, attrs);
    } catch (e) {
      if (!(e instanceof OpError)) throw e;
      const operands = inputs.length ? ` (operands: ${inputs.map(typeToString).join(", ")})` : "";
      throw new WasmgradError(`${e.message}${operands}`, { op, location: src });
    }
    const node = new Node(
      this,
      this.nextId++,
      op,
      def,
      Object.freeze([...inputs]),
      deepFreeze(attrs),
      Object.freeze([...type.shape]),
      type.dtype,
      src,
    );
    this.interned.set(key, node);
    return node;
  }

  /**
   * Every node of the context in creation order (ids 0, 1, ...), reachable from a graph or not.
   * The compile cache keys on them all (compiler/cache/key.ts): a node that the compiler creates
   * again is found here, with this node's source line.
   */
  nodes(): IterableIterator<Node> {
    return this.interned.values();
  }

  /** Runs `fn` with every new node attributed to `src` (autodiff credits gradient nodes to the
   * forward node they differentiate). */
  withSource<T>(src: SourceLocation | undefined, fn: () => T): T {
    const saved = this.sourceOverride;
    this.sourceOverride = src;
    try {
      return fn();
    } finally {
      this.sourceOverride = saved;
    }
  }
}
