/**
 * V8's WebAssembly tiering while binaryen.js's binary is compiled and instantiated (load.ts).
 *
 * By default V8 compiles each wasm function on its first call (lazy Liftoff, on the main thread)
 * and recompiles hot ones with TurboFan in the background (dynamic tiering). For binaryen that is
 * the wrong trade in a compiler that runs for a fraction of a second: its first compiles call
 * thousands of functions for the first time, the TurboFan jobs take the second core from the
 * compile and from the module it produced, and a process that exits waits for the running jobs.
 * Measured on the 2-core machine (Node 20, fresh processes, bench/compile/probe.ts, three compiles
 * of the same model in one process; the CLI compiling examples/xor/model.ts):
 *
 *   V8's defaults                  W1 347-432 / 194-233 / 171-225 ms, char-rnn 683-759 ms first;
 *                                  the CLI process exits 0.3 s after its work is done
 *   eager Liftoff, no early tier-up W1 158-176 / 71-97 / 52-60 ms, char-rnn 320-357 ms first;
 *                                  the module loads 0.4 s slower (its functions compile up front,
 *                                  in the background) and the exit is immediate
 *
 * So for binaryen's module only: every function compiled up front (`--no-wasm-lazy-compilation`)
 * and a tiering budget 550 times V8's (`--wasm-tiering-budget`), so that a function tiers up only
 * in long compiles (a 20,000-node graph: 3.7 s before, 2.9 s after; a hand-unrolled RNN of 300
 * steps: 8.3 s and 8.7-9.6 s). The flags are set just before binaryen's module is compiled and
 * set back to V8's defaults once it is instantiated; the budget a module starts with is read at its
 * instantiation, so modules loaded later (the ones wasmgrad compiles) tier up as usual.
 *
 * Node documents that flags changed after start-up may behave unpredictably; these two are read
 * when a module is compiled and instantiated, and nothing else is touched. The flags are left
 * alone when the process was started with any flag of V8's wasm tiering (the user's choice wins)
 * and on V8 versions whose defaults were not verified (only then could "set back" be wrong).
 */

/** V8's defaults for the flags set here, by V8 major version (src/flags/flag-definitions.h). */
const V8_DEFAULTS: Readonly<Record<number, { readonly tieringBudget: number }>> = {
  11: { tieringBudget: 1_800_000 }, // Node 20 (V8 11.3): measured above
};

/** The tiering budget binaryen's module starts with (V8 11: 550 × the default). */
const BINARYEN_TIERING_BUDGET = 1_000_000_000;

/** Flags that, given on the command line or in NODE_OPTIONS, mean "leave tiering alone". */
const USER_TIERING_FLAGS =
  /--(no-)?(wasm-lazy-compilation|wasm-tiering-budget|wasm-dynamic-tiering|liftoff|wasm-tier-up)/;

type SetFlags = (flags: string) => void;

/**
 * Sets the flags above for binaryen's module and returns the function that sets them back (to be
 * called once the module is instantiated); undefined outside Node or where they are left alone.
 * Synchronous, so that the module's compile can start before the caller's next synchronous work.
 */
export function binaryenTiering(upFront: boolean): (() => void) | undefined {
  const setFlags = flagSetter();
  if (!setFlags) return undefined;
  const defaults = V8_DEFAULTS[v8Major()]!;
  const lazy = (on: boolean) =>
    upFront ? (on ? "--wasm-lazy-compilation " : "--no-wasm-lazy-compilation ") : "";
  setFlags(`${lazy(false)}--wasm-tiering-budget=${BINARYEN_TIERING_BUDGET}`);
  return () => setFlags(`${lazy(true)}--wasm-tiering-budget=${defaults.tieringBudget}`);
}

function v8Major(): number {
  const version = (globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8;
  return Number.parseInt(version ?? "", 10);
}

interface NodeProcess {
  readonly execArgv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  getBuiltinModule?(id: string): unknown;
}

function flagSetter(): SetFlags | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.execArgv || !proc.getBuiltinModule || V8_DEFAULTS[v8Major()] === undefined) return undefined;
  const given = [...proc.execArgv, proc.env?.NODE_OPTIONS ?? ""].join(" ").replace(/_/g, "-");
  if (USER_TIERING_FLAGS.test(given)) return undefined;
  const v8 = proc.getBuiltinModule("node:v8") as { setFlagsFromString?: SetFlags } | undefined;
  const set = v8?.setFlagsFromString;
  return set ? (flags) => set(flags) : undefined;
}
