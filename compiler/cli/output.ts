/** Writing what the commands produce: to stdout or a file, and checking a path up front. */
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CliError, messageOf } from "./errors.js";

/** Writes `text` to stdout, or to the file `output` when given. */
export function emit(text: string, output: string | undefined): void {
  if (output === undefined) process.stdout.write(text);
  else {
    try {
      writeFileSync(output, text);
    } catch (e) {
      throw new CliError(`cannot write '${output}': ${messageOf(e)}`);
    }
  }
}

/** Writes a file, creating its directory if needed. */
export function writeOut(path: string, data: string | Uint8Array): void {
  try {
    writeCreatingDirectory(path, data);
  } catch (e) {
    throw new CliError(`cannot write '${path}': ${messageOf(e)}`);
  }
}

/**
 * Writes the file an option asked for (`what`: `--save-weights 'w.bin'`) after the command has
 * printed its results, which checkWritable cleared up front: when the write still fails (a full
 * disk, a directory removed meanwhile), the error says so in one line and the results printed
 * stay. The OS's reason names the absolute path.
 */
export function writeAfterResults(path: string, data: string | Uint8Array, what: string): void {
  try {
    writeCreatingDirectory(path, data);
  } catch (e) {
    throw new CliError(
      `cannot write ${what}: ${messageOf(e)}; the results were printed, the file was not written`,
    );
  }
}

function writeCreatingDirectory(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/**
 * Checks, before a long computation, that writeOut(path) can succeed: the path is not a directory,
 * and the file (or the nearest directory above it that exists) is writable. `what` names the
 * option for the message (`--save-weights 'w.bin'`).
 */
export function checkWritable(path: string, what: string): void {
  const fail = (reason: string): never => {
    throw new CliError(`cannot write ${what}: ${reason}`);
  };
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) fail("it is a directory; give the path of a file");
    if (!writable(path)) fail("the file is not writable");
    return;
  }
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) fail(`'${dir}' is not a directory`);
  if (!writable(dir)) fail(`the directory '${dir}' is not writable`);
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
