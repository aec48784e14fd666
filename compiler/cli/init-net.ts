/**
 * `--seed n` or `--weights file` (run, train): how a loaded module's params get their values; and
 * the bytes `--save-weights file` writes. A file named `*.safetensors` (any case) is read and
 * written as safetensors (runtime/safetensors.ts), any other as wasmgrad's own format (weights.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Net } from "../../runtime/index.js";
import { encodeSafetensors, loadSafetensors } from "../../runtime/safetensors.js";
import { CliError } from "./errors.js";

export interface InitCliOptions {
  readonly seed?: number;
  readonly weights?: string;
}

/** Rejects --seed together with --weights (before any slow work). */
export function checkSeedOrWeights(opts: InitCliOptions): void {
  if (opts.seed !== undefined && opts.weights !== undefined) {
    throw new CliError(`give --seed (initialize the params) or --weights (load them), not both`);
  }
}

/** True for a weights file to read or write as safetensors: its name ends with `.safetensors`. */
export function isSafetensorsPath(path: string): boolean {
  return /\.safetensors$/i.test(path);
}

/** What --save-weights writes to `path`: the params (and the states when `states`) in its format. */
export function weightsFile(net: Net, path: string, states: boolean): Uint8Array {
  return isSafetensorsPath(path) ? encodeSafetensors(net, { states }) : net.saveWeights({ states });
}

/** Loads --weights into `net` (params, and states when the file holds them), or runs init(--seed, default 0). */
export function initNet(net: Net, opts: InitCliOptions, cwd: string): void {
  if (opts.weights !== undefined) {
    const path = resolve(cwd, opts.weights);
    if (!existsSync(path))
      throw new CliError(`cannot find weights file '${opts.weights}' (no such file: ${path})`);
    const bytes = new Uint8Array(readFileSync(path));
    const native = String.fromCharCode(...bytes.subarray(0, 4)) === "WGWT";
    if (isSafetensorsPath(path)) {
      if (native) {
        throw new CliError(
          `'${opts.weights}' is a wasmgrad weights file (it starts with "WGWT"), not safetensors: ` +
            `rename it without .safetensors to load it`,
        );
      }
      loadSafetensors(net, bytes);
    } else if (!native && looksLikeSafetensors(bytes)) {
      throw new CliError(
        `'${opts.weights}' looks like a safetensors file, not a wasmgrad weights file: ` +
          `name it *.safetensors to load it as one`,
      );
    } else {
      net.loadWeights(bytes);
    }
  } else {
    net.init(opts.seed ?? 0);
  }
}

/** A u64 header size that fits the file, then a JSON object: safetensors, misnamed. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return dv.getUint32(4, true) === 0 && 8 + dv.getUint32(0, true) <= bytes.length && bytes[8] === 0x7b; // {
}
