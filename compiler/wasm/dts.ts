/**
 * emitDts(manifest): a TypeScript declaration file that types the runtime's handle for one
 * compiled model. It declares the model's `ModelTypes` (the names of its inputs, outputs, params
 * and states, and which of them are i32), so that
 *
 *   import { load } from "wasmgrad/runtime";
 *   import type { Xor } from "./xor.js";          // resolves to the generated xor.d.ts
 *   const net = await load<Xor>(bytes);
 *   net.run({ x });                                // checked: `x` is required, unknown names rejected
 *   net.params.W1;                                 // Float32Array
 *
 * The file only declares types (nothing to import at run time), so it needs no `.js` beside it;
 * with `verbatimModuleSyntax`, import it with `import type`.
 */
import type { Manifest, TensorInfo, TensorRole } from "../../runtime/manifest.js";
import { WasmgradError } from "../errors.js";

export interface DtsOptions {
  /** The module specifier the declarations import the runtime's types from (default "wasmgrad/runtime"). */
  readonly runtime?: string;
  /** The name of the declared interface (default: the model's name in PascalCase, e.g. `Xor`). */
  readonly typeName?: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `xor` → `Xor`, `char-rnn 2` → `CharRnn2`; a name that does not start with a letter gets `Model`. */
export function dtsTypeName(model: string): string {
  const words = model.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return /^[A-Za-z]/.test(name) ? name : `Model${name}`;
}

/** `  key: "a" | "b";` (one member a line when long), or `never` for no names. */
function member(key: string, names: Iterable<string>): string[] {
  const literals = [...new Set(names)].map((n) => JSON.stringify(n));
  if (literals.length === 0) return [`  ${key}: never;`];
  const line = `  ${key}: ${literals.join(" | ")};`;
  if (line.length <= MAX_LINE) return [line];
  return [`  ${key}:`, ...literals.map((l, i) => `    | ${l}${i === literals.length - 1 ? ";" : ""}`)];
}

const MAX_LINE = 100;

/** ` * label: item, item, ...` wrapped at MAX_LINE, continuation lines aligned under the first item. */
function commentList(label: string, items: readonly string[]): string[] {
  const head = ` * ${label.padEnd(9)}`;
  const lines: string[] = [];
  let line = head;
  for (const [i, item] of (items.length ? items : ["none"]).entries()) {
    const text = commentSafe(item) + (i < items.length - 1 ? "," : "");
    if (line !== head && line.length + 1 + text.length > MAX_LINE) {
      lines.push(line);
      line = " *" + " ".repeat(head.length - 2);
    }
    line += (line.endsWith(" ") ? "" : " ") + text;
  }
  lines.push(line);
  return lines;
}

/** Text safe inside a block comment. */
function commentSafe(text: string): string {
  return text.replaceAll("*/", "*\\/");
}

function describeTensors(tensors: readonly TensorInfo[]): string[] {
  return tensors.map((t) => `${t.name} ${t.dtype}[${t.shape.join(",")}]`);
}

/** The optimizer's kind as recorded in the manifest, or undefined. */
function optimizerKind(manifest: Manifest): string | undefined {
  const o = manifest.options.optimizer as { kind?: unknown } | null;
  return o !== null && typeof o === "object" && typeof o.kind === "string" ? o.kind : undefined;
}

/**
 * For a module with forward entries at other dims: each entry's dims and how to reach it, then
 * the tensors of each that differ from the main entry's.
 */
function describeForwardAt(manifest: Manifest): string[] {
  const extras = manifest.entries.forwardAt ?? [];
  if (extras.length === 0) return [];
  const dims = (d: Readonly<Record<string, number>> | undefined) =>
    d
      ? `{ ${Object.entries(d)
          .map(([k, v]) => `${k}: ${v}`)
          .join(", ")} }`
      : "{}";
  const at = (d: Readonly<Record<string, number>> | undefined) =>
    d && Object.keys(d).length === 1 && "batch" in d ? `net.at(${d.batch})` : `net.at(${dims(d)})`;
  const lines = [
    ` *`,
    ` * Forward entries (run() picks the one whose input sizes match; net.at(size) chooses):`,
    ...commentList("forward", [`${dims(manifest.entries.forward.dims)} (the main entry)`]),
  ];
  for (const e of extras) {
    const own = manifest.tensors.filter((t) => t.entry === e.export);
    lines.push(...commentList(e.export, [`${dims(e.dims)} (${at(e.dims)})`, ...describeTensors(own)]));
  }
  return lines;
}

/** The `.d.ts` text for a compiled model; deterministic for a given manifest. */
export function emitDts(manifest: Manifest, options: DtsOptions = {}): string {
  const typeName = options.typeName ?? dtsTypeName(manifest.model);
  if (!IDENTIFIER.test(typeName)) {
    throw new WasmgradError(`emitDts: the type name '${typeName}' is not a TypeScript identifier`);
  }
  const runtime = options.runtime ?? "wasmgrad/runtime";
  // the main entries' tensors; those of forward entries at other dims have the same names
  const byRole = (role: TensorRole) => manifest.tensors.filter((t) => t.role === role && !t.entry);
  const inputs = byRole("input");
  const outputs = byRole("output");
  const params = byRole("param");
  const states = byRole("state");
  const { forward, backward, train } = manifest.entries;
  const lossInputs = backward || train ? [...(backward?.inputs ?? []), ...(train?.inputs ?? [])] : undefined;
  const i32 = manifest.tensors.filter((t) => t.dtype === "i32").map((t) => t.name);

  const what = [
    optimizerKind(manifest) ?? (backward ? "no optimizer" : "no loss"),
    manifest.options.simd ? "simd" : "no simd",
  ].join(", ");
  const calls = ["run()", ...(backward ? ["grad()"] : []), ...(train ? ["train()"] : [])].join(", ");
  const lines = [
    `// Generated by wasmgrad ${commentSafe(manifest.compilerVersion)} from model ${commentSafe(JSON.stringify(manifest.model))}. Do not edit:`,
    `// regenerate with \`wasmgrad compile --emit dts\`.`,
    `import type { ModelTypes, Net } from ${JSON.stringify(runtime)};`,
    ``,
    `/**`,
    ` * The names and dtypes of model ${commentSafe(JSON.stringify(manifest.model))} (${what}), for a typed handle:`,
    ` * \`const net = await load<${typeName}>(bytes)\`. The module supports ${calls}.`,
    ` *`,
    ...commentList("inputs:", describeTensors(inputs)),
    ...commentList("outputs:", describeTensors(outputs)),
    ...commentList("params:", describeTensors(params)),
    ...(states.length ? commentList("states:", describeTensors(states)) : []),
    ...describeForwardAt(manifest),
    ` */`,
    `export interface ${typeName} extends ModelTypes {`,
    ...member(
      "inputs",
      inputs.map((t) => t.name),
    ),
    `  /** The inputs \`run()\` requires. */`,
    ...member("forwardInputs", forward.inputs),
    ...(lossInputs
      ? [`  /** The inputs \`grad()\` and \`train()\` require. */`, ...member("lossInputs", lossInputs)]
      : []),
    ...member(
      "outputs",
      outputs.map((t) => t.name),
    ),
    ...member(
      "params",
      params.map((t) => t.name),
    ),
    ...member(
      "states",
      states.map((t) => t.name),
    ),
    `  /** The tensors held as Int32Array; every other one is a Float32Array. */`,
    ...member("i32", i32),
    `}`,
    ``,
    `/** A loaded ${commentSafe(JSON.stringify(manifest.model))} module. */`,
    `export type ${typeName}Net = Net<${typeName}>;`,
    ``,
  ];
  return lines.join("\n");
}
