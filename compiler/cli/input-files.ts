/**
 * Input values from JSON files: `--input x=x.json` / `--input all.json` (run, train) and
 * `--inputs file.json` (gradcheck), and the check of given inputs against a module's entry.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Feed } from "../interp/bind.js";
import type { Manifest } from "../../runtime/index.js";
import { CliError, messageOf } from "./errors.js";
import { describeValue, isPlainObject } from "./json.js";

/** A module's entry points, as the manifest names them. */
export type EntryName = "forward" | "backward" | "train";

/** Reads and parses a JSON file; `what` names it in the messages ("inputs file"). */
export function readJson(file: string, what: string, cwd: string): unknown {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new CliError(`cannot find ${what} '${file}' (no such file: ${path})`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new CliError(`cannot parse ${what} '${file}': ${messageOf(e)}`);
  }
}

/** `--input x=x.json` (one input's value) or `--input all.json` (an object of values by name). */
export function readInputSpecs(specs: readonly string[], cwd: string = process.cwd()): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const set = (name: string, value: unknown, from: string) => {
    if (values.has(name)) throw new CliError(`input '${name}' is given twice (again in --input ${from})`);
    values.set(name, value);
  };
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq > 0) {
      const name = spec.slice(0, eq);
      const file = spec.slice(eq + 1);
      if (!file)
        throw new CliError(`--input ${spec}: give a JSON file after '=' (e.g. --input ${name}=${name}.json)`);
      set(name, readJson(file, `inputs file`, cwd), spec);
      continue;
    }
    const all = readJson(spec, "inputs file", cwd);
    if (typeof all !== "object" || all === null || Array.isArray(all)) {
      throw new CliError(
        `inputs file '${spec}' must hold a JSON object mapping input names to values ` +
          `(or pass one input as --input name=${spec})`,
      );
    }
    for (const [name, value] of Object.entries(all)) set(name, value, spec);
  }
  return values;
}

/** Reads a JSON file of input values: `{ "x": [[1, 2], [3, 4]], "y": [0, 1] }`. */
export function readInputsFile(file: string, cwd: string = process.cwd()): Record<string, Feed> {
  const parsed = readJson(file, "inputs file", cwd);
  if (!isPlainObject(parsed)) {
    throw new CliError(
      `inputs file '${file}' must hold a JSON object mapping input names to values, got ${describeValue(parsed)}`,
    );
  }
  return parsed as Record<string, Feed>;
}

/**
 * Checks the given inputs against the module: each is an input of the model, and every input
 * that `entry` reads is given. (Their values are checked by the runtime when it writes them.)
 */
export function checkEntryInputs(
  manifest: Manifest,
  entry: EntryName,
  given: ReadonlyMap<string, unknown>,
): void {
  const inputNames = manifest.tensors.filter((t) => t.role === "input").map((t) => t.name);
  for (const name of given.keys()) {
    if (!inputNames.includes(name)) {
      throw new CliError(
        `model '${manifest.model}' has no input named '${name}'; its inputs: ${inputNames.join(", ") || "none"}`,
      );
    }
  }
  const reads = manifest.entries[entry]?.inputs ?? [];
  const missing = reads.filter((n) => !given.has(n));
  if (missing.length) {
    throw new CliError(
      `${entry} reads the input${reads.length === 1 ? "" : "s"} ${reads.join(", ")}: ` +
        `missing ${missing.map((n) => `--input ${n}=file.json`).join(", ")}`,
    );
  }
}
