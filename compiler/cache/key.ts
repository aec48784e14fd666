/**
 * The cache key of a compile: a sha256 over everything that decides the module's bytes and the
 * artifacts stored with it, so that a changed model, option or compiler is never served a stale
 * entry:
 *
 *   - the key format (KEY_FORMAT) and the compiler's fingerprint (fingerprint.ts: version,
 *     Node.js, binaryen, kernels, every compiler and runtime module file);
 *   - the options, canonicalised (canonicalOptions): defaults filled in where compile fills them
 *     in (so `{}` and `{ simd: true }` share a key), and nothing merged that the module could tell
 *     apart (a learning rate 0.1 and `schedule.constant(0.1)` stay different: the manifest
 *     records the optimizer as given);
 *   - the model: its name, its initializers, the sections of its graph, and every node of its
 *     context, reachable or not, with op, operands, attributes, type and source line. Source lines
 *     matter: the manifest names the user's line of each trap site. Unreachable nodes matter
 *     too: hash-consing hands a node the compiler creates again the existing node, with its id
 *     and source line.
 *
 * A model's part is computed the first time the model is seen and kept for the Model object, as
 * compile adds the nodes it makes to the same context: the key stays that of the model as traced.
 * Anything that is not plain data throws Uncacheable (canonical.ts).
 */
import { createHash, type Hash } from "node:crypto";
import type { Model } from "../dsl/model.js";
import type { Node } from "../ir/node.js";
import { PASSES } from "../passes/pipeline.js";
import { COMPILE_DEFAULTS, relaxedSimdOf, type CompileOptions } from "../pipeline/options.js";
import { resolveBatches } from "../pipeline/batches.js";
import { DEFAULT_TARGET } from "../target.js";
import { canonical, Uncacheable } from "./canonical.js";

/** Bumped when what goes into a key changes meaning. */
export const KEY_FORMAT = "wasmgrad compile cache key 1";

/**
 * The options as compile reads them, defaults filled in. `wat` is left out: it asks for an extra
 * output, not another module (the cache stores the text as an artifact when asked).
 */
export function canonicalOptions(options: CompileOptions): string {
  const optLevel = options.optLevel ?? COMPILE_DEFAULTS.optLevel;
  // compile runs the passes of PASSES in their own order, those named in `passes` (all without it)
  const passes =
    optLevel === 0
      ? null
      : PASSES.map((p) => p.name).filter((n) => !options.passes || options.passes.includes(n));
  return canonical(
    {
      optimizer: options.optimizer ?? null,
      clipNorm: options.clipNorm ?? null,
      forwardMode: options.forwardMode ?? COMPILE_DEFAULTS.forwardMode,
      batches: options.batches ?? null,
      simd: options.simd ?? DEFAULT_TARGET.simd,
      relaxedSimd: relaxedSimdOf(options),
      optimize: options.optimize ?? COMPILE_DEFAULTS.optimize,
      optLevel,
      passes,
    },
    "options",
  );
}

const modelParts = new WeakMap<Model, string | Uncacheable>();

/** The hex sha256 of the model's part of the key (see the file comment); throws Uncacheable. */
export function modelDigest(mdl: Model): string {
  let part = modelParts.get(mdl);
  if (part === undefined) {
    try {
      part = hashModel(mdl);
    } catch (e) {
      if (!(e instanceof Uncacheable)) throw e;
      part = e;
    }
    modelParts.set(mdl, part);
  }
  if (part instanceof Uncacheable) throw part;
  return part;
}

function hashModel(mdl: Model): string {
  const h = createHash("sha256");
  const line = (text: string) => h.update(`${text}\n`);
  line(`model ${JSON.stringify(mdl.name)}`);
  const g = mdl.graph;
  const ctx = g.outputs.values().next().value?.ctx ?? [...g.inputs, ...g.params, ...g.states][0]?.ctx;
  if (ctx === undefined) throw new Uncacheable(`model '${mdl.name}' has no nodes`);
  if (typeof ctx.nodes !== "function") {
    throw new Uncacheable(`model '${mdl.name}' was built by a wasmgrad without Context.nodes()`);
  }
  for (const n of ctx.nodes()) hashNode(h, n);
  const ids = (xs: Iterable<Node>) => [...xs].map((n) => n.id).join(",");
  const named = (m: ReadonlyMap<string, Node>) =>
    [...m].map(([k, n]) => `${JSON.stringify(k)}=${n.id}`).join(",");
  line(`inputs ${ids(g.inputs)}`);
  line(`params ${ids(g.params)}`);
  line(`states ${ids(g.states)}`);
  line(`outputs ${named(g.outputs)}`);
  line(`grads ${named(g.grads)}`);
  line(`updates ${named(g.updates)}`);
  for (const [name, init] of mdl.initializers) {
    line(`init ${JSON.stringify(name)} ${canonical(init, `the initializer of param '${name}'`)}`);
  }
  return h.digest("hex");
}

function hashNode(h: Hash, n: Node): void {
  const src = n.src ? `${JSON.stringify(n.src.file)}:${n.src.line}:${n.src.column}` : "-";
  const attrs = canonical(n.attrs, `the attributes of node %${n.id} (${n.op})`);
  h.update(
    `%${n.id} ${n.op}(${n.inputs.map((i) => i.id).join(",")}) ${attrs} ${n.dtype}[${n.shape.join(",")}] ${src}\n`,
  );
}

/** The key of compiling `mdl` with `options` by the compiler `fingerprint` (hex sha256); throws Uncacheable. */
export function cacheKey(mdl: Model, options: CompileOptions, fingerprint: string): string {
  // each size of `batches` is a trace of its own, whose nodes decide the module too
  const { primary, extras } = resolveBatches(mdl, options.batches);
  const traces = [primary, ...extras.map((x) => x.model)].map(modelDigest).join(" ");
  return createHash("sha256")
    .update(`${KEY_FORMAT}\ncompiler ${fingerprint}\noptions ${canonicalOptions(options)}\nmodel ${traces}\n`)
    .digest("hex");
}
