// The two packages as npm ships them: `npm pack` of the compiler (the repository root, "wasmgrad")
// and of the runtime (packages/runtime, "wasmgrad-runtime"), each installed from its tarball into
// a scratch project, as an app would. The runtime installs alone: no dependencies, at most
// 100 KB of installed files, and it trains a module compiled here. The compiler installs what it
// runs (binaryen, commander, tsx, unplugin, the Graphviz renderer), not assemblyscript, which
// only builds the prebuilt kernels it ships; its API and its CLI work from the install.
import { execFile } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  lstatSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile, model, nn, optim } from "../../compiler/index.js";
import { buildPackage, repoRoot } from "../support/build.js";

const RUNTIME_DIR = join(repoRoot, "packages/runtime");
const RUNTIME_BUDGET = 100 * 1024;
const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-packs-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string; readonly size: number }[];
}

function sh(command: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, encoding: "utf8", timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** `npm pack` without running the package's scripts (dist/ is built already). */
async function pack(dir: string): Promise<Packed> {
  const out = await sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], dir);
  return (JSON.parse(out) as Packed[])[0]!;
}

/** A scratch project with `tarballs` installed, from npm's cache where it has them. */
async function consumer(name: string, tarballs: readonly string[]): Promise<string> {
  const dir = join(scratch, name);
  await sh("mkdir", ["-p", dir], scratch);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  await sh(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", ...tarballs],
    dir,
  );
  return dir;
}

/** Bytes of every file under `dir` (links, such as node_modules/.bin's, not followed). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(path) : lstatSync(path).size;
  }
  return total;
}

const xor = model("xor-pack", (m) => {
  const x = m.input("x", [4, 2]);
  const y = m.input("y", [4], "i32");
  const h = x
    .matmul(m.param("W1", [2, 8]))
    .add(m.param("b1", [8]))
    .tanh();
  m.loss(nn.softmaxCrossEntropy(h.matmul(m.param("W2", [8, 2])).add(m.param("b2", [2])), y));
});

const TRAIN_SCRIPT = (runtime: string) => `import { readFileSync } from "node:fs";
import { load } from "${runtime}";
const net = await load(readFileSync("xor.wasm"));
net.init(3);
const data = { x: [[0, 0], [0, 1], [1, 0], [1, 1]], y: [0, 1, 1, 0] };
const first = net.train(data).loss;
let last = first;
for (let i = 0; i < 300; i++) last = net.train(data).loss;
console.log(JSON.stringify({ first, last }));
`;

let compiler: Packed;
let runtime: Packed;

beforeAll(async () => {
  await buildPackage();
  [compiler, runtime] = await Promise.all([pack(repoRoot), pack(RUNTIME_DIR)]);
  writeFileSync(join(scratch, "xor.wasm"), (await compile(xor, { optimizer: optim.adam(0.05) })).wasm);
}, 300_000);

describe("the runtime package, wasmgrad-runtime", { timeout: 300_000 }, () => {
  it("ships its built code, its types, a README and the LICENSE, and nothing else", () => {
    const paths = runtime.files.map((f) => f.path).sort();
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json"]));
    for (const p of paths)
      expect(p, p).toMatch(/^(LICENSE|README\.md|package\.json|dist\/[\w-]+\.(js|d\.ts))$/);
    expect(readFileSync(join(RUNTIME_DIR, "LICENSE"), "utf8")).toBe(
      readFileSync(join(repoRoot, "LICENSE"), "utf8"),
    );
    const pkg = JSON.parse(readFileSync(join(RUNTIME_DIR, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const root = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.version).toBe(root.version);
    expect(pkg.license).toBe("MIT");
  });

  it("installs alone in under 100 KB and trains a module", async () => {
    const app = await consumer("runtime-app", [join(scratch, runtime.filename)]);
    const installed = readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith("."));
    expect(installed).toEqual(["wasmgrad-runtime"]);
    const bytes = treeBytes(join(app, "node_modules"));
    console.log(
      `wasmgrad-runtime: tarball ${runtime.size} bytes, unpacked ${runtime.unpackedSize}, installed ${bytes}`,
    );
    expect(bytes).toBeLessThanOrEqual(RUNTIME_BUDGET);
    writeFileSync(join(app, "xor.wasm"), readFileSync(join(scratch, "xor.wasm")));
    writeFileSync(join(app, "train.mjs"), TRAIN_SCRIPT("wasmgrad-runtime"));
    const { first, last } = JSON.parse(await sh(process.execPath, ["train.mjs"], app)) as {
      first: number;
      last: number;
    };
    expect(last).toBeLessThan(0.1 * first);
  });
});

describe("the compiler package, wasmgrad", { timeout: 300_000 }, () => {
  it("ships the built compiler, the prebuilt kernels and the LICENSE, not the tests", () => {
    const paths = new Set(compiler.files.map((f) => f.path));
    for (const p of [
      "LICENSE",
      "README.md",
      "dist/compiler/index.js",
      "dist/runtime/index.js",
      "build/kernels.wasm",
    ])
      expect(paths.has(p), p).toBe(true);
    for (const p of paths) expect(p, p).not.toMatch(/^(test|bench|examples|scratch|\.ci|packages)\//);
  });

  it("installs what it runs and not assemblyscript; its API and CLI work from the install", async () => {
    const app = await consumer("compiler-app", [join(scratch, compiler.filename)]);
    const modules = join(app, "node_modules");
    const top = readdirSync(modules).filter((n) => !n.startsWith("."));
    expect(top).toEqual(expect.arrayContaining(["wasmgrad", "binaryen", "commander", "tsx", "unplugin"]));
    expect(top).not.toContain("assemblyscript");
    console.log(
      `wasmgrad: tarball ${compiler.size} bytes, unpacked ${compiler.unpackedSize}, ` +
        `installed with its dependencies ${treeBytes(modules)} bytes`,
    );
    writeFileSync(
      join(app, "compile.mjs"),
      `import { writeFileSync } from "node:fs";
import { compile, model, nn, optim } from "wasmgrad";
const xor = model("xor-pack", (m) => {
  const x = m.input("x", [4, 2]);
  const y = m.input("y", [4], "i32");
  const h = x.matmul(m.param("W1", [2, 8])).add(m.param("b1", [8])).tanh();
  m.loss(nn.softmaxCrossEntropy(h.matmul(m.param("W2", [8, 2])).add(m.param("b2", [2])), y));
});
writeFileSync("xor.wasm", (await compile(xor, { optimizer: optim.adam(0.05) })).wasm);
`,
    );
    await sh(process.execPath, ["compile.mjs"], app);
    writeFileSync(join(app, "train.mjs"), TRAIN_SCRIPT("wasmgrad/runtime"));
    const trained = JSON.parse(await sh(process.execPath, ["train.mjs"], app)) as {
      first: number;
      last: number;
    };
    expect(trained.last).toBeLessThan(0.1 * trained.first);
    // the installed compiler's module trains as this repository's does, to the bit (the bytes
    // differ only in the manifest's source lines: the model is defined in another file)
    writeFileSync(join(app, "xor.wasm"), readFileSync(join(scratch, "xor.wasm")));
    expect(JSON.parse(await sh(process.execPath, ["train.mjs"], app))).toEqual(trained);
    const version = await sh(join(modules, ".bin/wasmgrad"), ["--version"], app);
    expect(version.trim()).toBe(
      (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version,
    );
  });
});
