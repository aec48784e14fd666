// The compile cache from the command line: on by default under the model's package, a hit the
// second time (said in the summary), --no-cache leaving no trace, --cache-dir and
// WASMGRAD_CACHE_DIR checked, a damaged entry or an unwritable directory a note on stderr. The
// commands run as child processes, without the test run's WASMGRAD_CACHE_DIR (vitest.config.ts).
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CACHE_DIR_ENV } from "../../compiler/cache/location.js";
import { expectOneLineError, repoRoot, type CliResult } from "../support/cli.js";

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-cache-cli-")));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** tsx's loader, by path: the projects below have no node_modules of their own to find it in. */
const tsx = pathToFileURL(join(repoRoot, "node_modules/tsx/dist/loader.mjs")).href;

/** `wasmgrad ...args` in `cwd`, with the environment's cache directory replaced by `cacheEnv`. */
function wasmgrad(cwd: string, args: readonly string[], cacheEnv?: string): Promise<CliResult> {
  const env = { ...process.env };
  delete env[CACHE_DIR_ENV];
  if (cacheEnv !== undefined) env[CACHE_DIR_ENV] = cacheEnv;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", tsx, join(repoRoot, "compiler/cli/main.ts"), ...args],
      { cwd, env, encoding: "utf8", timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

function expectOk(r: CliResult): CliResult {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r;
}

/** A project directory holding the XOR example as `xor.model.ts` (and node_modules/ with `modules`). */
function project(name: string, modules: boolean): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "models"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, type: "module" }));
  if (modules) mkdirSync(join(dir, "node_modules"));
  const source = readFileSync(join(repoRoot, "examples/xor/model.ts"), "utf8");
  writeFileSync(
    join(dir, "models/xor.model.ts"),
    source.replace(`"../../compiler/index.js"`, JSON.stringify(join(repoRoot, "compiler/index.ts"))),
  );
  writeFileSync(
    join(dir, "xy.json"),
    JSON.stringify({
      x: [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      y: [0, 1, 1, 0],
    }),
  );
  return dir;
}

const cacheLine = (r: CliResult) => /^ {2}cache +(.*)$/m.exec(r.stdout)?.[1];
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".wgc")) : []);

const app = project("app", true);
const appCache = join(app, "node_modules/.cache/wasmgrad");
const compileArgs = [
  "compile",
  "models/xor.model.ts",
  "--optimizer",
  "adam",
  "-o",
  "out/xor.wasm",
  "--emit",
  "ir,dts",
];
let first: CliResult;
let second: CliResult;

beforeAll(async () => {
  first = await wasmgrad(app, compileArgs);
  second = await wasmgrad(app, compileArgs);
}, 480_000);

// one test at a time: each starts several compiles, on a machine of two cores
describe("the compile cache of the CLI", { timeout: 300_000 }, () => {
  it("compile: stored under node_modules/.cache/wasmgrad the first time, a hit the second, the same files", () => {
    expectOk(first);
    expect(cacheLine(first)).toMatch(/^miss, stored \(node_modules\/\.cache\/wasmgrad, key [0-9a-f]{12}\)$/);
    const wasm = readFileSync(join(app, "out/xor.wasm"));
    const ir = readFileSync(join(app, "out/xor.ir.txt"), "utf8");
    expectOk(second);
    expect(cacheLine(second)).toBe(cacheLine(first)!.replace("miss, stored", "hit"));
    expect(second.stdout.replace(/in \d+\.\d\d s/, "").replace(/^ {2}cache.*$/m, "")).toBe(
      first.stdout.replace(/in \d+\.\d\d s/, "").replace(/^ {2}cache.*$/m, ""),
    );
    expect(entries(appCache)).toHaveLength(1);
    // the second run rewrote the files: the same bytes
    expect(readFileSync(join(app, "out/xor.wasm")).equals(wasm)).toBe(true);
    expect(readFileSync(join(app, "out/xor.ir.txt"), "utf8")).toBe(ir);
    expect(ir).toMatch(/models\/xor\.model\.ts:\d+/); // locations relative to the working directory
  });

  it("--no-cache neither reads nor writes a cache directory", async () => {
    const dir = project("nocache", true);
    const r = expectOk(await wasmgrad(dir, ["compile", "models/xor.model.ts", "--no-cache"]));
    expect(cacheLine(r)).toBe("off (--no-cache)");
    expect(existsSync(join(dir, "models/xor.wasm"))).toBe(true);
    expect(readdirSync(join(dir, "node_modules"))).toEqual([]);
    expect(existsSync(join(dir, ".wasmgrad-cache"))).toBe(false);
    expect(existsSync(join(dir, "models/.wasmgrad-cache"))).toBe(false);
  });

  it("without node_modules, .wasmgrad-cache in the package root; WASMGRAD_CACHE_DIR and --cache-dir move it", async () => {
    const dir = project("plain", false);
    const env = join(scratch, "from-env");
    const flag = join(scratch, "from-flag");
    const [byDefault, byEnv, byFlag] = await Promise.all([
      wasmgrad(dir, ["compile", "models/xor.model.ts", "-o", "a.wasm"]),
      wasmgrad(dir, ["compile", "models/xor.model.ts", "-o", "b.wasm", "--no-simd"], env),
      wasmgrad(
        dir,
        ["compile", "models/xor.model.ts", "-o", "c.wasm", "--no-optimize", "--cache-dir", flag],
        env,
      ),
    ]);
    expect(cacheLine(expectOk(byDefault))).toMatch(/^miss, stored \(\.wasmgrad-cache, key /);
    expect(entries(join(dir, ".wasmgrad-cache"))).toHaveLength(1);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
    expectOk(byEnv);
    expect(entries(env)).toHaveLength(1);
    expectOk(byFlag);
    expect(entries(flag)).toHaveLength(1);
  });

  it("a damaged entry is a note on stderr, and rebuilt", async () => {
    const dir = project("damaged", true);
    const cache = join(dir, "node_modules/.cache/wasmgrad");
    expectOk(await wasmgrad(dir, ["compile", "models/xor.model.ts"]));
    const [entry] = entries(cache);
    const path = join(cache, entry!);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    const r = await wasmgrad(dir, ["compile", "models/xor.model.ts"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `^wasmgrad: note: cache entry ${path} was corrupt \\(the content hash differs\\); rebuilt\\n$`,
      ),
    );
    expect(cacheLine(r)).toMatch(/^miss, stored /);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it("a cache directory that cannot be written is a note; the module is compiled and written", async () => {
    const dir = project("unwritable", true);
    writeFileSync(join(dir, "a-file"), "");
    const r = await wasmgrad(dir, ["compile", "models/xor.model.ts", "--cache-dir", "a-file/cache"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^wasmgrad: note: cannot write the compile cache in \S+\/a-file\/cache \(.*\); compiled without it\n$/,
    );
    expect(cacheLine(r)).toBe("miss, not stored (see the note)");
    expect(existsSync(join(dir, "models/xor.wasm"))).toBe(true);
  });

  it("a bad --cache-dir or WASMGRAD_CACHE_DIR is a one-line error", async () => {
    const file = join(scratch, "not-a-dir");
    writeFileSync(file, "");
    const [flag, env, both, empty, inspect] = await Promise.all([
      wasmgrad(app, ["compile", "models/xor.model.ts", "--cache-dir", file]),
      wasmgrad(app, ["compile", "models/xor.model.ts"], file),
      wasmgrad(app, ["compile", "models/xor.model.ts", "--no-cache", "--cache-dir", "x"]),
      wasmgrad(app, ["train", "models/xor.model.ts", "--steps", "1", "--cache-dir", " "]),
      wasmgrad(app, ["inspect", "models/xor.model.ts", "--no-cache"]),
    ]);
    expect(expectOneLineError(flag, 2)).toBe(
      `wasmgrad: --cache-dir '${file}' is a file, not a directory; give the compile cache's directory`,
    );
    expect(expectOneLineError(env, 2)).toBe(
      `wasmgrad: WASMGRAD_CACHE_DIR='${file}' is a file, not a directory; give the compile cache's directory`,
    );
    expect(expectOneLineError(both, 2)).toBe(
      "wasmgrad: --no-cache and --cache-dir contradict each other; give one",
    );
    expect(expectOneLineError(empty, 2)).toBe("wasmgrad: --cache-dir ' ': give the path of a directory");
    expect(expectOneLineError(inspect, 2)).toBe(
      "wasmgrad: --no-cache applies to the compile of --memory: add --memory",
    );
  });

  it("train and inspect --memory: a hit the second time", async () => {
    const dir = project("train", true);
    const train = ["train", "models/xor.model.ts", "--input", "xy.json", "--steps", "20", "--lr", "0.05"];
    const memory = ["inspect", "models/xor.model.ts", "--memory", "--optimizer", "sgd"];
    const [t1, m1] = await Promise.all([wasmgrad(dir, train), wasmgrad(dir, memory)]);
    const [t2, m2] = await Promise.all([wasmgrad(dir, train), wasmgrad(dir, memory)]);
    expect(t1.code, t1.stderr).toBe(0);
    expect(cacheLine(t1)).toMatch(/^miss, stored /);
    expect(t2.code, t2.stderr).toBe(0);
    expect(cacheLine(t2)).toMatch(/^hit /);
    const loss = (r: CliResult) => /^ {2}loss .*$/m.exec(r.stdout)?.[0];
    expect(loss(t2)).toBe(loss(t1));
    expect(expectOk(m1).stdout).toMatch(/^ {2}compile cache miss, stored /m);
    expect(expectOk(m2).stdout).toMatch(/^ {2}compile cache hit /m);
    const body = (r: CliResult) => r.stdout.replace(/^ {2}compile cache .*$/m, "");
    expect(body(m2)).toBe(body(m1));
    expect(body(m1)).toMatch(/^ {2}entry or scan step +kernels +arena/m);
  });
});
