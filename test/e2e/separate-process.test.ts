// The compiled module away from the compiler. The built CLI compiles the XOR example with Adam
// into a temp dir; a separate node process runs train-host.mjs, a plain script that imports only
// the built runtime, from a directory holding nothing but that script, dist/runtime/*.js and the
// module: it loads the module, inits it with a seed, trains N steps and prints the losses. They
// must fall, and equal the losses of the same steps run in this process with the runtime.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from "node:fs";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputs as xorInputs } from "../../examples/xor/model.js";
import { load } from "../../runtime/index.js";
import {
  buildPackage,
  cli,
  compileWithCli,
  expectSuccess,
  hostScript,
  parseTrainResult,
  repoRoot,
  run,
  serveFiles,
  type FileServer,
} from "./support.js";

const SEED = 3;
const STEPS = 80;

let dir = "";
let app = "";
let server: FileServer | undefined;

/** |a − b| within a few f32 ulps of b. */
function expectF32Close(got: readonly number[], want: readonly number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(Math.abs(g - w), `element ${i}: ${g} vs ${w}`).toBeLessThanOrEqual(
      4 * 2 ** -23 * Math.max(1, Math.abs(w)),
    );
  });
}

beforeAll(async () => {
  await buildPackage();
  dir = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-e2e-process-")));
  const compiled = await compileWithCli([
    "examples/xor/model.ts",
    "-o",
    join(dir, "xor.wasm"),
    "--optimizer",
    "adam",
    "--lr",
    "0.05",
  ]);
  expect(compiled.stdout).toMatch(/^compiled model 'xor' /);
  writeFileSync(join(dir, "inputs.json"), JSON.stringify(xorInputs));

  // an application directory: the script and the runtime's JavaScript, no package.json, no
  // node_modules, no compiler; the script's `../../dist/runtime/index.js` resolves inside it
  app = join(dir, "app");
  mkdirSync(join(app, "dist/runtime"), { recursive: true });
  mkdirSync(join(app, "test/e2e"), { recursive: true });
  for (const f of readdirSync(join(repoRoot, "dist/runtime")).filter((f) => f.endsWith(".js"))) {
    copyFileSync(join(repoRoot, "dist/runtime", f), join(app, "dist/runtime", f));
  }
  copyFileSync(hostScript, join(app, "test/e2e/train-host.mjs"));
  server = await serveFiles({ "/data/": dir });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a compiled module in a separate node process", () => {
  it("the host script imports only the built runtime, and the runtime imports only itself", () => {
    const specifiers = (source: string) => {
      const text = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1");
      return [
        ...text.matchAll(
          /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/gm,
        ),
      ].map((m) => m[1] ?? m[2]);
    };
    expect(specifiers(readFileSync(hostScript, "utf8"))).toEqual(["../../dist/runtime/index.js"]);
    for (const f of readdirSync(join(app, "dist/runtime"))) {
      for (const s of specifiers(readFileSync(join(app, "dist/runtime", f), "utf8"))) {
        expect(s, `${f} imports ${s}`).toMatch(/^\.\/[a-z-]+\.js$/);
      }
    }
  });

  it("trains: the loss falls, and equals the same steps run in-process", async () => {
    const url = server!.url;
    const r = await run(
      process.execPath,
      [
        "test/e2e/train-host.mjs",
        `${url}/data/xor.wasm`,
        `${url}/data/inputs.json`,
        String(SEED),
        String(STEPS),
      ],
      { cwd: app },
    );
    const result = parseTrainResult(r, "node train-host.mjs");
    expect(r.stderr).toBe("");
    expect(result.model).toBe("xor");
    expect(result.engine).toMatch(/^node /);
    const losses = result.losses;
    expect(losses).toHaveLength(STEPS);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[STEPS - 1]!).toBeLessThan(0.8 * losses[0]!);
    expect(Math.max(...losses.slice(-10))).toBeLessThan(Math.min(...losses.slice(0, 10)));

    // the same module, seed and steps with the runtime's sources, in this process
    const net = await load(new Uint8Array(readFileSync(join(dir, "xor.wasm"))));
    net.init(SEED);
    const here = Array.from({ length: STEPS }, () => net.train(xorInputs).loss);
    expectF32Close(losses, here);
    const outputs = net.run({ x: xorInputs.x });
    for (const [name, values] of Object.entries(outputs)) expectF32Close(result.outputs[name]!, [...values]);
  });

  it("the built CLI's `run --entry train` prints the same losses", async () => {
    const r = expectSuccess(
      await run(process.execPath, [
        cli,
        "run",
        join(dir, "xor.wasm"),
        "--input",
        join(dir, "inputs.json"),
        "--entry",
        "train",
        "--steps",
        String(STEPS),
        "--seed",
        String(SEED),
      ]),
      "wasmgrad run",
    );
    const printed = JSON.parse(r.stdout) as { model: string; steps: number; losses: number[]; loss: number };
    expect(printed).toMatchObject({ model: "xor", entry: "train", steps: STEPS });
    const net = await load(new Uint8Array(readFileSync(join(dir, "xor.wasm"))));
    net.init(SEED);
    expectF32Close(
      printed.losses,
      Array.from({ length: STEPS }, () => net.train(xorInputs).loss),
    );
    expect(printed.loss).toBe(printed.losses[STEPS - 1]);
  });
});
