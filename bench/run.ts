/**
 * `npm run bench [-- --quick] [-- --only W1,W3] [-- --impl tfjs-wasm,native-c] [-- --out FILE]`
 *
 * Compares wasmgrad with TensorFlow.js (wasm and cpu backends), jax-js, plain JavaScript and
 * native C on the workloads of bench/lib/workloads.ts, in one run. This process generates the
 * seeded data, computes the plain-JS reference and, for every (workload, implementation), runs
 * the measurement in a fresh child process (bench/lib/worker.ts; native C runs its own program),
 * then checks the peer's results against the reference. Prints progress and a table; a full run
 * (no --quick / --only / --impl) also writes bench/RESULTS.md.
 *
 * Then the compile section (bench/compile/): what each path costs before its first step (CLI,
 * imports, compile(), the peers' first jitted step, gcc) and compile time against graph size, in
 * fresh processes. `--compile-only` (= `--only compile`) runs it alone and, without --quick,
 * replaces that section of bench/RESULTS.md.
 *
 * Between the two, the engines section (bench/engines/): the same compiled artifacts under Node,
 * Deno, Bun and headless Chromium, the variant each engine's load() picks (relaxed or baseline
 * SIMD) against the baseline pinned, with native C in the same run. `--engines-only`
 * (= `--only engines`) runs it alone and, without --quick, replaces that section of RESULTS.md.
 */
import { fork } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { compileConsoleTables, compileMarkdown, SCALING_SVG, spliceSection } from "./compile/report.js";
import { scalingSvg } from "./compile/plot.js";
import { runCompileSection, type CompileResults } from "./compile/section.js";
import { enginesConsoleTable, enginesMarkdown, spliceEngines } from "./engines/report.js";
import { runEnginesSection, type EnginesResults } from "./engines/section.js";
import {
  runWord2vecSection,
  word2vecConsoleTable,
  word2vecMarkdown,
  spliceWord2vec,
  type Word2vecResults,
} from "./word2vec/section.js";
import { compareW1, compareW2, compareW3, compareW4, compareW6, type Agreement } from "./lib/check.js";
import { loadAverage, machineInfo } from "./lib/machine.js";
import {
  fingerprint,
  runWorkload,
  supports,
  workloadData,
  type CheckValues,
  type RawOutcome,
  type WorkloadData,
} from "./lib/protocol.js";
import { IMPL_IDS, loadImpl, OUT_OF_PROCESS } from "./lib/registry.js";
import { consoleTable, markdown, passGroupTable, sig, writeMarkdown, type Row } from "./lib/report.js";
import { summarize } from "./lib/timing.js";
import type { F32, Impl, TimingPlan, TrainCheck, TrainRunner } from "./lib/types.js";
import type { WorkerReply } from "./lib/worker.js";
import { inUnit, WORKLOADS, type Workload } from "./lib/workloads.js";
import { lenetTrain, matmulRunner, mlpInfer, mlpTrain, rnnTrain } from "./impl/plain-js.js";

// Long warm-ups: tfjs and jax-js run a lot of JavaScript per call, which V8 needs thousands of
// calls to optimize.
const FULL: TimingPlan = { warmupMs: 2000, targetMs: 200, repeats: 7 };
const QUICK: TimingPlan = { warmupMs: 100, targetMs: 25, repeats: 3 };
const RESULTS_FILE = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const WORKER = fileURLToPath(new URL("./lib/worker.ts", import.meta.url));

const FULL_ROUNDS = 3;
const QUICK_ROUNDS = 1;

const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--only W1,W2,W3,W4,W6,word2vec,engines,compile] [--compile-only] [--engines-only] [--impl ${IMPL_IDS.join(",")}] [--out FILE]
  --quick   fast smoke run (short warm-up, ${QUICK.repeats} repeats of >= ${QUICK.targetMs} ms, ${QUICK_ROUNDS} round;
            compile section: one process per number, smaller scaling sizes)
  --rounds  measure every implementation N times, interleaved, each time in a fresh process, and
            pool the repeats (default ${FULL_ROUNDS}; ${QUICK_ROUNDS} with --quick)
  --only    workloads to run: W1, W2, W3, W4 (= W4-256 and W4-512), W4-256, W4-512, W6, engines
            (the engines section), word2vec (= W5: word2vec.c against examples/word2vec) and compile
            (the compile section)
  --compile-only
            only the compile section (= --only compile); without --quick it replaces that section
            of bench/RESULTS.md (or of --out FILE)
  --engines-only
            only the engines section (= --only engines: Node, Deno, Bun, Chromium, native C; --quick:
            shorter loops); without --quick it replaces that section of bench/RESULTS.md (or --out FILE)
  --impl    implementations to run (the plain-JS reference is always computed)
  --out     write the Markdown report to FILE (a full run writes bench/RESULTS.md by default)`;

function fail(msg: string): never {
  console.error(`bench: ${msg}\n${USAGE}`);
  process.exit(2);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message.split("\n")[0]! : String(e);
}

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    impl: { type: "string" },
    out: { type: "string" },
    rounds: { type: "string" },
    "compile-only": { type: "boolean", default: false },
    "engines-only": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

const plan = opts.quick ? QUICK : FULL;
const rounds = opts.rounds === undefined ? (opts.quick ? QUICK_ROUNDS : FULL_ROUNDS) : Number(opts.rounds);
if (!Number.isInteger(rounds) || rounds < 1)
  fail(`--rounds must be a positive integer (got '${opts.rounds}')`);
const selected = new Set<string>(WORKLOADS.map((w) => w.id));
let compileSection = !opts.only;
let enginesSection = !opts.only;
let word2vecSection = !opts.only && !opts["compile-only"] && !opts["engines-only"];
if (opts["compile-only"] || opts["engines-only"]) {
  if (opts.only)
    fail("--compile-only / --engines-only and --only cannot be combined (use --only W1,engines,compile)");
  selected.clear();
  compileSection = opts["compile-only"];
  enginesSection = opts["engines-only"];
}
if (opts.only) {
  selected.clear();
  for (const s of opts.only.split(",").map((x) => x.trim().toUpperCase())) {
    if (s === "COMPILE") {
      compileSection = true;
      continue;
    }
    if (s === "ENGINES") {
      enginesSection = true;
      continue;
    }
    if (s === "WORD2VEC" || s === "W5") {
      word2vecSection = true;
      continue;
    }
    const match = WORKLOADS.filter((w) => w.id === s || w.group === s);
    if (!match.length) fail(`unknown workload '${s}'`);
    match.forEach((w) => selected.add(w.id));
  }
}
let implIds: readonly string[] = IMPL_IDS;
if (opts.impl) {
  const ids = opts.impl.split(",").map((x) => x.trim());
  for (const id of ids)
    if (!(IMPL_IDS as readonly string[]).includes(id)) fail(`unknown implementation '${id}'`);
  implIds = IMPL_IDS.filter((i) => ids.includes(i));
}
// only the compile and/or engines sections: a full run of them replaces their sections of the report
const sectionsOnly = selected.size === 0 && (compileSection || enginesSection || word2vecSection);
// A full run writes the whole report.
const outFile =
  opts.out ?? (opts.quick || opts.impl || (opts.only && !sectionsOnly) ? undefined : RESULTS_FILE);
const mode = `${opts.quick ? "--quick" : "full"}${opts.rounds ? ` --rounds ${rounds}` : ""}${opts.only ? ` --only ${opts.only}` : ""}${opts["compile-only"] ? " --compile-only" : ""}${opts["engines-only"] ? " --engines-only" : ""}${opts.impl ? ` --impl ${opts.impl}` : ""}`;

// ---- machine and set-up ---------------------------------------------------------------------

const machine = machineInfo();
const loadStart = loadAverage();
console.log(
  `wasmgrad bench (${mode}): ${machine.cpu}, ${machine.logicalCores} logical cores, Node ${machine.node}`,
);
if (loadStart > 0.5) {
  console.log(
    `note: the 1-minute load average is ${loadStart.toFixed(2)}: other processes are using the CPU, so timings will be noisy`,
  );
}
if (selected.size)
  console.log(
    `timing: warm-up >= ${plan.warmupMs} ms, ${plan.repeats} repeats of >= ${plan.targetMs} ms, in ${rounds} interleaved round(s);` +
      ` median and min–max per iteration over all repeats; each measurement in a fresh process\n`,
  );

// Set-up in this process: it reports each peer's configuration (or why it is skipped) and builds
// the native programs; the child processes set their peer up again for themselves.
const setups: { id: string; notes: readonly string[]; skip?: string }[] = [];
const active: Impl[] = [];
for (const id of selected.size ? implIds : []) {
  try {
    const impl = await loadImpl(id);
    const s = await impl.setup(plan);
    setups.push({ id, notes: s.notes, ...(s.skip ? { skip: s.skip } : {}) });
    if (s.skip) console.log(`setup ${id}: SKIPPED (${s.skip})`);
    else {
      console.log(`setup ${id}: ${s.notes.join("; ")}`);
      active.push(impl);
    }
  } catch (e) {
    setups.push({ id, notes: [], skip: `set-up failed: ${message(e)}` });
    console.log(`setup ${id}: FAILED (${message(e)})`);
  }
}

// ---- measurement --------------------------------------------------------------------------------

function inChild(impl: Impl, w: Workload): Promise<WorkerReply> {
  return new Promise((resolve) => {
    let reply: WorkerReply | undefined;
    // fork() reuses this process's execArgv, which carries tsx's loader.
    const child = fork(WORKER, [impl.id, w.id, JSON.stringify(plan)], {
      execArgv: [...process.execArgv, ...(impl.execArgv ?? [])],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (m) => (reply = m as WorkerReply));
    child.on("error", (e) => resolve({ ok: false, error: `worker: ${message(e)}` }));
    child.on("exit", (code, signal) =>
      resolve(reply ?? { ok: false, error: `worker exited (${signal ?? `code ${code}`}) without a result` }),
    );
  });
}

async function measureOne(impl: Impl, w: Workload, wd: WorkloadData): Promise<RawOutcome> {
  if (OUT_OF_PROCESS.has(impl.id)) return runWorkload(impl, wd, plan);
  const r = await inChild(impl, w);
  if (!r.ok) throw new Error(r.error);
  if (r.fingerprint !== fingerprint(wd)) throw new Error("the worker generated different data");
  return r.outcome;
}

/** The training protocol's check values (W1, W2, W6) of the plain-JS reference on a fresh state. */
function trainReference(r: TrainRunner): TrainCheck {
  const l1 = r.step();
  const paramsAfter1 = r.params();
  const ref: TrainCheck = { losses: [l1, r.step(), r.step()], paramsAfter1 };
  console.log(`  reference losses ${ref.losses.map((l) => l.toFixed(6)).join(", ")}`);
  return ref;
}

/** The plain-JS reference on a fresh state, and how to compare a peer's check values with it. */
function reference(wd: WorkloadData): (got: CheckValues) => Agreement {
  switch (wd.group) {
    case "W1": {
      const ref = trainReference(mlpTrain(wd.data));
      return (got) => compareW1(ref, got as TrainCheck, wd.data.params);
    }
    case "W2": {
      const ref = trainReference(rnnTrain(wd.data));
      return (got) => compareW2(ref, got as TrainCheck, wd.data.params);
    }
    case "W3": {
      const r = mlpInfer(wd.data);
      const ref = wd.data.inputs.map((x) => {
        const out = new Float32Array(wd.data.classes);
        r.infer(x, out);
        return out;
      });
      return (got) => compareW3(ref, got as F32[]);
    }
    case "W4": {
      const r = matmulRunner(wd.data);
      r.run!();
      const ref = r.result();
      return (got) => compareW4(ref, got as F32);
    }
    case "W6": {
      const ref = trainReference(lenetTrain(wd.data));
      return (got) => compareW6(ref, got as TrainCheck, wd.data.params);
    }
  }
}

/** One implementation's results on one workload, pooled over the rounds. */
interface Pooled {
  readonly impl: Impl;
  readonly outcomes: RawOutcome[];
  readonly agreements: Agreement[];
  error?: string;
}

/** All rounds' repeats as one measurement; the lowest CPU share of any round. */
function pooledRow(w: Workload, p: Pooled): Row {
  if (p.error !== undefined) return { workload: w, impl: p.impl.id, status: "error", reason: p.error };
  const bad = p.agreements.find((a) => !a.ok);
  const agreement = bad ?? p.agreements[p.agreements.length - 1]!;
  const perIterMs = p.outcomes.flatMap((o) => o.measurement.perIterMs);
  const shares = p.outcomes.flatMap((o) =>
    o.measurement.cpuShare !== undefined ? [o.measurement.cpuShare] : [],
  );
  const first = p.outcomes[0]!;
  return {
    workload: w,
    impl: p.impl.id,
    status: agreement.ok ? "ok" : "disagrees",
    agreement: agreement.summary,
    ms: summarize({ ...first.measurement, perIterMs }),
    iterationsPerRepeat: first.measurement.iterationsPerRepeat,
    ...(shares.length ? { cpuShare: Math.min(...shares) } : {}),
    ...(first.notes ? { notes: first.notes } : {}),
  };
}

const rows: Row[] = [];
try {
  for (const w of WORKLOADS) {
    if (!selected.has(w.id)) continue;
    console.log(`\n${w.id} ${w.title}: ${w.description}`);
    if (w.planned) {
      console.log(`  ${w.planned}`);
      rows.push({ workload: w, impl: "—", status: "planned", reason: w.planned });
      continue;
    }
    const wd = workloadData(w);
    const compare = reference(wd);

    for (const s of setups.filter((s) => s.skip)) {
      rows.push({ workload: w, impl: s.id, status: "skipped", reason: s.skip! });
    }
    const pooled: Pooled[] = [];
    for (const impl of active) {
      if (supports(impl, w)) pooled.push({ impl, outcomes: [], agreements: [] });
      else {
        console.log(`  ${impl.id.padEnd(10)} not implemented`);
        rows.push({ workload: w, impl: impl.id, status: "skipped", reason: "not implemented" });
      }
    }
    // Rounds interleave the implementations, so that a slow phase of the machine (another tenant
    // on the shared core; it can last seconds and slow SIMD code by half) lands on every
    // implementation rather than on one. Each round starts one implementation later
    // (A B C, B C A, C A B, ...), so that none always runs first.
    for (let round = 1; round <= rounds; round++) {
      const shift = (round - 1) % pooled.length;
      for (const p of [...pooled.slice(shift), ...pooled.slice(0, shift)]) {
        if (p.error !== undefined) continue;
        const label = `  ${p.impl.id.padEnd(10)}${rounds > 1 ? ` [${round}/${rounds}]` : ""}`;
        try {
          const o = await measureOne(p.impl, w, wd);
          const agreement = compare(o.check);
          p.outcomes.push(o);
          p.agreements.push(agreement);
          const s = summarize(o.measurement);
          const lo = inUnit(w, w.unit === "GFLOP/s" ? s.max : s.min);
          const hi = inUnit(w, w.unit === "GFLOP/s" ? s.min : s.max);
          console.log(
            `${label} ${agreement.ok ? "agrees" : "DISAGREES"} (${agreement.summary}); ` +
              `${sig(inUnit(w, s.median))} ${w.unit} (${sig(lo)}–${sig(hi)}), ` +
              `${o.measurement.iterationsPerRepeat} iterations × ${o.measurement.perIterMs.length} repeats` +
              (o.measurement.cpuShare !== undefined
                ? `, cpu/wall ${o.measurement.cpuShare.toFixed(2)}`
                : "") +
              (o.notes && round === 1 ? `; ${o.notes.join("; ")}` : ""),
          );
        } catch (e) {
          p.error = message(e);
          console.log(`${label} ERROR: ${p.error}`);
        }
      }
    }
    for (const p of pooled) rows.push(pooledRow(w, p));
  }
} finally {
  for (const impl of active) await impl.teardown?.();
}
const loadEnd = loadAverage();

if (rows.length) {
  console.log(`\n${consoleTable(rows)}\n`);
  console.log(
    "vs X = t(X) / t(implementation): > 1 is faster than X. Disagreeing or failed rows get no ratios.",
  );
  const groups = passGroupTable(rows);
  if (groups) console.log(`\nwhat each group of graph passes brings (wasmgrad rows):\n${groups}\n`);
}

let word2vec: Word2vecResults | undefined;
if (word2vecSection) {
  word2vec = await runWord2vecSection({ quick: opts.quick, log: (line) => console.log(line) });
  console.log(`\n${word2vecConsoleTable(word2vec)}\n`);
}

let engines: EnginesResults | undefined;
if (enginesSection) {
  engines = await runEnginesSection({ quick: opts.quick, log: (line) => console.log(line) });
  console.log(`\n${enginesConsoleTable(engines)}\n`);
}

let compiled: CompileResults | undefined;
if (compileSection) {
  compiled = await runCompileSection({
    root: fileURLToPath(new URL("../", import.meta.url)),
    quick: opts.quick,
    impls: new Set(implIds),
    log: (line) => console.log(line),
  });
  console.log(`\n${compileConsoleTables(compiled)}\n`);
}

if (outFile) {
  let svg: string | undefined;
  if (compiled?.scaling.some((p) => p.status === "ok")) {
    svg = SCALING_SVG;
    const file = join(dirname(outFile), svg);
    writeFileSync(file, scalingSvg(compiled.scaling, `${compiled.date.slice(0, 10)}, ${machine.git}`) + "\n");
    console.log(`wrote ${file}`);
  }
  const section = compiled ? compileMarkdown(compiled, machine.git, svg) : undefined;
  let report = sectionsOnly
    ? existsSync(outFile)
      ? readFileSync(outFile, "utf8")
      : ""
    : markdown({
        machine,
        plan,
        rounds,
        mode,
        load: { start: loadStart, end: loadEnd },
        rows,
        impls: setups,
      });
  if (section) report = spliceSection(report, section);
  if (engines) report = spliceEngines(report, enginesMarkdown(engines, machine.git));
  if (word2vec) report = spliceWord2vec(report, word2vecMarkdown(word2vec, machine.git));
  await writeMarkdown(outFile, report);
  console.log(`wrote ${outFile}`);
} else {
  console.log("(not writing bench/RESULTS.md for a partial or quick run; use --out FILE to write a report)");
}
