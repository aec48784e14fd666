/**
 * `wasmgrad compile model.ts [-o out.wasm] [--optimizer adam --lr 0.01] [--emit wat,dot,dts,ir,plan]`:
 * compiles a model file to one self-contained .wasm, writes the requested side files, and prints
 * a summary. Through the compile cache unless --no-cache (cli/cache-options.ts): the side files
 * made from graphs and plans (dot, ir, plan) are stored with the module as artifacts, the .d.ts
 * is made from the manifest, so a hit writes every file without compiling.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { graphToDot } from "../../inspect/dot.js";
import { printGraph, relativePath } from "../../inspect/text.js";
import type { Graph } from "../../ir/graph.js";
import { MODES, type Mode } from "../../ops/mode.js";
import { planToSvg } from "../../plan/report.js";
import type { CompiledModel } from "../../pipeline/compile.js";
import { emitDts } from "../../wasm/dts.js";
import { addCacheOptions, cacheDirFor, describeCache, type CacheCliOptions } from "../cache-options.js";
import {
  compileModel,
  preloadCompiler,
  namedPlans,
  textArtifact,
  type CliCompiled,
} from "../compile-model.js";
import { describeTensorCounts, describeTraining, moduleExports, simdText } from "../describe-module.js";
import { CliError, messageOf } from "../errors.js";
import { loadModel, MODEL_FILE_HELP } from "../load-model.js";
import { optimizerFor, optimizerOption, type OptimizerName } from "../optimizers.js";
import { positiveInteger, positiveNumber } from "../options.js";
import { writeOut } from "../output.js";

export const EMIT_KINDS = ["wat", "dot", "dts", "ir", "plan"] as const;
export type EmitKind = (typeof EMIT_KINDS)[number];

export interface CompileCliOptions extends CacheCliOptions {
  readonly output?: string;
  readonly optimizer?: OptimizerName;
  readonly lr?: number;
  readonly clipNorm?: number;
  readonly forwardMode?: Mode;
  /** `--batch`: the batch size of the main entries. */
  readonly batch?: number;
  /** `--forward-batches`: further forward entries, one per batch size. */
  readonly forwardBatches?: readonly number[];
  readonly simd: boolean;
  readonly relaxedSimd?: boolean | "auto";
  readonly optimize?: boolean;
  /** The side files to write (none when undefined). */
  readonly emit?: readonly EmitKind[];
}

/** Adds `wasmgrad compile` to the program. */
export function registerCompile(program: Command): void {
  const command = program
    .command("compile")
    .description(
      "compile a model to one self-contained WebAssembly module (forward, backward and, with " +
        "--optimizer, train_step), and print a summary",
    )
    .argument("<model>", "model file (default-exports a model)")
    .option("-o, --output <file>", "the .wasm to write (default: <model name>.wasm next to the model file)")
    .addOption(optimizerOption("bake a training step with this optimizer into the module"))
    .option("--lr <rate>", "learning rate (default 0.1; 0.001 for adam)", positiveNumber("--lr"))
    .option(
      "--clip-norm <c>",
      "clip the gradients to this global norm in the training step",
      positiveNumber("--clip-norm"),
    )
    .addOption(
      new Option(
        "--forward-mode <mode>",
        "the forward entry's mode: eval (dropout off, the default) or train (Monte-Carlo dropout); " +
          "backward and train_step always train",
      ).choices(MODES),
    )
    .option(
      "--batch <n>",
      "for a model defined over { batch }: the batch size of forward, backward and train_step",
      positiveInteger("--batch"),
    )
    .option(
      "--forward-batches <sizes>",
      "for a model defined over { batch }: further forward entries in the same module, one per " +
        "batch size (a comma-separated list such as 1,8), sharing the params",
      (text: string) => text.split(",").map((t) => positiveInteger("--forward-batches")(t.trim())),
    )
    .option("--no-simd", "emit scalar code (for hosts without WebAssembly SIMD)")
    .option(
      "--relaxed-simd [auto]",
      "the relaxed-SIMD variant only (fused multiply-adds in matmuls; needs Chrome 114+, Deno, Bun or " +
        "Node 22+, and results may differ in the last bits between machines). The default, " +
        "`--relaxed-simd auto`, ships it beside the baseline in one file and the runtime picks at load",
      (value: string) => {
        if (value !== "auto") throw new InvalidArgumentError(`takes no value or 'auto', got '${value}'`);
        return "auto" as const;
      },
    )
    .option(
      "--no-relaxed-simd",
      "the baseline SIMD variant only: the same bits on every engine, and a file half the size",
    )
    .option(
      "--optimize",
      "also run binaryen's -O3 optimizer: recurrent models train about 5% faster, each compile " +
        "takes 0.3-2 s longer (default: off)",
    )
    .option("--no-optimize", "do not run binaryen's optimizer (the default)")
    .option(
      "--emit <kinds>",
      `also write <out>.wat, <out>.dot (forward and gradient graphs), <out>.d.ts (types for the ` +
        `runtime's load<...>), <out>.ir.txt (the entries' graphs) and <out>.plan.svg (the ` +
        `entries' memory plans); a comma-separated list of ` +
        `${EMIT_KINDS.join(", ")}`,
      (text: string, previous: EmitKind[] | undefined) => {
        try {
          return parseEmitList(text, previous);
        } catch (e) {
          throw new InvalidArgumentError(messageOf(e));
        }
      },
    );
  addCacheOptions(command);
  command.addHelpText("after", MODEL_FILE_HELP).action(async (file: string, opts: CompileCliOptions) => {
    process.stdout.write(await compileCommand(file, opts));
  });
}

/** `--emit wat,dot --emit ir` → ["wat", "dot", "ir"]; unknown kinds are a usage error. */
export function parseEmitList(text: string, previous: readonly EmitKind[] = []): EmitKind[] {
  const kinds = text
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(EMIT_KINDS as readonly string[]).includes(k));
  if (unknown.length || kinds.length === 0) {
    throw new CliError(
      `--emit takes a comma-separated list of ${EMIT_KINDS.join(", ")}; got '${unknown.join(",") || text}'`,
    );
  }
  return [...new Set([...previous, ...(kinds as EmitKind[])])];
}

/** Compiles a model file and writes the module and the requested side files; returns the summary. */
export async function compileCommand(file: string, opts: CompileCliOptions): Promise<string> {
  if (opts.optimizer === undefined) {
    if (opts.lr !== undefined) throw new CliError("--lr sets the optimizer's learning rate: add --optimizer");
    if (opts.clipNorm !== undefined) {
      throw new CliError("--clip-norm clips the gradients of a training step: add --optimizer");
    }
  }
  await preloadCompiler();
  const loaded = await loadModel(file);
  const { model } = loaded;
  const optimizer = optimizerFor(model, opts, "compiled");
  const cwd = process.cwd();
  const out = resolve(cwd, opts.output ?? join(dirname(loaded.path), `${fileNameFor(model.name)}.wasm`));
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new CliError(`-o '${opts.output ?? out}' is a directory; give the path of the .wasm file to write`);
  }
  const emit = new Set(opts.emit ?? []);
  const cacheDir = cacheDirFor(opts, loaded.path, cwd);
  const artifacts = Object.fromEntries(
    ARTIFACT_KINDS.filter((k) => emit.has(k)).map((k) => [artifactName(k, cwd), producer(k, cwd)]),
  );
  const { compiled, seconds } = await compileModel(
    model,
    {
      ...(optimizer && { optimizer }),
      ...(opts.clipNorm !== undefined && { clipNorm: opts.clipNorm }),
      ...(opts.forwardMode && { forwardMode: opts.forwardMode }),
      ...((opts.batch !== undefined || opts.forwardBatches) && {
        batches: {
          ...(opts.batch !== undefined && { train: opts.batch }),
          ...(opts.forwardBatches && { forward: opts.forwardBatches }),
        },
      }),
      simd: opts.simd,
      ...(opts.relaxedSimd !== undefined && { relaxedSimd: opts.relaxedSimd }),
      optimize: opts.optimize === true,
      wat: emit.has("wat"),
    },
    { cacheDir, artifacts },
  );
  const written = writeCompiled(compiled, out, emit, cwd);
  const m = compiled.manifest;
  return [
    `compiled model '${model.name}' (${loaded.displayPath}) in ${seconds.toFixed(2)} s`,
    `  module   ${compiled.wasm.length} bytes (${[simdText(m), ...(opts.optimize ? ["binaryen -O3"] : [])].join(", ")})`,
    `  train    ${describeTraining(m)}`,
    `  exports  ${moduleExports(compiled.wasm).join(", ")}`,
    `  memory   ${m.memoryBytes} bytes`,
    `  tensors  ${describeTensorCounts(m.tensors)}`,
    `  wrote    ${written.join(", ")}`,
    `  cache    ${describeCache(compiled.cache, cwd)}`,
    ``,
  ].join("\n");
}

/** A model name as a file name: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
function fileNameFor(modelName: string): string {
  const name = modelName.replaceAll(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return name || "model";
}

/**
 * The --emit kinds made from the full compile's graphs and plans, stored as cache artifacts.
 * The graphs' texts show source paths relative to the working directory, so their artifact
 * names carry it: compiling from another directory makes (and stores) them again.
 */
const ARTIFACT_KINDS = ["dot", "ir", "plan"] as const satisfies readonly EmitKind[];
type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

const artifactName = (kind: ArtifactKind, cwd: string): string => (kind === "plan" ? kind : `${kind} ${cwd}`);

function producer(kind: ArtifactKind, cwd: string): (compiled: CompiledModel) => string {
  switch (kind) {
    case "dot":
      return (compiled) => {
        const name = compiled.manifest.model;
        const { forward, backward } = compiled.graphs;
        const dot = [graphToDot(renamed(forward, `${name} forward`), { cwd })];
        if (backward) dot.push(graphToDot(renamed(backward, `${name} gradient`), { cwd }));
        return dot.join("\n");
      };
    case "ir":
      return (compiled) => entryGraphsText(compiled, cwd);
    case "plan":
      return (compiled) => planToSvg(namedPlans(compiled), `memory plan of ${compiled.manifest.model}`);
  }
}

/**
 * Writes the module to `out` and each side file in `emit` beside it; returns what it wrote: the
 * module relative to the working directory, the side files by name.
 */
function writeCompiled(
  compiled: CliCompiled,
  out: string,
  emit: ReadonlySet<EmitKind>,
  cwd: string,
): string[] {
  const written: string[] = [];
  const write = (path: string, data: string | Uint8Array) => {
    writeOut(path, data);
    written.push(written.length === 0 ? relativePath(path, cwd) : basename(path));
  };
  write(out, compiled.wasm);
  const base = extname(out) === ".wasm" ? out.slice(0, -".wasm".length) : out;
  if (emit.has("wat")) write(`${base}.wat`, compiled.wat ?? "");
  const artifact = (kind: ArtifactKind) => textArtifact(compiled, artifactName(kind, cwd));
  if (emit.has("dot")) write(`${base}.dot`, artifact("dot"));
  if (emit.has("dts")) write(`${base}.d.ts`, emitDts(compiled.manifest));
  if (emit.has("plan")) write(`${base}.plan.svg`, artifact("plan"));
  if (emit.has("ir")) write(`${base}.ir.txt`, artifact("ir"));
  return written;
}

/** A graph under another name (for a second digraph in one DOT file). */
function renamed(g: Graph, name: string): Graph {
  return { ...g, name };
}

/** `--emit ir`: each entry's graph as text under a title line. */
function entryGraphsText(compiled: CompiledModel, cwd: string): string {
  const { forward, backward, train } = compiled.graphs;
  const sections: [string, Graph | undefined][] = [
    ["forward: the user outputs (export forward)", forward],
    ["backward: the loss and d loss / d each param (export backward)", backward],
    ["train: one optimizer step, the updates of params and states (export train_step)", train],
  ];
  return sections
    .filter((s): s is [string, Graph] => s[1] !== undefined)
    .map(([title, g]) => `# ${title}\n${printGraph(g, { cwd })}`)
    .join("\n");
}
