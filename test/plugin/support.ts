/**
 * Shared by the bundler plugin's tests: the fixture app (test/fixtures/web-app), a copy of it in
 * a temp directory set up as an app that depends on wasmgrad, the compiled modules in an output
 * directory, and a run of a built app in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core; no browser is downloaded).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { MANIFEST_SECTION, type Manifest } from "../../runtime/manifest.js";
import { CHROMIUM, CHROMIUM_ARGS, repoRoot, serveFiles } from "../e2e/support.js";

export const fixtureRoot = join(repoRoot, "test/fixtures/web-app");

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `wasmgrad-plugin-${prefix}-`));
}

/**
 * A copy of the fixture app in a temp directory, as an app that depends on wasmgrad: a
 * package.json with "type": "module" and node_modules/wasmgrad linking to this repository, so
 * the model's `import ... from "wasmgrad"` resolves as it does in an app, and a tsconfig of its own.
 */
export function copyFixture(prefix: string): string {
  const dir = tempDir(prefix);
  cpSync(fixtureRoot, dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "web-app", private: true, type: "module" }),
  );
  // the fixture's tsconfig extends the repository's
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", strict: true } }),
  );
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repoRoot, join(dir, "node_modules/wasmgrad"), "dir");
  return dir;
}

/** The `.wasm` files under `dir` (recursively), by path relative to it. */
export function wasmFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".wasm"));
}

/** The manifest a module carries in its custom section, or undefined without one. */
export function manifestOf(bytes: Uint8Array<ArrayBuffer>): Manifest | undefined {
  const module = new WebAssembly.Module(bytes);
  const [section] = WebAssembly.Module.customSections(module, MANIFEST_SECTION);
  return section ? (JSON.parse(new TextDecoder().decode(section)) as Manifest) : undefined;
}

export function readBytes(path: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(path));
}

export interface PageRun {
  /** `document.body.dataset` once the app wrote its loss. */
  readonly loss: number;
  readonly wasmUrl: string;
  /** The URLs the page requested. */
  readonly requests: readonly string[];
}

/**
 * Serves `dir` on 127.0.0.1, opens `page` in headless Chromium (or, when `script` is given, the
 * server's empty page with that module script added) and waits for the app's loss.
 */
export async function runInChromium(
  dir: string,
  open: { page: string } | { script: string },
): Promise<PageRun> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed (${CHROMIUM} is missing)`);
  const server = await serveFiles({ "/": dir });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
  const problems: string[] = [];
  const requests: string[] = [];
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
    });
    page.on("request", (r) => requests.push(r.url()));
    if ("page" in open) await page.goto(`${server.url}/${open.page}`);
    else {
      await page.goto(`${server.url}/`);
      await page.addScriptTag({ type: "module", url: `${server.url}/${open.script}` });
    }
    await page
      .waitForFunction("document.body.dataset.loss !== undefined", undefined, { timeout: 20_000 })
      .catch((e: unknown) => {
        throw new Error(`the app wrote no loss: ${String(e)}\n${problems.join("\n")}`);
      });
    const data = await page.evaluate<{ loss: string; wasm: string }>(
      "({ loss: document.body.dataset.loss, wasm: document.body.dataset.wasm })",
    );
    if (problems.length) throw new Error(problems.join("\n"));
    return { loss: Number(data.loss), wasmUrl: data.wasm, requests };
  } finally {
    await browser.close();
    await server.close();
  }
}
