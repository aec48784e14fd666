// The built package, used the way another project uses it: `npm run build`, then a separate
// directory whose node_modules/wasmgrad links to this repository imports "wasmgrad" from plain
// JavaScript, from TypeScript (run by tsx and type-checked by tsc) and through the CLI in dist/.
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPackage } from "../support/build.js";

const repoRoot = realpathSync(fileURLToPath(new URL("../../", import.meta.url)));
const tsxLoader = createRequire(import.meta.url).resolve("tsx");
const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
const cli = join(repoRoot, "dist/compiler/cli/main.js");
let consumer = "";

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// A consumer process loads binaryen (seconds) and, under tsx, transpiles on the fly: on two busy
// cores this took more than the former 30 s, and the killed process left empty output that the
// tests then misread. A kill is now reported as what it is.
const CHILD_TIMEOUT_MS = 120_000;

function run(args: readonly string[], cwd: string = consumer): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd, encoding: "utf8", timeout: CHILD_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error?.killed) {
          reject(
            new Error(`node ${args.join(" ")} was killed after ${CHILD_TIMEOUT_MS} ms (stderr: ${stderr})`),
          );
          return;
        }
        resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The 1-based line of `source` holding `marker`. */
function lineOf(source: string, marker: string): number {
  return source.split("\n").findIndex((l) => l.includes(marker)) + 1;
}

// L = c·(a + 2b) at a = 3, b = 1, c = −2: L = −10, dL/da = −2, dL/db = −4, dL/dc = 5 (seed 003).
const JS_CONSUMER = `import { model, gradGraph, interpret, toNested, WasmgradError } from "wasmgrad";

const cg = model("cg", (m) => {
  const a = m.param("a", []);
  const b = m.param("b", []);
  const c = m.param("c", []);
  m.loss(c.mul(a.add(b.mul(2))));
});
const r = interpret(gradGraph(cg.graph), { params: { a: 3, b: 1, c: -2 } });

let error;
try {
  model("bad", (m) => {
    m.output("y", m.input("x", [2, 3]).matmul(m.param("w", [4, 5]))); // @bad
  });
} catch (e) {
  error = { wasmgrad: e instanceof WasmgradError, op: e.op, location: e.location, message: e.message };
}
const grads = Object.fromEntries(Object.entries(r.grads).map(([k, v]) => [k, toNested(v)]));
console.log(JSON.stringify({ loss: toNested(r.outputs.loss), grads, error }));
`;

const TS_CONSUMER = `import { model, gradGraph, interpret, toNested, WasmgradError } from "wasmgrad";
import type { Graph, Model, NDArray, SourceLocation } from "wasmgrad";

const cg: Model = model("cg", (m) => {
  const a = m.param("a", []);
  const b = m.param("b", []);
  const c = m.param("c", []);
  m.loss(c.mul(a.add(b.mul(2))));
});
const g: Graph = gradGraph(cg.graph);
const loss: NDArray = interpret(g, { params: { a: 3, b: 1, c: -2 } }).outputs["loss"]!;

let where: SourceLocation | undefined;
try {
  model("bad", (m) => {
    m.output("y", m.input("x", [2, 3]).matmul(m.param("w", [4, 5]))); // @bad
  });
} catch (e) {
  if (e instanceof WasmgradError) where = e.location;
}
console.log(JSON.stringify({ loss: toNested(loss), params: g.params.length, where }));
`;

/** Must fail to type-check: proves the declarations are real types, not `any`. */
const TS_TYPE_ERROR = `import { model } from "wasmgrad";
const n: number = model("m", (m) => m.loss(m.param("w", []).sum()));
export { n };
`;

const MODEL_FILE = `import { model } from "wasmgrad";

export default model("consumer-mlp", (m) => {
  const x = m.input("x", [2, 3]);
  const W = m.param("W", [3, 4]);
  m.loss(x.matmul(W).tanh().sum()); // @loss
});
export const inputs = { x: [[1, 2, 3], [-1, 0.5, 0]] };
`;

// prints where its import of the package resolves (through the CLI's module hooks)
const ENTRY_PROBE_FILE = `import { model } from "wasmgrad";
console.error("entry " + import.meta.resolve("wasmgrad"));
export default model("probe", (m) => {
  m.loss(m.input("x", [2, 3]).matmul(m.param("W", [3, 4])).sum());
});
`;

const BAD_MODEL_FILE = `import { model } from "wasmgrad";

export default model("bad", (m) => {
  m.loss(m.input("x", [2, 3]).matmul(m.param("W", [4, 5])).sum()); // @bad
});
`;

beforeAll(async () => {
  // `npm run build` unless dist/ is up to date, one build at a time across test files
  await buildPackage();
  consumer = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-consumer-")));
  writeFileSync(
    join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  mkdirSync(join(consumer, "node_modules"));
  symlinkSync(repoRoot, join(consumer, "node_modules/wasmgrad"), "dir");
  const files: Record<string, string> = {
    "consumer.mjs": JS_CONSUMER,
    "consumer.ts": TS_CONSUMER,
    "type-error.ts": TS_TYPE_ERROR,
    "mlp.model.ts": MODEL_FILE,
    "bad.model.ts": BAD_MODEL_FILE,
    "entry.model.ts": ENTRY_PROBE_FILE,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(consumer, name), text);
  writeFileSync(
    join(consumer, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      include: ["consumer.ts", "type-error.ts"],
    }),
  );
}, 60_000);

afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

describe.concurrent("the built package", { timeout: 150_000 }, () => {
  it("has declarations and an executable entry for the bin", () => {
    expect(existsSync(join(repoRoot, "dist/compiler/index.d.ts"))).toBe(true);
    const dts = readFileSync(join(repoRoot, "dist/compiler/index.d.ts"), "utf8");
    expect(dts).toContain("printGraph");
    expect(dts).toContain("graphToDot");
    expect(readFileSync(cli, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("imports from plain JavaScript, and errors name the consumer's file", async () => {
    const r = await run(["consumer.mjs"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as {
      loss: number;
      grads: Record<string, number>;
      error: { wasmgrad: boolean; op: string; location: { file: string; line: number }; message: string };
    };
    expect(out.loss).toBe(-10);
    expect(out.grads).toEqual({ a: -2, b: -4, c: 5 });
    expect(out.error.wasmgrad).toBe(true);
    expect(out.error.op).toBe("matmul");
    expect(out.error.location).toMatchObject({
      file: join(consumer, "consumer.mjs"),
      line: lineOf(JS_CONSUMER, "// @bad"),
    });
    expect(out.error.message).not.toContain("/dist/");
  });

  it("imports from TypeScript run by tsx (source maps on), and errors name the consumer's file", async () => {
    const r = await run(["--import", tsxLoader, "consumer.ts"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as {
      loss: number;
      params: number;
      where: { file: string; line: number };
    };
    expect(out.loss).toBe(-10);
    expect(out.params).toBe(3);
    // under source maps, frames of dist/compiler/*.js read as compiler/*.ts; both are internal
    expect(out.where).toMatchObject({
      file: join(consumer, "consumer.ts"),
      line: lineOf(TS_CONSUMER, "// @bad"),
    });
  });

  it("type-checks a TypeScript consumer against the declarations", async () => {
    const r = await run([tsc, "-p", "."]);
    const errors = r.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
    // exactly the deliberate error: a Model is not a number
    expect(errors, r.stdout + r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^type-error\.ts\(2,7\): error TS2322: Type 'Model' is not assignable to type 'number'/,
    );
    expect(r.code).not.toBe(0);
  });

  it("runs the built CLI from its bundle, and gives a model's import of the package the same bundle", async () => {
    const bundle = join(repoRoot, "dist/compiler/cli/bundle.js");
    const r = await run([cli, "compile", "entry.model.ts", "-o", "entry.wasm", "--no-cache"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`entry ${pathToFileURL(bundle).href}\n`);
    expect(r.stdout).toMatch(/^compiled model 'probe' \(entry\.model\.ts\)/);
    expect(WebAssembly.validate(readFileSync(join(consumer, "entry.wasm")))).toBe(true);
  });

  it("runs the built CLI with plain node", async () => {
    const help = await run([cli, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wasmgrad /);
    expect(help.stdout).toMatch(/^ {2}inspect \[options\] <model>/m);

    const inspect = await run([cli, "inspect", "mlp.model.ts"]);
    expect(inspect.stderr).toBe("");
    expect(inspect.stdout).toMatch(
      new RegExp(
        String.raw`^ {2}%2 = matmul : f32\[2,4\] \(%0, %1\) +@ mlp\.model\.ts:${lineOf(MODEL_FILE, "// @loss")}$`,
        "m",
      ),
    );

    const check = await run([cli, "gradcheck", "mlp.model.ts"]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^OK: /m);

    const bad = await run([cli, "inspect", "bad.model.ts"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      new RegExp(
        `^wasmgrad: bad\\.model\\.ts:${lineOf(BAD_MODEL_FILE, "// @bad")}:\\d+: matmul: .*\\[2,3\\].*\\[4,5\\].*\\n$`,
      ),
    );
  });
});
