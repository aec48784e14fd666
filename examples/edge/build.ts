/**
 * Builds the edge example for workerd: compiles the model (model.ts) to `model.wasm` and writes it
 * into an output directory with the worker (worker.mjs), workerd's config (config.capnp, its list
 * of runtime modules brought up to date) and the built runtime files the worker imports (from
 * dist/runtime/, made by `npm run build`).
 *
 *   npx tsx examples/edge/build.ts [out-dir]          # default: out/edge/
 *   .hosts/node_modules/.bin/workerd serve out/edge/config.capnp --socket-addr http=127.0.0.1:8787
 *
 * workerd comes from `node scripts/install-test-hosts.mjs`; test/e2e/workerd.test.ts does both.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compile } from "../../compiler/index.js";
import { formatBytes } from "../lib/wasm.js";
import { compileOptions, edgeNet } from "./model.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");
const builtRuntime = join(repoRoot, "dist/runtime");

export interface EdgeBuild {
  /** The output directory (absolute). */
  readonly dir: string;
  /** workerd's config in it. */
  readonly config: string;
  /** The files written, relative to `dir`. */
  readonly files: readonly string[];
  readonly wasmBytes: number;
}

const BEGIN = "# begin runtime modules";
const END = "# end runtime modules";

/** The relative imports of a built ES module (`from "./x.js"`, `import "./x.js"`, `import("./x.js")`). */
function importsOf(source: string): string[] {
  return [...source.matchAll(/\b(?:from|import)\s*\(?\s*"\.\/([\w.-]+\.js)"/g)].map((m) => m[1]!);
}

/**
 * The built runtime files the worker needs: dist/runtime/index.js and what it imports, directly or
 * not, each checked to exist and to be no older than its source in runtime/.
 */
export function readRuntime(): Map<string, string> {
  const files = new Map<string, string>();
  const pending = ["index.js"];
  while (pending.length) {
    const name = pending.shift()!;
    if (files.has(name)) continue;
    const built = join(builtRuntime, name);
    if (!existsSync(built)) {
      throw new Error(`edge build: ${built} is missing: run npm run build (it builds dist/runtime/)`);
    }
    const source = join(repoRoot, "runtime", name.replace(/\.js$/, ".ts"));
    if (existsSync(source) && statSync(source).mtimeMs > statSync(built).mtimeMs) {
      throw new Error(`edge build: ${built} is older than ${source}: run npm run build`);
    }
    const text = readFileSync(built, "utf8");
    files.set(name, text);
    pending.push(...importsOf(text));
  }
  return files;
}

/** config.capnp with its runtime modules (between the markers) listing `names`. */
export function withRuntimeModules(config: string, names: Iterable<string>): string {
  const begin = config.indexOf(BEGIN);
  const end = config.indexOf(END);
  if (begin < 0 || end < begin)
    throw new Error(`edge build: config.capnp lacks the lines "${BEGIN}" and "${END}"`);
  const lineStart = config.lastIndexOf("\n", end) + 1;
  const indent = config.slice(lineStart, end);
  const sorted = [...names].sort((a, b) => (a === "index.js" ? -1 : b === "index.js" ? 1 : a < b ? -1 : 1));
  const lines = sorted.map((name) => {
    const moduleName = name === "index.js" ? "wasmgrad/runtime" : `wasmgrad/${name}`;
    return `${indent}(name = "${moduleName}", esModule = embed "runtime/${name}"),\n`;
  });
  const afterBegin = config.indexOf("\n", begin) + 1;
  return config.slice(0, afterBegin) + lines.join("") + config.slice(lineStart);
}

/** Compiles the model and writes everything workerd serves into `outDir`. */
export async function buildEdge(outDir: string): Promise<EdgeBuild> {
  const dir = resolve(outDir);
  const runtime = readRuntime();
  const config = withRuntimeModules(readFileSync(join(here, "config.capnp"), "utf8"), runtime.keys());
  const { wasm } = await compile(edgeNet, compileOptions);

  mkdirSync(join(dir, "runtime"), { recursive: true });
  writeFileSync(join(dir, "model.wasm"), wasm);
  copyFileSync(join(here, "worker.mjs"), join(dir, "worker.mjs"));
  writeFileSync(join(dir, "config.capnp"), config);
  for (const [name, text] of runtime) writeFileSync(join(dir, "runtime", name), text);
  const files = [
    "config.capnp",
    "worker.mjs",
    "model.wasm",
    ...[...runtime.keys()].map((n) => `runtime/${n}`),
  ];
  return { dir, config: join(dir, "config.capnp"), files, wasmBytes: wasm.byteLength };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const built = await buildEdge(process.argv[2] ?? "out/edge");
  console.log(
    `wrote ${built.files.length} files to ${built.dir}: model.wasm ${formatBytes(built.wasmBytes)}, ` +
      `the worker, config.capnp and ${built.files.length - 3} runtime modules`,
  );
  console.log(
    `serve it: .hosts/node_modules/.bin/workerd serve ${built.config} --socket-addr http=127.0.0.1:8787`,
  );
}
