// One .wasm, four hosts. Two models are compiled (XOR with Adam and SIMD, which carries a
// relaxed-SIMD variant as every SIMD module does by default; the classifier fixture with
// momentum, gradient clipping and scalar code); train-host.mjs, with the built runtime, trains
// each for N steps under Node, Deno, Bun and headless Chromium, fetching the module and inputs
// from a server on 127.0.0.1, with the baseline variant pinned at load. Every host must give
// bit-identical losses, outputs, params and optimizer states: WebAssembly's f32 arithmetic is
// deterministic, and the runtime must not add anything host-specific. Loaded without the pin, the
// same XOR module runs its relaxed variant where the engine has relaxed SIMD (Deno, Bun,
// Chromium), which rounds differently, and its baseline in Node 20.
//
// Deno and Bun are devDependencies (npm ships their binaries); Chromium is Debian's
// /usr/bin/chromium, driven by playwright-core. A missing host fails its test: none is skipped.
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import xor, { inputs as xorInputs } from "../../examples/xor/model.js";
import { compile, optim } from "../../compiler/index.js";
import classifier, { inputs as classifierInputs } from "../fixtures/classifier.model.js";
import {
  buildPackage,
  CHROMIUM,
  CHROMIUM_ARGS,
  comparable,
  expectSuccess,
  hostScript,
  parseTrainResult,
  repoRoot,
  run,
  serveFiles,
  type FileServer,
  type TrainResult,
} from "./support.js";

const STEPS = 100;
const MODELS = [
  {
    name: "xor",
    model: xor,
    options: { optimizer: optim.adam(0.05) },
    inputs: xorInputs,
    seed: 7,
  },
  {
    name: "classifier",
    model: classifier,
    options: { optimizer: optim.momentum(0.1), clipNorm: 5, simd: false },
    inputs: classifierInputs,
    seed: 11,
  },
] as const;
type ModelName = (typeof MODELS)[number]["name"];

/**
 * XOR loaded without the pin: load takes the relaxed variant where the engine has relaxed SIMD
 * (Deno, Bun, Chromium) and the baseline where not (Node 20). Its training must equal the pinned
 * XOR module's bits in Node, and come close to them elsewhere (a fused multiply-add rounds once
 * where the baseline rounds twice).
 */
const AUTO = { ...MODELS[0], name: "xor-auto" } as const;
let nodeAuto: TrainResult | undefined;

/** Checks a host's run of AUTO: the variant it loaded, and training close to Node's. */
function expectAuto(result: TrainResult, relaxed: boolean) {
  expect(result.relaxedSimd, result.engine).toBe(relaxed);
  const plain = nodeResults.get("xor")!;
  result.losses.forEach((l, i) =>
    expect(Math.abs(l - plain.losses[i]!)).toBeLessThan(1e-4 * Math.abs(plain.losses[i]!) + 1e-6),
  );
}

let dir = "";
let server: FileServer | undefined;
/** Node's results: the reference the other hosts must equal. */
const nodeResults = new Map<ModelName, TrainResult>();
const engines: string[] = [];

/** The script's arguments for one model. */
function runArgs(m: (typeof MODELS)[number] | typeof AUTO) {
  const url = server!.url;
  return {
    wasmUrl: `${url}/data/${m.name}.wasm`,
    inputsUrl: `${url}/data/${m.name}.inputs.json`,
    seed: m.seed,
    steps: STEPS,
    baseline: m.name !== AUTO.name,
  };
}

function argv(m: (typeof MODELS)[number] | typeof AUTO): string[] {
  const a = runArgs(m);
  return [
    hostScript,
    a.wasmUrl,
    a.inputsUrl,
    String(a.seed),
    String(a.steps),
    ...(a.baseline ? ["baseline"] : []),
  ];
}

/** A host binary shipped by an npm devDependency; a clear failure when it is missing. */
/** A host installed from npm: Bun as a devDependency, Deno by scripts/install-test-hosts.mjs. */
function npmBinary(name: string): string {
  const where = name === "deno" ? ".hosts/node_modules/.bin" : "node_modules/.bin";
  const path = join(repoRoot, where, name);
  if (!existsSync(path)) {
    const how = name === "deno" ? "node scripts/install-test-hosts.mjs (npm test runs it first)" : "npm ci";
    throw new Error(`${name} is not installed (${path} is missing): run ${how}`);
  }
  return path;
}

/** Runs every model under a command-line host and checks each result against Node's. */
async function expectSameAsNode(
  host: string,
  command: string,
  prefix: readonly string[],
  env: NodeJS.ProcessEnv,
) {
  for (const m of MODELS) {
    const r = await run(command, [...prefix, ...argv(m)], { cwd: dir, env: { ...process.env, ...env } });
    const result = parseTrainResult(r, `${host} train-host.mjs (${m.name})`);
    engines.push(result.engine);
    expect(result.engine.startsWith(`${host} `), result.engine).toBe(true);
    expect(comparable(result)).toEqual(comparable(nodeResults.get(m.name)!));
  }
  const r = await run(command, [...prefix, ...argv(AUTO)], { cwd: dir, env: { ...process.env, ...env } });
  expectAuto(parseTrainResult(r, `${host} train-host.mjs (xor-auto)`), true);
}

beforeAll(async () => {
  await buildPackage();
  dir = realpathSync(mkdtempSync(join(tmpdir(), "wasmgrad-e2e-hosts-")));
  // compiled here (the CLI's compile is tested in separate-process.test.ts and test/cli)
  for (const m of [...MODELS, AUTO]) {
    writeFileSync(join(dir, `${m.name}.wasm`), (await compile(m.model, m.options)).wasm);
    writeFileSync(join(dir, `${m.name}.inputs.json`), JSON.stringify(m.inputs));
  }
  server = await serveFiles({
    "/dist/runtime/": join(repoRoot, "dist/runtime"),
    "/test/e2e/": join(repoRoot, "test/e2e"),
    "/data/": dir,
  });
  for (const m of MODELS) {
    const r = await run(process.execPath, argv(m), { cwd: dir });
    const result = parseTrainResult(r, `node train-host.mjs (${m.name})`);
    expect(result.model).toBe(m.name);
    expect(result.losses).toHaveLength(STEPS);
    expect(result.losses[STEPS - 1]!).toBeLessThan(result.losses[0]!);
    nodeResults.set(m.name, result);
    if (!engines.includes(result.engine)) engines.push(result.engine);
  }
  nodeAuto = parseTrainResult(
    await run(process.execPath, argv(AUTO), { cwd: dir }),
    "node train-host.mjs (xor-auto)",
  );
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (engines.length) console.log(`hosts compared: ${[...new Set(engines)].join("; ")}`);
});

describe("the same module and runtime give bit-identical training under every host", () => {
  it("the two modules differ (SIMD and scalar code, two optimizers)", () => {
    expect(nodeResults.get("xor")!.simd).toBe(true);
    expect(nodeResults.get("classifier")!.simd).toBe(false);
    expect(Object.keys(nodeResults.get("xor")!.bits.states)).toContain("optim.W1.m");
    expect(Object.keys(nodeResults.get("classifier")!.bits.states)).toContain("optim.W1.velocity");
  });

  it("Deno", async () => {
    const deno = npmBinary("deno");
    await expectSameAsNode(
      "deno",
      deno,
      ["run", "--quiet", "--no-config", "--no-lock", "--no-prompt", "--allow-net=127.0.0.1"],
      { DENO_DIR: join(dir, "deno-cache"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    );
  });

  it("Bun", async () => {
    const bun = npmBinary("bun");
    await expectSameAsNode("bun", bun, ["--no-install"], {
      DO_NOT_TRACK: "1",
      NO_COLOR: "1",
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
    });
  });

  it("headless Chromium", async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed (${CHROMIUM} is missing): apt-get install chromium (as .ci/run does)`,
      );
    }
    const profile = join(dir, "chromium-profile");
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (msg) => {
        if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
      });
      await page.goto(`${server!.url}/`);
      for (const m of MODELS) {
        // a string, not a function: vitest rewrites `import()` in this file's functions
        const expression = `import("/test/e2e/train-host.mjs")
          .then((mod) => mod.trainRun(${JSON.stringify(runArgs(m))}))
          .then((result) => JSON.stringify(result))`;
        const result = await page
          .evaluate<string>(expression)
          .then((json) => JSON.parse(json) as TrainResult)
          .catch((e: unknown) => {
            throw new Error(`Chromium (${m.name}): ${String(e)}\n${problems.join("\n")}`);
          });
        engines.push(result.engine);
        expect(result.engine).toMatch(/HeadlessChrome\//);
        expect(comparable(result)).toEqual(comparable(nodeResults.get(m.name)!));
      }
      const auto = await page.evaluate<string>(
        `import("/test/e2e/train-host.mjs").then((mod) => mod.trainRun(${JSON.stringify(runArgs(AUTO))})).then((r) => JSON.stringify(r))`,
      );
      expectAuto(JSON.parse(auto) as TrainResult, true);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the XOR module carries a relaxed variant, and the pin loaded its baseline everywhere", () => {
    expect(nodeResults.get("xor")!.relaxedSimd).toBe(false);
  });

  it("unpinned, the module loads its baseline in Node 20: the pinned run's bits", () => {
    const plain = nodeResults.get("xor")!;
    expectAuto(nodeAuto!, false);
    expect(nodeAuto!.bits).toEqual(plain.bits);
  });

  it("Node itself is deterministic: a second process gives the same bits", async () => {
    const m = MODELS[0];
    const again = parseTrainResult(
      expectSuccess(await run(process.execPath, argv(m), { cwd: dir }), "node"),
      "node",
    );
    expect(comparable(again)).toEqual(comparable(nodeResults.get(m.name)!));
  });
});
