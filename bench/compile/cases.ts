/**
 * The measurements of the compile section: each `Probe` is one fresh process (a CLI command, a
 * `node -e` import, a tsx probe of bench/compile/probe.ts, or gcc) that yields one or more
 * `Metric`s in ms. The section runs every probe once per round; a metric's value is the median
 * over the rounds' processes.
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CFLAGS } from "../impl/native.js";
import type { Environment } from "./environment.js";
import { MODEL_TEXT, NAMED_MODELS, type NamedModel } from "./models.js";
import { probeOutput, timedRun, type Ran } from "./spawn.js";

export type Group = "CLI" | "import" | "compile()" | "first result" | "native build";

export interface Metric {
  readonly id: string;
  readonly group: Group;
  /** What was measured, as Markdown (code spans for commands). */
  readonly label: string;
  /** The issue's target, in ms. */
  readonly targetMs?: number;
  /** Why there is no target or what the number includes. */
  readonly note?: string;
}

export interface Probe {
  readonly id: string;
  readonly metrics: readonly Metric[];
  /** Runs once before the first round (not timed): e.g. fills the compile cache. */
  readonly prepare?: () => Promise<void>;
  /** One fresh process; metric id -> ms. */
  readonly run: () => Promise<Record<string, number>>;
  /** Set when the probe cannot run here; its rows say why. */
  readonly skip?: string;
}

export interface CaseContext {
  readonly env: Environment;
  /** A scratch directory for compiled modules and binaries. */
  readonly tmp: string;
  /** Implementations selected with --impl (all by default). */
  readonly impls: ReadonlySet<string>;
  /** Per process. */
  readonly timeoutMs: number;
}

const PROBE = fileURLToPath(new URL("./probe.ts", import.meta.url));
const NATIVE = fileURLToPath(new URL("../native/", import.meta.url));
const VERSION_TARGET_MS = 150;

function checked(r: Ran, what: string, timeoutMs: number): Ran {
  if (r.timedOut) throw new Error(`${what}: did not finish in ${timeoutMs / 1000} s`);
  if (r.code !== 0) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-1)[0] ?? "";
    throw new Error(`${what}: exit ${r.code}${tail ? `: ${tail}` : ""}`);
  }
  return r;
}

/** A command whose wall time is the metric; `expect`, when given, must be in its stdout. */
function command(
  c: CaseContext,
  id: string,
  metric: Omit<Metric, "id">,
  cmd: string,
  args: string[],
  expect?: string,
): Probe {
  return {
    id,
    metrics: [{ id, ...metric }],
    run: async () => {
      const ran = await timedRun(cmd, args, { cwd: c.env.root, timeoutMs: c.timeoutMs });
      const r = checked(ran, id, c.timeoutMs);
      if (expect !== undefined && !r.stdout.includes(expect))
        throw new Error(`${id}: expected '${expect}' in its output, got '${r.stdout.trim().slice(0, 80)}'`);
      return { [id]: r.wallMs };
    },
  };
}

/** A tsx probe (bench/compile/probe.ts) in a fresh process with the harness's loader. */
export async function runProbe(c: CaseContext, args: readonly string[]): Promise<Record<string, number>> {
  const r = await timedRun(process.execPath, [...process.execArgv, PROBE, ...args], {
    cwd: c.env.root,
    timeoutMs: c.timeoutMs,
  });
  if (r.timedOut) throw new Error(`did not finish in ${c.timeoutMs / 1000} s`);
  return probeOutput(r);
}

function cliProbes(c: CaseContext): Probe[] {
  const { env } = c;
  const out = join(c.tmp, "xor.wasm");
  const xor = ["compile", "examples/xor/model.ts", "-o", out];
  const bin = env.binLink
    ? { cmd: env.binLink, label: "`node_modules/.bin/wasmgrad --version`", note: "" }
    : {
        cmd: env.cliMain,
        label: "`dist/compiler/cli/main.js --version` (the bin file, executed)",
        note: "what `node_modules/.bin/wasmgrad` runs; this checkout has no such link",
      };
  const v = env.version;
  const probes: Probe[] = [
    command(
      c,
      "cli.npx",
      { group: "CLI", label: "`npx wasmgrad --version`", note: "npx itself costs about 1 s" },
      "npx",
      ["--no-install", "wasmgrad", "--version"],
      v,
    ),
    command(
      c,
      "cli.bin",
      { group: "CLI", label: bin.label, targetMs: VERSION_TARGET_MS, note: bin.note },
      bin.cmd,
      ["--version"],
      v,
    ),
    command(
      c,
      "cli.floor",
      { group: "CLI", label: "`node -e 0` (Node's own start-up: the floor of every CLI row)" },
      process.execPath,
      ["-e", "0"],
    ),
    command(
      c,
      "cli.node",
      { group: "CLI", label: "`node dist/compiler/cli/main.js --version`", targetMs: VERSION_TARGET_MS },
      process.execPath,
      [env.cliMain, "--version"],
      v,
    ),
    command(
      c,
      "cli.xor.cold",
      {
        group: "CLI",
        label: `\`wasmgrad compile examples/xor/model.ts -o tmp.wasm${env.noCacheFlag ? " --no-cache" : ""}\`, cold`,
        targetMs: 1000,
        note: env.noCacheFlag ? "" : "no compile cache in this CLI: every run is cold",
      },
      process.execPath,
      [env.cliMain, ...xor, ...(env.noCacheFlag ? ["--no-cache"] : [])],
    ),
  ];
  const cached = command(
    c,
    "cli.xor.cached",
    { group: "CLI", label: "`wasmgrad compile examples/xor/model.ts -o tmp.wasm`, cached recompile" },
    process.execPath,
    [env.cliMain, ...xor],
  );
  probes.push(
    env.noCacheFlag
      ? {
          ...cached,
          prepare: async () => {
            await cached.run(); // fills the cache
          },
        }
      : { ...cached, skip: "no compile cache in this CLI (`wasmgrad compile --help` has no --no-cache)" },
  );
  return probes;
}

/** `node -e` in the package directory: `import("wasmgrad")` resolves to the package's own entry. */
function importProbe(c: CaseContext, id: string, specifier: string, label: string): Probe {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(specifier)}); const ms = performance.now() - t0; console.log("@@probe " + JSON.stringify({ ms }));`;
  return {
    id,
    metrics: [{ id, group: "import", label }],
    run: async () => ({ [id]: (await evalModule(c, code)).ms! }),
  };
}

/** Runs `code` as an ES module with `node -e` in the package directory; its `@@probe` line. */
async function evalModule(c: CaseContext, code: string): Promise<Record<string, number>> {
  const r = await timedRun(process.execPath, ["--input-type=module", "-e", code], {
    cwd: c.env.root,
    timeoutMs: c.timeoutMs,
  });
  if (r.timedOut) throw new Error(`did not finish in ${c.timeoutMs / 1000} s`);
  return probeOutput(r);
}

/**
 * binaryen loaded as `compile` loads it (compiler/wasm/binaryen/load.ts): its split parts, read
 * from disk (a first run in the checkout wrote them), its functions compiled up front.
 */
function codegenProbe(c: CaseContext): Probe {
  const id = "import.codegen";
  const module = JSON.stringify(
    pathToFileURL(join(c.env.root, "dist/compiler/wasm/binaryen/instance.js")).href,
  );
  const code = `const { loadCodegen } = await import(${module}); const t0 = performance.now(); const { path } = await loadCodegen(); const ms = performance.now() - t0; console.log("@@probe " + JSON.stringify({ ms, cached: path === "cached" ? 1 : 0 }));`;
  const once = () => evalModule(c, code);
  return {
    id,
    metrics: [
      {
        id,
        group: "import",
        label: "binaryen as `compile()` loads it: its split parts from disk, all functions compiled up front",
        note: "the CLI compiles them on demand instead (compiler/wasm/binaryen/v8-flags.ts)",
      },
    ],
    prepare: async () => {
      await once(); // writes the parts when this checkout has none yet
    },
    run: async () => {
      const out = await once();
      if (out.cached !== 1) throw new Error("binaryen's parts were not read from disk");
      return { [id]: out.ms! };
    },
  };
}

const COMPILE_TARGETS: Record<NamedModel, { fresh?: number; warm?: number }> = {
  w1: { fresh: 300, warm: 60 },
  w2: { fresh: 300, warm: 60 },
  "char-rnn": { fresh: 500 },
};

function modelProbe(c: CaseContext, id: NamedModel): Probe {
  const t = COMPILE_TARGETS[id];
  const text = MODEL_TEXT[id];
  const metrics: Metric[] = [
    {
      id: `compile.${id}.fresh`,
      group: "compile()",
      label: `${text.short}: first \`compile()\` in a fresh process, after its imports`,
      ...(t.fresh ? { targetMs: t.fresh } : {}),
    },
    {
      id: `compile.${id}.warm`,
      group: "compile()",
      label: `${text.short}: third \`compile()\` in the same process (warm)`,
      ...(t.warm ? { targetMs: t.warm } : {}),
    },
    {
      id: `compile.${id}.steady`,
      group: "compile()",
      label: `${text.short}: 11th to 20th \`compile()\` in the same process (steady state), median`,
      ...(t.warm ? { targetMs: t.warm } : {}),
    },
  ];
  const workload = id === "w1" ? "W1" : id === "w2" ? "W2" : undefined;
  if (workload) {
    metrics.push({
      id: `first.wasmgrad.${workload}`,
      group: "first result",
      label: `wasmgrad ${workload}: build + \`compile()\` + \`load()\` + (first step − warm step)`,
      note: "after the imports (the import rows above)",
    });
  }
  return {
    id: `model.${id}`,
    metrics,
    run: async () => {
      const p = await runProbe(c, ["model", id]);
      return {
        [`compile.${id}.fresh`]: p.compile1Ms!,
        [`compile.${id}.warm`]: p.compile3Ms!,
        [`compile.${id}.steady`]: p.compileSteadyMs!,
        ...(workload
          ? {
              [`first.wasmgrad.${workload}`]:
                p.build1Ms! + p.compile1Ms! + p.loadMs! + p.firstStepMs! - p.warmStepMs!,
            }
          : {}),
      };
    },
  };
}

const PEER_TEXT: Record<string, { first: string; setup: string }> = {
  "jax-js": {
    first: "the first `jit` step (tracing + compiling) − a warm step",
    setup: '`import("@jax-js/jax")` + `init("wasm")`',
  },
  "tfjs-wasm": {
    first: "the first step (kernel set-up, XNNPACK) − a warm step",
    setup: 'import tfjs + `setBackend("wasm")` + `ready()`',
  },
  "tfjs-cpu": {
    first: "the first step − a warm step",
    setup: 'import tfjs + `setBackend("cpu")` + `ready()`',
  },
};

function peerProbe(c: CaseContext, impl: string, workload: "W1" | "W2"): Probe {
  const text = PEER_TEXT[impl]!;
  const metrics: Metric[] = [
    { id: `first.${impl}.${workload}`, group: "first result", label: `${impl} ${workload}: ${text.first}` },
  ];
  if (workload === "W1")
    metrics.unshift({ id: `import.${impl}`, group: "import", label: `${impl}: ${text.setup}` });
  return {
    id: `peer.${impl}.${workload}`,
    metrics,
    run: async () => {
      const p = await runProbe(c, ["peer", impl, workload]);
      return {
        [`first.${impl}.${workload}`]: p.firstStepMs! - p.warmStepMs!,
        ...(workload === "W1" ? { [`import.${impl}`]: p.importMs! + p.setupMs! } : {}),
      };
    },
  };
}

function gccProbe(c: CaseContext, program: string, workload: string): Probe {
  return command(
    c,
    `gcc.${workload}`,
    { group: "native build", label: `native-c ${workload}: \`gcc ${CFLAGS.join(" ")} ${program}.c -lm\`` },
    "gcc",
    [...CFLAGS, "-o", join(c.tmp, program), join(NATIVE, `${program}.c`), "-lm"],
  );
}

/** Every probe of the section, in report order, for the selected implementations. */
export function probes(c: CaseContext, gccFound: boolean): Probe[] {
  const out: Probe[] = [];
  if (c.impls.has("wasmgrad")) {
    out.push(...cliProbes(c));
    out.push(importProbe(c, "import.wasmgrad", "wasmgrad", '`import("wasmgrad")` (dist/compiler/index.js)'));
    out.push(importProbe(c, "import.binaryen", "binaryen", '`import("binaryen")`'));
    out.push(codegenProbe(c));
  }
  for (const impl of ["jax-js", "tfjs-wasm", "tfjs-cpu"]) {
    if (c.impls.has(impl)) out.push(peerProbe(c, impl, "W1"), peerProbe(c, impl, "W2"));
  }
  if (c.impls.has("wasmgrad")) out.push(...NAMED_MODELS.map((m) => modelProbe(c, m)));
  if (c.impls.has("native-c")) {
    const native = [gccProbe(c, "w1_mlp_train", "W1"), gccProbe(c, "w2_rnn_bptt", "W2")];
    out.push(...(gccFound ? native : native.map((p) => ({ ...p, skip: "gcc not found on PATH" }))));
  }
  return out;
}
