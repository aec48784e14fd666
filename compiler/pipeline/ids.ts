/**
 * Where the ids of a table (gather, scatter_add) and the labels of a softmax cross-entropy come
 * from, so that an out-of-range one never passes silently:
 *
 *  - an i32 **input** whose values reach them unchanged (through reshape, slice, index,
 *    transpose, broadcast, concat, pad, select, stop_gradient, and into a scan's step as a row of
 *    a sequence or as a loop-invariant value) is checked by the runtime before each call
 *    (TensorInfo.idRows), which then leaves memory untouched;
 *  - a **constant** (or iota) reaching them is checked here: out of range, it is a compile error;
 *  - anything else is **computed** (arithmetic on ids, a cast, argmax, a loop's carry): compiled
 *    code checks it as it runs and traps, and the runtime turns the trap into an error and
 *    restores the tensors (Manifest.computedIds).
 *
 * A gather with `fill` and a scatter_add with `drop` (made by the one-hot rule) accept any id:
 * out of range, it reads zeros and adds nothing, as a one-hot row of zeros does.
 */
import { WasmgradError, type SourceLocation } from "../errors.js";
import { topologicalOrder, type Graph } from "../ir/graph.js";
import type { Node } from "../ir/node.js";
import type { FusedInstr } from "../ops/fusion.js";
import { bodyValueTypes, type ScanAttrs } from "../ops/scan-body.js";
import type { TensorType } from "../ir/shape.js";

/** What the values at one use must be: a row of a table, or a class (or the ignored label). */
export interface IdRange {
  readonly rows: number;
  readonly ignore?: number;
  readonly use: "table" | "classes";
}

export interface IdSources {
  /** The inputs to check before a call, with the range their values must lie in. */
  readonly inputs: Map<Node, IdRange>;
  /** Whether some ids or labels are computed inside the module (checked as it runs). */
  readonly computed: boolean;
}

/** The ops whose results are elements of their operands (of those listed), values unchanged. */
const PASS_THROUGH: Partial<Record<string, (arity: number) => number[]>> = {
  reshape: () => [0],
  slice: () => [0],
  transpose: () => [0],
  broadcast: () => [0],
  stop_gradient: () => [0],
  pad: () => [0], // and the pad value (checked as a constant)
  concat: (n) => Array.from({ length: n }, (_, i) => i),
  select: () => [1, 2],
};

/**
 * One value being traced: its op and attrs, and each operand's value. Graph nodes and the values of
 * a loop step's program (compiler/ops/scan-body.ts) look alike this way.
 */
interface Value {
  readonly op: string;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly arity: number;
  operand(i: number): Traced;
  /** The graph node, for a value outside every loop. */
  readonly node?: Node;
}

/** A value, or one computed inside a loop that tracing cannot follow (a carry). */
type Traced = Value | "computed";

/** Where ids must lie and who needs them (for messages). */
interface Use {
  readonly range: IdRange;
  readonly op: string;
  readonly src: SourceLocation | undefined;
}

const nodeValue = (n: Node): Value => ({
  op: n.op,
  attrs: n.attrs,
  arity: n.inputs.length,
  operand: (i) => nodeValue(n.inputs[i]!),
  node: n,
});

export function idSources(g: Graph): IdSources {
  const inputs = new Map<Node, IdRange>();
  let computed = false;
  const trace = (v: Traced, use: Use): void => {
    if (v === "computed") computed = true;
    else if (v.op === "input" && v.node) inputs.set(v.node, narrower(inputs.get(v.node), use.range));
    else if (v.op === "const") {
      const values = "values" in v.attrs ? (v.attrs.values as number[]) : [v.attrs.value as number];
      for (const id of values) checkConstant(id, use);
    } else if (v.op === "iota") {
      const shape = v.attrs.shape as number[];
      checkConstant(Math.max(0, shape[v.attrs.axis as number]! - 1), use);
    } else if (PASS_THROUGH[v.op]) {
      if (v.op === "pad") checkConstant(v.attrs.value as number, use);
      for (const i of PASS_THROUGH[v.op]!(v.arity)) trace(v.operand(i), use);
    } else computed = true;
  };

  /** The uses of one op: its operands' values and types. */
  const visit = (
    op: string,
    attrs: Value["attrs"],
    operand: (i: number) => Traced,
    types: readonly TensorType[],
    src: SourceLocation | undefined,
  ): void => {
    if (op === "gather" && !attrs.fill) {
      trace(operand(1), { range: { rows: types[0]!.shape[0]!, use: "table" }, op, src });
    } else if (op === "scatter_add" && !attrs.drop) {
      trace(operand(0), { range: { rows: attrs.rows as number, use: "table" }, op, src });
    } else if (op === "scatter_sub" && !attrs.drop) {
      trace(operand(1), { range: { rows: types[0]!.shape[0]!, use: "table" }, op, src });
    } else if (op === "softmax_xent" || op === "softmax_xent_grad") {
      const rows = types[0]!.shape.at(-1)!;
      const ignore = attrs.ignore as number | undefined;
      const range: IdRange = { rows, use: "classes", ...(ignore === undefined ? {} : { ignore }) };
      trace(operand(1), { range, op: "softmaxCrossEntropy", src });
    } else if (op === "scan") {
      const scan = attrs as unknown as ScanAttrs;
      visitStep(scan, types, (k) => (k < scan.carries ? "computed" : operand(k)), src);
    }
  };

  /** The uses inside a loop's step, whose arguments are `args` (of types `argTypes`). */
  const visitStep = (
    scan: ScanAttrs,
    operandTypes: readonly TensorType[],
    args: (k: number) => Traced,
    src: SourceLocation | undefined,
  ): void => {
    const types = bodyValueTypes(operandTypes, scan);
    const first = operandTypes.length; // the program's first value
    const value = (k: number): Traced => (k < first ? args(k) : instrValue(scan.program[k - first]!));
    const instrValue = (instr: FusedInstr): Value => ({
      op: instr.op,
      attrs: instr.attrs,
      arity: instr.args.length,
      operand: (i) => value(instr.args[i]!),
    });
    for (const instr of scan.program) {
      visit(
        instr.op,
        instr.attrs,
        (i) => value(instr.args[i]!),
        instr.args.map((a) => types[a]!),
        src,
      );
    }
  };

  for (const n of topologicalOrder([...g.outputs.values()])) {
    visit(n.op, n.attrs, (i) => nodeValue(n.inputs[i]!), n.inputs, n.src);
  }
  return { inputs, computed };
}

/** The range both uses allow: the fewer rows; the ignored label only if both ignore it. */
function narrower(a: IdRange | undefined, b: IdRange): IdRange {
  if (a === undefined) return b;
  const ignore = a.ignore !== undefined && a.ignore === b.ignore ? { ignore: a.ignore } : {};
  return {
    rows: Math.min(a.rows, b.rows),
    use: a.use === "table" || b.use === "table" ? "table" : "classes",
    ...ignore,
  };
}

function checkConstant(id: number, { range, op, src }: Use): void {
  if ((id >= 0 && id < range.rows) || id === range.ignore) return;
  const what =
    range.use === "table"
      ? `the ${range.rows} rows of the table it indexes`
      : `the ${range.rows} classes [0, ${range.rows})${range.ignore === undefined ? "" : ` or the ignored label ${range.ignore}`}`;
  throw new WasmgradError(`a constant ${range.use === "table" ? "id" : "label"} ${id} is outside ${what}`, {
    op,
    ...(src ? { location: src } : {}),
  });
}
