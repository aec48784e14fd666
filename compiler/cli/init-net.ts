/** `--seed n` or `--weights file` (run, train): how a loaded module's params get their values. */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Net } from "../../runtime/index.js";
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

/** Loads --weights into `net` (params, and states when the file holds them), or runs init(--seed, default 0). */
export function initNet(net: Net, opts: InitCliOptions, cwd: string): void {
  if (opts.weights !== undefined) {
    const path = resolve(cwd, opts.weights);
    if (!existsSync(path))
      throw new CliError(`cannot find weights file '${opts.weights}' (no such file: ${path})`);
    net.loadWeights(new Uint8Array(readFileSync(path)));
  } else {
    net.init(opts.seed ?? 0);
  }
}
